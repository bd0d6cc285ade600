#include "auth/accounts.h"

#include <algorithm>
#include <chrono>
#include <mutex>
#include <set>

#include "core/crypto.h"

namespace kenes::auth {

using core::ErrorCode;
using core::Fail;

namespace {

constexpr const char* kUserColumns =
    "id, username, display_name, agency, roles, disabled, language, created_at, updated_at";

// "admin officer" -> roles (the stored form: role names separated by spaces).
std::vector<Role> SplitRoles(std::string_view text) {
  std::vector<Role> roles;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find(' ', start);
    if (end == std::string_view::npos) end = text.size();
    if (auto r = ParseRole(text.substr(start, end - start))) roles.push_back(*r);
    start = end + 1;
  }
  return roles;
}

User UserFromRow(const soci::row& r) {
  User u;
  u.id = store::GetInt(r, 0);
  u.username = store::GetText(r, 1);
  u.display_name = store::GetText(r, 2);
  u.agency = store::GetText(r, 3);
  u.roles = SplitRoles(store::GetText(r, 4));
  u.disabled = store::GetInt(r, 5) != 0;
  u.language = store::GetText(r, 6);
  u.created_at = store::GetText(r, 7);
  u.updated_at = store::GetText(r, 8);
  return u;
}

core::Error Denied(Decision d, const std::string& what) {
  return DeniedError(d, "your roles do not allow you to " + what, "no such user");
}

bool ValidDisplayName(const std::string& s) {
  return s.size() <= 200 && std::none_of(s.begin(), s.end(), [](char c) {
           return static_cast<unsigned char>(c) < 0x20;
         });
}

std::string SessionHash(const std::string& token) { return core::Sha256Hex(token); }

}  // namespace

core::Status CheckUsername(const std::string& u) {
  const bool ok =
      u.size() >= 3 && u.size() <= 64 && std::isalnum(static_cast<unsigned char>(u[0])) &&
      std::all_of(u.begin(), u.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
      });
  if (!ok) {
    return Fail(ErrorCode::kUnprocessable,
                "username must be 3-64 characters of a-z, 0-9, '.', '_' or '-', starting with a "
                "letter or digit",
                "invalid-username");
  }
  return {};
}

core::Result<std::vector<Role>> ParseRoles(const std::vector<std::string>& names) {
  if (names.empty())
    return Fail(ErrorCode::kUnprocessable, "a user needs at least one role", "invalid-role");
  std::set<Role> seen;
  for (const auto& n : names) {
    auto r = ParseRole(n);
    if (!r) {
      return Fail(
          ErrorCode::kUnprocessable,
          "unknown role '" + n + "' (roles: admin, supervisor, officer, analyst, auditor, viewer)",
          "invalid-role");
    }
    seen.insert(*r);
  }
  return std::vector<Role>(seen.begin(), seen.end());
}

std::string JoinRoles(const std::vector<Role>& roles) {
  std::string out;
  for (Role r : roles) {
    if (!out.empty()) out += ' ';
    out += RoleName(r);
  }
  return out;
}

Accounts::Accounts(store::Database& db, core::AuthConfig config, const core::Clock& clock)
    : db_(db),
      config_(std::move(config)),
      cost_(ParsePasswordCost(config_.password_cost)),
      clock_(clock) {}

std::vector<store::Migration> Accounts::Migrations() {
  return {{200,
           "users_sessions",
           {"CREATE TABLE users ("
            " id {{id}},"
            " username TEXT NOT NULL UNIQUE,"
            " display_name TEXT NOT NULL,"
            " agency TEXT NOT NULL,"
            " roles TEXT NOT NULL,"
            " password_hash TEXT NOT NULL,"
            " disabled INTEGER NOT NULL DEFAULT 0,"
            " language TEXT NOT NULL DEFAULT 'en',"
            " created_at TEXT NOT NULL,"
            " updated_at TEXT NOT NULL)",
            "CREATE INDEX users_agency ON users(agency)",
            "CREATE TABLE sessions ("
            " id {{id}},"
            " token_hash TEXT NOT NULL UNIQUE,"
            " user_id BIGINT NOT NULL REFERENCES users(id),"
            " kind TEXT NOT NULL CHECK (kind IN ('browser', 'bearer')),"
            " name TEXT NOT NULL DEFAULT '',"
            " csrf_token TEXT NOT NULL DEFAULT '',"
            " created_at TEXT NOT NULL,"
            " expires_at TEXT NOT NULL,"
            " last_seen_at TEXT NOT NULL,"
            " revoked_at TEXT)",
            "CREATE INDEX sessions_user ON sessions(user_id)",
            "CREATE TABLE login_failures ("
            " throttle_key TEXT PRIMARY KEY,"
            " failures INTEGER NOT NULL,"
            " window_start TEXT NOT NULL)"}}};
}

