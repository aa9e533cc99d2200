#include "server/auth.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <sodium.h>

#include <algorithm>
#include <cstdio>

#include "core/atomic_file.h"
#include "core/error.h"

namespace kiort {
namespace {

void ensure_sodium() {
  // sodium_init is idempotent and thread-safe; < 0 means no usable entropy source.
  if (sodium_init() < 0) throw Error::internal("libsodium could not be initialised");
}

bool valid_user_name(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
}

}  // namespace

std::string to_string(Role role) {
  switch (role) {
    case Role::kPhysician:
      return "physician";
    case Role::kPhysicist:
      return "physicist";
    case Role::kDataManager:
      return "data-manager";
    case Role::kReadOnly:
      return "read-only";
  }
  return "read-only";
}

Role parse_role(const std::string& text) {
  if (text == "physician") return Role::kPhysician;
  if (text == "physicist") return Role::kPhysicist;
  if (text == "data-manager" || text == "data_manager") return Role::kDataManager;
  if (text == "read-only" || text == "read_only") return Role::kReadOnly;
  throw Error::bad_input("unknown role")
      .field("role")
      .seen(text)
      .expected("physician, physicist, data-manager or read-only");
}

// Physicians and data managers (the follow-up nurse) enter follow-up; the physicist plans and
// signs but does not edit the registry; read-only users look.
bool may_edit_registry(Role role) {
  return role == Role::kPhysician || role == Role::kDataManager;
}
bool may_approve_plans(Role role) {
  return role == Role::kPhysicist;
}
bool may_delete_records(Role role) {
  return role == Role::kDataManager;
}

std::string hash_password(const std::string& password) {
  ensure_sodium();
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(out, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
    throw Error::internal("password hashing ran out of memory");
  return out;
}

bool verify_password(const std::string& hash, const std::string& password) {
  ensure_sodium();
  return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

UserStore::UserStore(const std::string& path) {
  create_private_file(path);  // password hashes: owner only
  try {
    db_ = std::make_unique<SQLite::Database>(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db_->setBusyTimeout(10000);
    db_->exec(
        "CREATE TABLE IF NOT EXISTS users (name TEXT PRIMARY KEY, role TEXT NOT NULL, "
        "password_hash TEXT NOT NULL, changed_at TEXT NOT NULL)");
  } catch (const SQLite::Exception& e) {
    throw Error::bad_input(std::string("cannot open the users file: ") + e.what()).file(path);
  }
  dummy_hash_ = hash_password(random_token());
}

UserStore::~UserStore() = default;

void UserStore::set_user(const std::string& name, Role role, const std::string& password) {
  if (!valid_user_name(name))
    throw Error::bad_input("invalid user name")
        .field("name")
        .seen(name)
        .expected("1-64 letters, digits, '.', '_' or '-'");
  if (password.size() < 8)
    throw Error::bad_input("password too short").field("password").expected("8 characters or more");
  const std::string hash = hash_password(password);
  std::lock_guard lock(mutex_);
  SQLite::Statement q(*db_,
                      "INSERT INTO users (name, role, password_hash, changed_at) VALUES (?, ?, ?, "
                      "strftime('%Y-%m-%dT%H:%M:%SZ','now')) ON CONFLICT(name) DO UPDATE SET "
                      "role = excluded.role, password_hash = excluded.password_hash, "
                      "changed_at = excluded.changed_at");
  q.bind(1, name);
  q.bind(2, to_string(role));
  q.bind(3, hash);
  q.exec();
}

std::optional<User> UserStore::authenticate(const std::string& name, const std::string& password) {
  std::optional<std::pair<std::string, std::string>> found;  // role, hash
  {
    std::lock_guard lock(mutex_);
    SQLite::Statement q(*db_, "SELECT role, password_hash FROM users WHERE name = ?");
    q.bind(1, name);
    if (q.executeStep()) found.emplace(q.getColumn(0).getString(), q.getColumn(1).getString());
  }
  if (!found) {
    verify_password(dummy_hash_, password);  // spend the same time as for a real user
    return std::nullopt;
  }
  if (!verify_password(found->second, password)) return std::nullopt;
  return User{name, parse_role(found->first)};
}

std::vector<User> UserStore::users() {
  std::lock_guard lock(mutex_);
  std::vector<User> out;
  SQLite::Statement q(*db_, "SELECT name, role FROM users ORDER BY name");
  while (q.executeStep())
    out.push_back({q.getColumn(0).getString(), parse_role(q.getColumn(1).getString())});
  return out;
}

std::string random_token() {
  ensure_sodium();
  unsigned char bytes[32];
  randombytes_buf(bytes, sizeof bytes);
  char hex[2 * sizeof bytes + 1];
  sodium_bin2hex(hex, sizeof hex, bytes, sizeof bytes);
  return hex;
}

bool tokens_equal(const std::string& a, const std::string& b) {
  return a.size() == b.size() && !a.empty() && sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

Session SessionStore::create(const User& user) {
  Session s{random_token(), random_token(), user, std::chrono::steady_clock::now()};
  std::lock_guard lock(mutex_);
  // Drop expired sessions here so the map cannot grow without bound.
  const auto now = s.last_seen;
  std::erase_if(sessions_,
                [&](const auto& kv) { return now - kv.second.last_seen > idle_timeout_; });
  sessions_[s.token] = s;
  return s;
}

std::optional<Session> SessionStore::find(const std::string& token) {
  if (token.size() != 64) return std::nullopt;
  std::lock_guard lock(mutex_);
  const auto it = sessions_.find(token);
  if (it == sessions_.end()) return std::nullopt;
  const auto now = std::chrono::steady_clock::now();
  if (now - it->second.last_seen > idle_timeout_) {
    sessions_.erase(it);
    return std::nullopt;
  }
  it->second.last_seen = now;
  return it->second;
}

long LoginLimiter::wait_for(std::map<std::string, std::vector<Clock::time_point>>& m,
                            const std::string& key, std::size_t limit, Clock::time_point now) {
  const auto it = m.find(key);
  if (it == m.end()) return 0;
  auto& v = it->second;
  std::erase_if(v, [&](Clock::time_point t) { return now - t >= limits_.window; });
  if (v.size() < limit) return 0;
  // Allowed again once enough failures have left the window to bring the count under the limit.
  const Clock::time_point free_at = v[v.size() - limit] + limits_.window;
  return std::max<long>(
      1, static_cast<long>(std::chrono::ceil<std::chrono::seconds>(free_at - now).count()));
}

long LoginLimiter::retry_after_s(const std::string& user, const std::string& address) {
  std::lock_guard lock(mutex_);
  const auto now = Clock::now();
  return std::max(wait_for(by_user_, user, limits_.per_user, now),
                  wait_for(by_address_, address, limits_.per_address, now));
}

void LoginLimiter::failed(const std::string& user, const std::string& address) {
  std::lock_guard lock(mutex_);
  const auto now = Clock::now();
  // Bound memory under a flood of made-up names: forget keys whose failures have all expired.
  for (auto* m : {&by_user_, &by_address_})
    if (m->size() > 10000)
      std::erase_if(*m, [&](const auto& kv) {
        return kv.second.empty() || now - kv.second.back() >= limits_.window;
      });
  for (auto* v : {&by_user_[user], &by_address_[address]}) {
    v->push_back(now);
    if (v->size() > 64) v->erase(v->begin());  // enough to know it is over the limit
  }
}

void LoginLimiter::succeeded(const std::string& user) {
  std::lock_guard lock(mutex_);
  by_user_.erase(user);
}

std::string log_escape(std::string_view value) {
  std::string out;
  for (const char ch : value.substr(0, 200)) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '\\' || c == '"') {
      out += '\\';
      out += ch;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += ch;
    }
  }
  if (value.size() > 200) out += "...";
  return out;
}

void SessionStore::remove(const std::string& token) {
  std::lock_guard lock(mutex_);
  sessions_.erase(token);
}

}  // namespace kiort
