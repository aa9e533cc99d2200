// The web application's users and sessions: Argon2id hashes, roles and what each may do, session
// lookup and logout, constant-time token comparison.
#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include "core/error.h"
#include "server/auth.h"

namespace kiort {
namespace {

TEST(Auth, PasswordsAreArgon2idAndVerify) {
  const std::string h = hash_password("correct horse");
  EXPECT_EQ(h.rfind("$argon2id$", 0), 0u);
  EXPECT_TRUE(verify_password(h, "correct horse"));
  EXPECT_FALSE(verify_password(h, "correct horsE"));
  EXPECT_NE(hash_password("correct horse"), h);  // salted
}

TEST(Auth, RolesAndPermissions) {
  EXPECT_EQ(parse_role("data_manager"), Role::kDataManager);
  EXPECT_EQ(to_string(parse_role("read-only")), "read-only");
  EXPECT_THROW(parse_role("admin"), Error);
  EXPECT_TRUE(may_edit_registry(Role::kPhysician));
  EXPECT_TRUE(may_edit_registry(Role::kDataManager));
  EXPECT_FALSE(may_edit_registry(Role::kPhysicist));
  EXPECT_FALSE(may_edit_registry(Role::kReadOnly));
  EXPECT_TRUE(may_approve_plans(Role::kPhysicist));
  EXPECT_FALSE(may_approve_plans(Role::kPhysician));
  EXPECT_TRUE(may_delete_records(Role::kDataManager));
  EXPECT_FALSE(may_delete_records(Role::kPhysician));
  EXPECT_FALSE(may_delete_records(Role::kPhysicist));
  EXPECT_FALSE(may_delete_records(Role::kReadOnly));
}

TEST(Auth, UserStoreAuthenticates) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("kiort-users-" + random_token().substr(0, 8) + ".db");
  {
    UserStore store(path.string());
    store.set_user("ann", Role::kPhysician, "password-ann");
    EXPECT_THROW(store.set_user("bad name", Role::kPhysician, "password-x"), Error);
    EXPECT_THROW(store.set_user("bob", Role::kPhysician, "short"), Error);
    const auto u = store.authenticate("ann", "password-ann");
    ASSERT_TRUE(u);
    EXPECT_EQ(u->role, Role::kPhysician);
    EXPECT_FALSE(store.authenticate("ann", "wrong-password"));
    EXPECT_FALSE(store.authenticate("nobody", "password-ann"));
    store.set_user("ann", Role::kReadOnly, "new-password");  // replaces role and password
    EXPECT_FALSE(store.authenticate("ann", "password-ann"));
    EXPECT_EQ(store.authenticate("ann", "new-password")->role, Role::kReadOnly);
    EXPECT_EQ(store.users().size(), 1u);
  }
  // Issue 18: the file of password hashes was created world-readable (0644 under umask 022).
  EXPECT_EQ(std::filesystem::status(path).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  std::filesystem::remove(path);
}

TEST(Auth, SessionsExpireAndEnd) {
  SessionStore sessions(std::chrono::seconds(3600));
  const Session s = sessions.create({"ann", Role::kPhysician});
  EXPECT_EQ(s.token.size(), 64u);
  EXPECT_NE(s.token, s.csrf);
  ASSERT_TRUE(sessions.find(s.token));
  EXPECT_EQ(sessions.find(s.token)->user.name, "ann");
  EXPECT_FALSE(sessions.find(s.csrf));
  EXPECT_FALSE(sessions.find(""));
  sessions.remove(s.token);
  EXPECT_FALSE(sessions.find(s.token));
  SessionStore expired(std::chrono::seconds(0));
  const Session e = expired.create({"ann", Role::kPhysician});
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_FALSE(expired.find(e.token));
}

TEST(Auth, TokensCompare) {
  const std::string a = random_token();
  EXPECT_TRUE(tokens_equal(a, a));
  EXPECT_FALSE(tokens_equal(a, random_token()));
  EXPECT_FALSE(tokens_equal(a, a.substr(1)));
  EXPECT_FALSE(tokens_equal("", ""));  // an absent header never matches
}

}  // namespace
// Issue 18: 60 wrong passwords, then the right one was accepted at once; a newline in a user name
// forged a log line.
TEST(Auth, LoginLimiterPerUserAndAddress) {
  LoginLimiter limiter({3, 5, std::chrono::seconds(60)});
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(limiter.retry_after_s("ann", "10.0.0.1"), 0);
    limiter.failed("ann", "10.0.0.1");
  }
  const long wait = limiter.retry_after_s("ann", "10.0.0.2");  // the user is limited anywhere
  EXPECT_GT(wait, 0);
  EXPECT_LE(wait, 60);
  EXPECT_EQ(limiter.retry_after_s("bob", "10.0.0.9"), 0);
  limiter.failed("bob", "10.0.0.1");
  limiter.failed("carl", "10.0.0.1");
  EXPECT_GT(limiter.retry_after_s("dora", "10.0.0.1"), 0);  // 5 failures from this address
  EXPECT_EQ(limiter.retry_after_s("dora", "10.0.0.3"), 0);
}

TEST(Auth, LogFieldsAreEscaped) {
  EXPECT_EQ(log_escape("eve\nFORGED line\r\x01\"q\\"), "eve\\nFORGED line\\r\\x01\\\"q\\\\");
  EXPECT_EQ(log_escape(std::string(300, 'a')).size(), 203u);
}

}  // namespace kiort
