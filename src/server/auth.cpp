#include "server/auth.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <sodium.h>

#include <algorithm>

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

void SessionStore::remove(const std::string& token) {
  std::lock_guard lock(mutex_);
  sessions_.erase(token);
}

}  // namespace kiort