core::Result<User> Accounts::LoadUser(store::Conn& c, long long id) {
  soci::rowset<soci::row> rows =
      (c.sql().prepare << "SELECT " << kUserColumns << " FROM users WHERE id = :id", soci::use(id));
  for (const auto& r : rows) return UserFromRow(r);
  return Fail(ErrorCode::kNotFound, "no such user");
}

core::Result<User> Accounts::CreateUser(const Principal& who, const NewUser& nu,
                                        const std::string& request_id) {
  if (auto s = CheckUsername(nu.username); !s) return tl::unexpected(s.error());
  if (!FindAgency(nu.agency)) {
    return Fail(ErrorCode::kUnprocessable,
                "unknown agency '" + nu.agency + "' (agencies: kz-mlsp, uk-fwa, kz-mfa, uk-fcdo)",
                "invalid-agency");
  }
  const Decision d = Authorize(who, Action::kUserCreate, RecordRef{nu.agency, std::nullopt});
  if (d == Decision::kNotFound) {
    return Fail(ErrorCode::kPermissionDenied,
                "admins may create accounts only in their own agency");
  }
  if (d != Decision::kAllow) return tl::unexpected(Denied(d, "create accounts"));
  auto roles = ParseRoles(nu.roles);
  if (!roles) return tl::unexpected(roles.error());
  if (!ValidDisplayName(nu.display_name)) {
    return Fail(ErrorCode::kUnprocessable,
                "display name must be at most 200 characters without control characters");
  }
  if (auto s = CheckPasswordRules(nu.password, nu.username); !s) return tl::unexpected(s.error());
  const std::string hash = HashPassword(nu.password, cost_);
  const std::string display = nu.display_name.empty() ? nu.username : nu.display_name;
  const std::string role_text = JoinRoles(*roles);
  return db_.Write([&](store::Conn& c) -> core::Result<User> {
    int taken = 0;
    c.sql() << "SELECT COUNT(*) FROM users WHERE username = :u", soci::use(nu.username),
        soci::into(taken);
    if (taken > 0)
      return Fail(ErrorCode::kConflict, "username '" + nu.username + "' is taken",
                  "username-taken");
    const std::string now = core::FormatUtc(clock_.Now());
    long long id = 0;
    c.sql() << "INSERT INTO users (username, display_name, agency, roles, password_hash, disabled,"
               " language, created_at, updated_at) VALUES (:u, :d, :a, :r, :p, 0, 'en', :t, :t2)"
               " RETURNING id",
        soci::use(nu.username), soci::use(display), soci::use(nu.agency), soci::use(role_text),
        soci::use(hash), soci::use(now), soci::use(now), soci::into(id);
    audit::Append(
        c, who.ToActor(request_id),
        {"user.create", "user", std::to_string(id), {{"agency", nu.agency}, {"roles", role_text}}},
        clock_.Now());
    return LoadUser(c, id);
  });
}

core::Result<std::vector<User>> Accounts::ListUsers(const Principal& who) {
  const auto scope = WidestScope(who, Action::kUserList);
  if (!scope) return tl::unexpected(Denied(Decision::kForbidden, "list accounts"));
  return db_.Read([&](store::Conn& c) -> core::Result<std::vector<User>> {
    std::vector<User> out;
    std::string agency = who.agency;
    const std::string where = *scope == Scope::kAnyAgency ? "" : " WHERE agency = :a";
    soci::details::prepare_temp_type q =
        (c.sql().prepare << "SELECT " << kUserColumns << " FROM users" << where
                         << " ORDER BY username");
    if (*scope != Scope::kAnyAgency) q, soci::use(agency, "a");
    soci::rowset<soci::row> rows(q);
    for (const auto& r : rows) out.push_back(UserFromRow(r));
    return out;
  });
}

