// Accounts, sessions and bearer tokens: the `auth` module's service. Users belong to one agency
// and hold roles; passwords are argon2id hashes; a browser session is a random token in an
// HttpOnly cookie plus a CSRF token; a machine client holds a bearer token. Only SHA-256 hashes
// of session and bearer tokens are stored. Failed logins are throttled per account and per
// address. Every change appends an audit event in the same transaction.
// Thread-safe: stateless over a thread-safe store::Database.
#pragma once

#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "auth/passwords.h"
#include "auth/policy.h"
#include "auth/principal.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/error.h"
#include "store/database.h"

namespace kenes::auth {

struct User {
  long long id = 0;
  std::string username;
  std::string display_name;
  std::string agency;
  std::vector<Role> roles;
  bool disabled = false;
  std::string language = "en";
  std::string created_at;
  std::string updated_at;
};

struct NewUser {
  std::string username;
  std::string display_name;
  std::string agency;
  std::vector<std::string> roles;
  std::string password;
};

struct UserUpdate {
  std::optional<std::string> display_name;
  std::optional<std::vector<std::string>> roles;
  std::optional<bool> disabled;
  std::optional<std::string> language;
};

struct LoginResult {
  std::string session_token;  // the cookie value; shown once, never stored
  std::string csrf_token;
  std::string expires_at;
  Principal principal;
};

struct TokenInfo {
  long long id = 0;
  long long user_id = 0;
  std::string name;
  std::string created_at;
  std::string expires_at;
  std::string last_used_at;
};

struct NewToken {
  TokenInfo info;
  std::string token;  // shown once, never stored
};

class Accounts {
 public:
  // REQUIRES: `db` and `clock` outlive this object.
  Accounts(store::Database& db, core::AuthConfig config, const core::Clock& clock);

  // Schema of this module (versions 200-299).
  static std::vector<store::Migration> Migrations();

  // --- Users. Errors: kNotFound (unknown or outside the caller's reach), kForbidden,
  // kUnprocessable (a rule: bad username, unknown agency or role, weak password), kConflict
  // (username taken).
  core::Result<User> CreateUser(const Principal& who, const NewUser& user,
                                const std::string& request_id);
  core::Result<std::vector<User>> ListUsers(const Principal& who);
  core::Result<User> GetUser(const Principal& who, long long id);
  core::Result<User> GetUserByName(const Principal& who, const std::string& username);
  core::Result<User> UpdateUser(const Principal& who, long long id, const UserUpdate& update,
                                const std::string& request_id);
  // Sets another user's password (admin) and ends that user's sessions.
  core::Status SetPassword(const Principal& who, long long id, const std::string& password,
                           const std::string& request_id);
  // Changes the caller's own password after checking the current one.
  core::Status ChangeOwnPassword(const Principal& who, const std::string& current,
                                 const std::string& replacement, const std::string& request_id);

  // --- Sessions. Login errors: kUnauthenticated "invalid-credentials" (the same for an unknown
  // user, a wrong password and a disabled account), kTooManyRequests "login-throttled" with
  // retry_after.
  core::Result<LoginResult> Login(const std::string& username, const std::string& password,
                                  const std::string& remote_address, const std::string& request_id);
  core::Status Logout(const Principal& who, const std::string& request_id);
  // The principal holding `token`, if it names a live session of that kind and an enabled user.
  // Answers from a short-lived in-memory cache (auth.session_cache_ms) when it can; every change
  // made through this object that could end a session empties the cache.
  std::optional<Principal> Authenticate(const std::string& token, bool browser);

  // --- Bearer tokens. `user_id` empty means the caller's own.
  core::Result<NewToken> CreateToken(const Principal& who, std::optional<long long> user_id,
                                     const std::string& name, std::optional<int> days,
                                     const std::string& request_id);
  core::Result<std::vector<TokenInfo>> ListTokens(const Principal& who,
                                                  std::optional<long long> user_id);
  core::Status RevokeToken(const Principal& who, long long token_id, const std::string& request_id);

 private:
  core::Result<User> LoadUser(store::Conn& c, long long id);
  core::Status CheckThrottle(store::Conn& c, const std::string& key, int max_failures,
                             core::TimePoint now);
  void RecordFailure(store::Conn& c, const std::string& key, core::TimePoint now);

  // What the database said about one session token, and when. Immutable once made.
  struct SessionRow {
    Principal principal;  // session_expires_at set; browser_session says the session's kind
    core::TimePoint expires;
    core::TimePoint last_seen;
    bool live = false;  // not revoked, user not disabled, times readable
    core::TimePoint fetched;
  };
  std::shared_ptr<SessionRow> LoadSession(const std::string& token_hash, core::TimePoint now);
  void ForgetSessions();

  store::Database& db_;
  core::AuthConfig config_;
  PasswordCost cost_;
  const core::Clock& clock_;
  std::shared_mutex cache_mu_;
  // By token hash. GUARDED_BY(cache_mu_)
  std::unordered_map<std::string, std::shared_ptr<const SessionRow>> session_cache_;
};

// Username rules: 3-64 of a-z 0-9 . _ - starting with a letter or digit.
core::Status CheckUsername(const std::string& username);
// "admin officer" <-> roles; errors name the unknown role.
core::Result<std::vector<Role>> ParseRoles(const std::vector<std::string>& names);
std::string JoinRoles(const std::vector<Role>& roles);

}  // namespace kenes::auth
