// Who may use the web application and what each may do: users with one role each, passwords
// hashed with Argon2id (libsodium crypto_pwhash_str), and login sessions held in memory. Users
// live in their own small SQLite file beside the registry, so that the registry's schema and its
// audit trail stay about patients; sessions never touch disk (a restart logs everyone out).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace SQLite {
class Database;
}

namespace kiort {

// The four roles of the issue. What each may do is decided here, in one place.
enum class Role { kPhysician, kPhysicist, kDataManager, kReadOnly };
std::string to_string(Role role);
// "physician", "physicist", "data-manager" (or data_manager), "read-only" (or read_only).
// Throws Error(bad input) for anything else.
Role parse_role(const std::string& text);
bool may_edit_registry(Role role);   // enter visits, analgesics, complications
bool may_approve_plans(Role role);   // the physicist signs a plan
bool may_delete_records(Role role);  // the data manager deletes a visit (with a reason)

// Argon2id with libsodium's interactive limits: strong enough for a hospital intranet login and
// fast enough (~0.1 s, 64 MiB) not to stall the server. Returns the self-describing string
// ($argon2id$v=19$m=...,t=...,p=...$salt$hash).
std::string hash_password(const std::string& password);
bool verify_password(const std::string& hash, const std::string& password);

struct User {
  std::string name;
  Role role = Role::kReadOnly;
};

// The users file (SQLite). Thread-safe.
class UserStore {
 public:
  explicit UserStore(const std::string& path);  // creates the file and table if needed
  ~UserStore();
  // Creates or replaces a user's role and password. Names: 1-64 letters, digits, . _ -
  void set_user(const std::string& name, Role role, const std::string& password);
  // The user when name and password match; nullopt otherwise (same work either way, so timing
  // does not tell whether a name exists).
  std::optional<User> authenticate(const std::string& name, const std::string& password);
  std::vector<User> users();

 private:
  std::mutex mutex_;
  std::unique_ptr<SQLite::Database> db_;
  std::string dummy_hash_;  // verified against when the name is unknown
};

struct Session {
  std::string token;  // the cookie value (256 random bits, hex)
  std::string csrf;   // must come back in X-CSRF-Token on every state-changing request
  User user;
  std::chrono::steady_clock::time_point last_seen;
};

// Sessions by token, with an idle timeout. Thread-safe.
class SessionStore {
 public:
  explicit SessionStore(std::chrono::seconds idle_timeout = std::chrono::hours(8))
      : idle_timeout_(idle_timeout) {}
  Session create(const User& user);
  // The live session for a cookie token (refreshing its idle clock), or nullopt.
  std::optional<Session> find(const std::string& token);
  void remove(const std::string& token);

 private:
  std::mutex mutex_;
  std::map<std::string, Session> sessions_;
  std::chrono::seconds idle_timeout_;
};

// Failed logins per user name and per client address over a sliding window. A key with too many
// failures is refused (HTTP 429 with Retry-After) until its oldest failure leaves the window, even
// with the right password: 60 guesses then the right one no longer gets in. A success clears the
// user's count (not the address's). Thread-safe; memory bounded (old entries are dropped).
class LoginLimiter {
 public:
  struct Limits {
    std::size_t per_user = 5;      // failures per user name within the window
    std::size_t per_address = 20;  // failures per client address within the window
    std::chrono::seconds window = std::chrono::minutes(5);
  };
  LoginLimiter() : LoginLimiter(Limits{}) {}
  explicit LoginLimiter(Limits limits) : limits_(limits) {}
  // Seconds to wait before user may try again from address; 0 when allowed now.
  long retry_after_s(const std::string& user, const std::string& address);
  void failed(const std::string& user, const std::string& address);
  void succeeded(const std::string& user);

 private:
  using Clock = std::chrono::steady_clock;
  long wait_for(std::map<std::string, std::vector<Clock::time_point>>& m, const std::string& key,
                std::size_t limit, Clock::time_point now);
  std::mutex mutex_;
  Limits limits_;
  std::map<std::string, std::vector<Clock::time_point>> by_user_, by_address_;
};

// A value for a log line: control characters (a newline would forge a line), backslash and quote
// escaped as \n, \xHH..., and cut to 200 characters.
std::string log_escape(std::string_view value);

// 32 random bytes from libsodium as 64 hex digits.
std::string random_token();
// Constant-time comparison (sodium_memcmp) for tokens.
bool tokens_equal(const std::string& a, const std::string& b);

}  // namespace kiort