core::Result<User> Accounts::GetUser(const Principal& who, long long id) {
  return db_.Read([&](store::Conn& c) -> core::Result<User> {
    auto u = LoadUser(c, id);
    if (!u) return u;
    const Decision d = Authorize(who, Action::kUserRead, RecordRef{u->agency, u->id});
    if (d != Decision::kAllow && !(who.user_id == id && !who.system)) {
      return tl::unexpected(Denied(d, "read accounts"));
    }
    return u;
  });
}

core::Result<User> Accounts::GetUserByName(const Principal& who, const std::string& username) {
  long long id = 0;
  db_.Read([&](store::Conn& c) {
    c.sql() << "SELECT id FROM users WHERE username = :u", soci::use(username), soci::into(id);
  });
  if (id == 0) return Fail(ErrorCode::kNotFound, "no user named '" + username + "'");
  return GetUser(who, id);
}

core::Result<User> Accounts::UpdateUser(const Principal& who, long long id, const UserUpdate& up,
                                        const std::string& request_id) {
  std::optional<std::vector<Role>> roles;
  if (up.roles) {
    auto r = ParseRoles(*up.roles);
    if (!r) return tl::unexpected(r.error());
    roles = *r;
  }
  if (up.display_name && (up.display_name->empty() || !ValidDisplayName(*up.display_name))) {
    return Fail(ErrorCode::kUnprocessable,
                "display name must be 1-200 characters without control characters");
  }
  if (up.language && *up.language != "en" && *up.language != "kk" && *up.language != "ru") {
    return Fail(ErrorCode::kUnprocessable, "language must be en, kk or ru");
  }
  auto result = db_.Write([&](store::Conn& c) -> core::Result<User> {
    auto u = LoadUser(c, id);
    if (!u) return u;
    // Anyone may change their own language; everything else is an admin's job.
    const bool only_language = !up.display_name && !up.roles && !up.disabled;
    const bool self = !who.system && who.user_id == id;
    if (!(only_language && self)) {
      const Decision d = Authorize(who, Action::kUserUpdate, RecordRef{u->agency, u->id});
      if (d != Decision::kAllow) return tl::unexpected(Denied(d, "change accounts"));
    }
    if (self && up.disabled.value_or(false)) {
      return Fail(ErrorCode::kUnprocessable, "you cannot disable your own account");
    }
    if (self && roles && std::find(roles->begin(), roles->end(), Role::kAdmin) == roles->end() &&
        who.HasRole(Role::kAdmin)) {
      return Fail(ErrorCode::kUnprocessable, "you cannot remove your own admin role");
    }
    const std::string now = core::FormatUtc(clock_.Now());
    nlohmann::json changed = nlohmann::json::object();
    if (up.display_name) {
      c.sql() << "UPDATE users SET display_name = :d WHERE id = :id", soci::use(*up.display_name),
          soci::use(id);
      changed["display_name"] = true;
    }
    if (roles) {
      const std::string text = JoinRoles(*roles);
      c.sql() << "UPDATE users SET roles = :r WHERE id = :id", soci::use(text), soci::use(id);
      changed["roles"] = text;
    }
    if (up.language) {
      c.sql() << "UPDATE users SET language = :l WHERE id = :id", soci::use(*up.language),
          soci::use(id);
      changed["language"] = *up.language;
    }
    if (up.disabled) {
      const int flag = *up.disabled ? 1 : 0;
      c.sql() << "UPDATE users SET disabled = :f WHERE id = :id", soci::use(flag), soci::use(id);
      if (*up.disabled) {
        c.sql() << "UPDATE sessions SET revoked_at = :t WHERE user_id = :id AND revoked_at IS NULL",
            soci::use(now), soci::use(id);
      }
      changed["disabled"] = *up.disabled;
    }
    c.sql() << "UPDATE users SET updated_at = :t WHERE id = :id", soci::use(now), soci::use(id);
    audit::Append(c, who.ToActor(request_id),
                  {up.disabled && *up.disabled ? "user.disable" : "user.update", "user",
                   std::to_string(id), changed},
                  clock_.Now());
    return LoadUser(c, id);
  });
  ForgetSessions();  // whatever changed may end sessions
  return result;
}

core::Status Accounts::SetPassword(const Principal& who, long long id, const std::string& password,
                                   const std::string& request_id) {
  auto u = db_.Read([&](store::Conn& c) { return LoadUser(c, id); });
  if (!u) return tl::unexpected(u.error());
  const Decision d = Authorize(who, Action::kUserSetPassword, RecordRef{u->agency, u->id});
  if (d != Decision::kAllow) return tl::unexpected(Denied(d, "set passwords"));
  if (auto s = CheckPasswordRules(password, u->username); !s) return s;
  const std::string hash = HashPassword(password, cost_);
  auto result = db_.Write([&](store::Conn& c) -> core::Status {
    const std::string now = core::FormatUtc(clock_.Now());
    c.sql() << "UPDATE users SET password_hash = :h, updated_at = :t WHERE id = :id",
        soci::use(hash), soci::use(now), soci::use(id);
    c.sql() << "UPDATE sessions SET revoked_at = :t WHERE user_id = :id AND revoked_at IS NULL",
        soci::use(now), soci::use(id);
    audit::Append(c, who.ToActor(request_id), {"user.set_password", "user", std::to_string(id), {}},
                  clock_.Now());
    return {};
  });
  ForgetSessions();  // whatever changed may end sessions
  return result;
}

core::Status Accounts::ChangeOwnPassword(const Principal& who, const std::string& current,
                                         const std::string& replacement,
                                         const std::string& request_id) {
  std::string stored;
  db_.Read([&](store::Conn& c) {
    c.sql() << "SELECT password_hash FROM users WHERE id = :id", soci::use(who.user_id),
        soci::into(stored);
  });
  if (stored.empty() || !VerifyPassword(stored, current)) {
    return Fail(ErrorCode::kUnprocessable, "the current password is wrong", "wrong-password");
  }
  if (auto s = CheckPasswordRules(replacement, who.username); !s) return s;
  const std::string hash = HashPassword(replacement, cost_);
  auto result = db_.Write([&](store::Conn& c) -> core::Status {
    const std::string now = core::FormatUtc(clock_.Now());
    c.sql() << "UPDATE users SET password_hash = :h, updated_at = :t WHERE id = :id",
        soci::use(hash), soci::use(now), soci::use(who.user_id);
    // Other sessions end; the one in use stays.
    c.sql() << "UPDATE sessions SET revoked_at = :t WHERE user_id = :id AND id <> :sid"
               " AND revoked_at IS NULL",
        soci::use(now), soci::use(who.user_id), soci::use(who.session_id);
    audit::Append(c, who.ToActor(request_id),
                  {"user.change_password", "user", std::to_string(who.user_id), {}}, clock_.Now());
    return {};
  });
  ForgetSessions();  // whatever changed may end sessions
  return result;
}

core::Status Accounts::CheckThrottle(store::Conn& c, const std::string& key, int max_failures,
                                     core::TimePoint now) {
  int failures = 0;
  std::string window_start;
  c.sql() << "SELECT failures, window_start FROM login_failures WHERE throttle_key = :k",
      soci::use(key), soci::into(failures), soci::into(window_start);
  if (!c.sql().got_data() || failures < max_failures) return {};
  const auto start = core::ParseUtc(window_start).value_or(now);
  const auto until = start + std::chrono::minutes(config_.failure_window_minutes);
  if (until <= now) return {};
  const auto wait = std::chrono::duration_cast<std::chrono::seconds>(until - now).count() + 1;
  core::Error e{ErrorCode::kTooManyRequests, "too many failed sign-ins; try again later",
                "login-throttled", static_cast<int>(wait)};
  return tl::unexpected(e);
}

void Accounts::RecordFailure(store::Conn& c, const std::string& key, core::TimePoint now) {
  const std::string now_text = core::FormatUtc(now);
  const std::string window_floor =
      core::FormatUtc(now - std::chrono::minutes(config_.failure_window_minutes));
  // A window that has run out starts again at 1.
  c.sql() << "INSERT INTO login_failures (throttle_key, failures, window_start) VALUES (:k, 1, :t)"
             " ON CONFLICT (throttle_key) DO UPDATE SET"
             " failures = CASE WHEN login_failures.window_start < :floor THEN 1"
             " ELSE login_failures.failures + 1 END,"
             " window_start = CASE WHEN login_failures.window_start < :floor2 THEN :t2"
             " ELSE login_failures.window_start END",
      soci::use(key), soci::use(now_text), soci::use(window_floor), soci::use(window_floor),
      soci::use(now_text);
}

core::Result<LoginResult> Accounts::Login(const std::string& username, const std::string& password,
                                          const std::string& remote_address,
                                          const std::string& request_id) {
  const auto now = clock_.Now();
  const std::string account_key = "account:" + username;
  const std::string address_key = "address:" + remote_address;
  auto throttled = db_.Read([&](store::Conn& c) -> core::Status {
    if (auto s = CheckThrottle(c, address_key, config_.max_failures_per_address, now); !s) return s;
    return CheckThrottle(c, account_key, config_.max_failures_per_account, now);
  });
  if (!throttled) return tl::unexpected(throttled.error());

  long long id = 0;
  std::string hash;
  std::string agency;
  int disabled = 0;
  db_.Read([&](store::Conn& c) {
    c.sql() << "SELECT id, password_hash, disabled, agency FROM users WHERE username = :u",
        soci::use(username), soci::into(id), soci::into(hash), soci::into(disabled),
        soci::into(agency);
  });
  bool ok = false;
  if (id == 0) {
    VerifyDummy(password, cost_);
  } else {
    ok = VerifyPassword(hash, password) && disabled == 0;
  }
  if (!ok) {
    db_.Write([&](store::Conn& c) -> core::Status {
      RecordFailure(c, account_key, now);
      RecordFailure(c, address_key, now);
      // The attempted name is not recorded when no such account exists: it may be anything.
      // Filed under the account's agency, so that its auditors see attacks on it.
      audit::Append(c, audit::Actor{std::nullopt, "anonymous", agency, request_id},
                    {"session.login_failed",
                     "user",
                     id == 0 ? "" : std::to_string(id),
                     {{"reason", id == 0    ? "unknown-user"
                                 : disabled ? "disabled"
                                            : "wrong-password"}}},
                    now);
      return {};
    });
    return Fail(ErrorCode::kUnauthenticated, "wrong username or password", "invalid-credentials");
  }
  LoginResult result;
  result.session_token = core::RandomToken(32);
  result.csrf_token = core::RandomToken(32);
  const auto expires = now + std::chrono::hours(config_.session_hours);
  result.expires_at = core::FormatUtc(expires);
  auto session = db_.Write([&](store::Conn& c) -> core::Result<long long> {
    c.sql() << "DELETE FROM login_failures WHERE throttle_key = :k", soci::use(account_key);
    const std::string now_text = core::FormatUtc(now);
    const std::string token_hash = SessionHash(result.session_token);
    long long sid = 0;
    c.sql()
        << "INSERT INTO sessions (token_hash, user_id, kind, csrf_token, created_at, expires_at,"
           " last_seen_at) VALUES (:h, :u, 'browser', :c, :t, :e, :t2) RETURNING id",
        soci::use(token_hash), soci::use(id), soci::use(result.csrf_token), soci::use(now_text),
        soci::use(result.expires_at), soci::use(now_text), soci::into(sid);
    audit::Append(c, audit::Actor{id, username, agency, request_id},
                  {"session.create", "session", std::to_string(sid), {}}, now);
    return sid;
  });
  if (!session) return tl::unexpected(session.error());
  auto p = Authenticate(result.session_token, true);
  if (!p) return Fail(ErrorCode::kInternal, "session vanished after login");
  result.principal = *p;
  return result;
}

core::Status Accounts::Logout(const Principal& who, const std::string& request_id) {
  auto result = db_.Write([&](store::Conn& c) -> core::Status {
    const std::string now = core::FormatUtc(clock_.Now());
    c.sql() << "UPDATE sessions SET revoked_at = :t WHERE id = :id AND revoked_at IS NULL",
        soci::use(now), soci::use(who.session_id);
    audit::Append(c, who.ToActor(request_id),
                  {"session.delete", "session", std::to_string(who.session_id), {}}, clock_.Now());
    return {};
  });
  ForgetSessions();  // whatever changed may end sessions
  return result;
}

namespace {

// The session lookup every authenticated request makes: prepared once per pooled connection.
struct SessionLookup {
  std::string token_hash;
  Principal p;
  std::string kind, expires_at, last_seen, revoked, roles;
  soci::indicator revoked_ind = soci::i_null;
  int disabled = 1;
  soci::statement st;

  explicit SessionLookup(soci::session& sql)
      : st((sql.prepare
                << "SELECT s.id, s.kind, s.csrf_token, s.expires_at, s.last_seen_at,"
                   " s.revoked_at, u.id, u.username, u.display_name, u.agency, u.roles,"
                   " u.disabled, u.language FROM sessions s JOIN users u ON u.id = s.user_id"
                   " WHERE s.token_hash = :h",
            soci::use(token_hash), soci::into(p.session_id), soci::into(kind),
            soci::into(p.csrf_token), soci::into(expires_at), soci::into(last_seen),
            soci::into(revoked, revoked_ind), soci::into(p.user_id), soci::into(p.username),
            soci::into(p.display_name), soci::into(p.agency), soci::into(roles),
            soci::into(disabled), soci::into(p.language))) {}
};

}  // namespace

std::shared_ptr<Accounts::SessionRow> Accounts::LoadSession(const std::string& token_hash,
                                                            core::TimePoint now) {
  std::shared_ptr<SessionRow> row;
  db_.Read([&](store::Conn& c) {
    auto& q = c.Cached<SessionLookup>("auth.session_lookup", [](soci::session& sql) {
      return std::make_unique<SessionLookup>(sql);
    });
    q.token_hash = token_hash;
    if (!store::ExecuteOne(q.st)) return;
    row = std::make_shared<SessionRow>();
    row->principal = q.p;
    row->principal.roles = SplitRoles(q.roles);
    row->principal.browser_session = q.kind == "browser";
    row->principal.session_expires_at = q.expires_at;
    if (!row->principal.browser_session) row->principal.csrf_token.clear();
    const auto expires = core::ParseUtc(q.expires_at);
    const auto seen = core::ParseUtc(q.last_seen);
    row->live = q.revoked_ind == soci::i_null && q.disabled == 0 && expires && seen;
    row->expires = expires.value_or(now);
    row->last_seen = seen.value_or(now);
    row->fetched = now;
  });
  return row;
}

void Accounts::ForgetSessions() {
  std::unique_lock lock(cache_mu_);
  session_cache_.clear();
}

std::optional<Principal> Accounts::Authenticate(const std::string& token, bool browser) {
  if (token.empty() || token.size() > 256) return std::nullopt;
  const auto now = clock_.Now();
  const std::string token_hash = SessionHash(token);
  const auto ttl = std::chrono::milliseconds(config_.session_cache_ms);
  std::shared_ptr<const SessionRow> row;
  if (config_.session_cache_ms > 0) {
    std::shared_lock lock(cache_mu_);
    const auto it = session_cache_.find(token_hash);
    if (it != session_cache_.end() && now - it->second->fetched < ttl) row = it->second;
  }
  if (!row) {
    auto loaded = LoadSession(token_hash, now);
    if (!loaded) return std::nullopt;
    // Bookkeeping, not an audited change: at most one write a minute per session. Only a
    // session that is still within its idle time is refreshed.
    const bool idle_ok =
        !loaded->principal.browser_session ||
        loaded->last_seen + std::chrono::minutes(config_.session_idle_minutes) > now;
    if (loaded->live && idle_ok && now - loaded->last_seen > std::chrono::minutes(1)) {
      const std::string now_text = core::FormatUtc(now);
      db_.Read([&](store::Conn& c) {
        c.sql() << "UPDATE sessions SET last_seen_at = :t WHERE id = :id", soci::use(now_text),
            soci::use(loaded->principal.session_id);
      });
      loaded->last_seen = now;  // idle_ok already judged the time before this request
    }
    row = loaded;
    if (config_.session_cache_ms > 0) {
      std::unique_lock lock(cache_mu_);
      if (session_cache_.size() > 100000) session_cache_.clear();  // bounded memory
      session_cache_[token_hash] = row;
    }
  }
  if (!row->live || row->principal.browser_session != browser || row->expires <= now) {
    return std::nullopt;
  }
  if (browser && row->last_seen + std::chrono::minutes(config_.session_idle_minutes) <= now) {
    return std::nullopt;
  }
  return row->principal;
}

core::Result<NewToken> Accounts::CreateToken(const Principal& who, std::optional<long long> user_id,
                                             const std::string& name, std::optional<int> days,
                                             const std::string& request_id) {
  const long long target = user_id.value_or(who.user_id);
  if (target == 0) return Fail(ErrorCode::kUnprocessable, "say which user the token is for");
  if (name.size() > 100)
    return Fail(ErrorCode::kUnprocessable, "token name must be at most 100 bytes");
  const int valid_days = days.value_or(config_.token_days);
  if (valid_days < 1 || valid_days > 3650) {
    return Fail(ErrorCode::kUnprocessable, "a token lasts 1 to 3650 days");
  }
  return db_.Write([&](store::Conn& c) -> core::Result<NewToken> {
    auto u = LoadUser(c, target);
    if (!u) return tl::unexpected(u.error());
    // Tokens are for oneself (kSelf); only the system may issue one for another user.
    const Decision d = Authorize(who, Action::kTokenCreate, RecordRef{u->agency, u->id});
    if (d != Decision::kAllow) return tl::unexpected(Denied(d, "create tokens"));
    if (u->disabled) return Fail(ErrorCode::kUnprocessable, "the account is disabled");
    NewToken out;
    out.token = "kenes_" + core::RandomToken(32);
    const auto now = clock_.Now();
    out.info.user_id = target;
    out.info.name = name;
    out.info.created_at = core::FormatUtc(now);
    out.info.expires_at = core::FormatUtc(now + std::chrono::hours(24) * valid_days);
    out.info.last_used_at = out.info.created_at;
    const std::string token_hash = SessionHash(out.token);
    c.sql() << "INSERT INTO sessions (token_hash, user_id, kind, name, created_at, expires_at,"
               " last_seen_at) VALUES (:h, :u, 'bearer', :n, :t, :e, :t2) RETURNING id",
        soci::use(token_hash), soci::use(target), soci::use(name), soci::use(out.info.created_at),
        soci::use(out.info.expires_at), soci::use(out.info.created_at), soci::into(out.info.id);
    audit::Append(c, who.ToActor(request_id),
                  {"token.create", "token", std::to_string(out.info.id), {{"user_id", target}}},
                  now);
    return out;
  });
}

core::Result<std::vector<TokenInfo>> Accounts::ListTokens(const Principal& who,
                                                          std::optional<long long> user_id) {
  const long long target = user_id.value_or(who.user_id);
  return db_.Read([&](store::Conn& c) -> core::Result<std::vector<TokenInfo>> {
    auto u = LoadUser(c, target);
    if (!u) return tl::unexpected(u.error());
    const Decision d = Authorize(who, Action::kTokenList, RecordRef{u->agency, u->id});
    if (d != Decision::kAllow) return tl::unexpected(Denied(d, "list tokens"));
    const std::string now = core::FormatUtc(clock_.Now());
    std::vector<TokenInfo> out;
    soci::rowset<soci::row> rows =
        (c.sql().prepare
             << "SELECT id, user_id, name, created_at, expires_at, last_seen_at FROM sessions"
                " WHERE user_id = :u AND kind = 'bearer' AND revoked_at IS NULL"
                " AND expires_at > :t ORDER BY id",
         soci::use(target), soci::use(now));
    for (const auto& r : rows) {
      out.push_back({store::GetInt(r, 0), store::GetInt(r, 1), store::GetText(r, 2),
                     store::GetText(r, 3), store::GetText(r, 4), store::GetText(r, 5)});
    }
    return out;
  });
}

core::Status Accounts::RevokeToken(const Principal& who, long long token_id,
                                   const std::string& request_id) {
  auto result = db_.Write([&](store::Conn& c) -> core::Status {
    long long owner = 0;
    c.sql()
        << "SELECT user_id FROM sessions WHERE id = :id AND kind = 'bearer' AND revoked_at IS NULL",
        soci::use(token_id), soci::into(owner);
    if (owner == 0) return Fail(ErrorCode::kNotFound, "no such token");
    auto u = LoadUser(c, owner);
    if (!u) return tl::unexpected(u.error());
    const Decision d = Authorize(who, Action::kTokenRevoke, RecordRef{u->agency, u->id});
    if (d == Decision::kNotFound) return Fail(ErrorCode::kNotFound, "no such token");
    if (d != Decision::kAllow) return tl::unexpected(Denied(d, "revoke tokens"));
    const std::string now = core::FormatUtc(clock_.Now());
    c.sql() << "UPDATE sessions SET revoked_at = :t WHERE id = :id", soci::use(now),
        soci::use(token_id);
    audit::Append(c, who.ToActor(request_id),
                  {"token.revoke", "token", std::to_string(token_id), {}}, clock_.Now());
    return {};
  });
  ForgetSessions();  // whatever changed may end sessions
  return result;
}

}  // namespace kenes::auth
