#include "api/api.h"

#include <soci/soci.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "api/json_body.h"
#include "api/problem.h"
#include "api/route_util.h"
#include "audit/audit_log.h"
#include "core/crypto.h"
#include "payroll/engine/payslip_file.h"

namespace kenes::api {

using nlohmann::json;

namespace {

// Request ids need to be unique, not secret: a random per-process prefix and a counter, which
// costs nothing per request (no system call for randomness).
std::string NewRequestId() {
  static const std::string prefix = core::RandomToken(6);
  static std::atomic<unsigned long long> counter{0};
  char buf[24];
  const int n = std::snprintf(buf, sizeof buf, "-%llx", counter.fetch_add(1) + 1);
  return prefix + std::string(buf, static_cast<size_t>(n));
}

bool ValidRequestId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.')
      return false;
  }
  return true;
}

std::string_view LoggedMethod(std::string_view m) {
  for (std::string_view known : {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}) {
    if (m == known) return known;
  }
  return "OTHER";
}

// The value of cookie `name` in a Cookie header, if present.
std::optional<std::string> CookieValue(std::string_view header, std::string_view name) {
  size_t pos = 0;
  while (pos < header.size()) {
    const size_t end = std::min(header.find(';', pos), header.size());
    std::string_view pair = header.substr(pos, end - pos);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    const size_t eq = pair.find('=');
    if (eq != std::string_view::npos && pair.substr(0, eq) == name)
      return std::string(pair.substr(eq + 1));
    pos = end + 1;
  }
  return std::nullopt;
}

json RolesJson(const std::vector<auth::Role>& roles) {
  json out = json::array();
  for (auto r : roles) out.push_back(std::string(auth::RoleName(r)));
  return out;
}

json UserJson(const auth::User& u) {
  return {{"id", u.id},
          {"username", u.username},
          {"display_name", u.display_name},
          {"agency", u.agency},
          {"roles", RolesJson(u.roles)},
          {"disabled", u.disabled},
          {"language", u.language},
          {"created_at", u.created_at},
          {"updated_at", u.updated_at}};
}

json AgencyJson(const auth::Agency& a) {
  json j = {{"code", a.code},       {"short_name", a.short_name}, {"name_en", a.name_en},
            {"name_ru", a.name_ru}, {"name_kk", a.name_kk},       {"country", a.country}};
  if (!a.former_name_en.empty()) j["former_name_en"] = a.former_name_en;
  return j;
}

// The parts of /me that depend only on the role set or the agency, serialised once: /me is the
// request every console page makes, so its body is spliced from these and the user's own fields.
class MeParts {
 public:
  MeParts() {
    // Permissions depend on the roles and on whether the agency is a foreign ministry.
    for (unsigned mask = 0; mask < permissions_.size(); ++mask) {
      auth::Principal p;
      p.agency = (mask & kMinistryBit) != 0 ? "kz-mfa" : "kz-mlsp";
      for (auth::Role r : auth::kAllRoles) {
        if (mask & Bit(r)) p.roles.push_back(r);
      }
      json list = json::array();
      for (auto a : auth::kAllActions) {
        if (auth::MayPerform(p, a)) list.push_back(std::string(auth::ActionName(a)));
      }
      permissions_[mask] = list.dump();
    }
    for (const auto& a : auth::Agencies()) agencies_[std::string(a.code)] = AgencyJson(a).dump();
  }
  const std::string& Permissions(const auth::Principal& p) const {
    unsigned mask = auth::IsForeignMinistry(p.agency) ? kMinistryBit : 0;
    for (auth::Role r : p.roles) mask |= Bit(r);
    return permissions_[mask];
  }
  const std::string& Agency(const std::string& code) const {
    static const std::string none = "null";
    const auto it = agencies_.find(code);
    return it == agencies_.end() ? none : it->second;
  }

 private:
  static unsigned Bit(auth::Role r) { return 1u << static_cast<unsigned>(r); }
  static constexpr unsigned kMinistryBit = 1u << std::size(auth::kAllRoles);
  std::array<std::string, 2u << std::size(auth::kAllRoles)> permissions_;
  std::map<std::string, std::string> agencies_;
};

// The /me document: the user, their agency, what they may do, and the session.
std::string MeBody(const auth::Principal& p) {
  static const MeParts parts;
  json session = {{"kind", p.browser_session ? "browser" : "bearer"},
                  {"expires_at", p.session_expires_at}};
  if (p.browser_session) session["csrf_token"] = p.csrf_token;
  const json user = {
      {"id", p.user_id},    {"username", p.username},      {"display_name", p.display_name},
      {"agency", p.agency}, {"roles", RolesJson(p.roles)}, {"language", p.language}};
  constexpr auto kReplace = json::error_handler_t::replace;
  std::string body = R"({"user":)";
  body += user.dump(-1, ' ', false, kReplace);
  body += R"(,"agency":)";
  body += parts.Agency(p.agency);
  body += R"(,"permissions":)";
  body += parts.Permissions(p);
  body += R"(,"session":)";
  body += session.dump(-1, ' ', false, kReplace);
  body += '}';
  return body;
}

HttpResponse MeResponse(int status, const auth::Principal& p) {
  HttpResponse r;
  r.status = status;
  r.body = MeBody(p);
  r.Set("Content-Type", "application/json");
  return r;
}

json TokenJson(const auth::TokenInfo& t) {
  return {{"id", t.id},
          {"user_id", t.user_id},
          {"name", t.name},
          {"created_at", t.created_at},
          {"expires_at", t.expires_at},
          {"last_used_at", t.last_used_at}};
}

json EventJson(const audit::Record& r) {
  json detail = json::parse(r.detail, nullptr, false);
  return {{"seq", r.seq},
          {"at", r.at},
          {"user_id", r.user_id ? json(*r.user_id) : json(nullptr)},
          {"username", r.username},
          {"agency", r.agency},
          {"action", r.action},
          {"object_type", r.object_type},
          {"object_id", r.object_id},
          {"request_id", r.request_id},
          {"detail", detail.is_discarded() ? json::object() : detail},
          {"hash", r.hash}};
}

}  // namespace

long long RequestContext::IdParam(const std::string& name) const {
  const auto it = params.find(name);
  if (it == params.end() || it->second.empty() || it->second.size() > 18 ||
      it->second.find_first_not_of("0123456789") != std::string::npos || it->second[0] == '0') {
    Throw(core::ErrorCode::kNotFound, "no such " + name.substr(0, name.find('_')));
  }
  return std::stoll(it->second);
}

std::optional<std::string> RequestContext::Query(const std::string& name) const {
  const auto q = request.target.find('?');
  if (q == std::string::npos) return std::nullopt;
  std::string_view query(request.target);
  query.remove_prefix(q + 1);
  size_t pos = 0;
  while (pos <= query.size()) {
    const size_t end = std::min(query.find('&', pos), query.size());
    const std::string_view pair = query.substr(pos, end - pos);
    const size_t eq = pair.find('=');
    const auto key = PercentDecode(pair.substr(0, eq), true);
    if (!key)
      Throw(core::ErrorCode::kInvalidArgument,
            "the query string is not valid percent-encoded UTF-8", "malformed-query");
    if (*key == name) {
      auto value = PercentDecode(eq == std::string_view::npos ? "" : pair.substr(eq + 1), true);
      if (!value)
        Throw(core::ErrorCode::kInvalidArgument,
              "the query string is not valid percent-encoded UTF-8", "malformed-query");
      return value;
    }
    pos = end + 1;
  }
  return std::nullopt;
}

std::optional<long long> RequestContext::QueryInt(const std::string& name, long long lo,
                                                  long long hi) const {
  const auto v = Query(name);
  if (!v) return std::nullopt;
  if (v->empty() || v->size() > 18 || v->find_first_not_of("0123456789") != std::string::npos ||
      std::stoll(*v) < lo || std::stoll(*v) > hi) {
    Throw(core::ErrorCode::kInvalidArgument,
          "'" + name + "' must be an integer from " + std::to_string(lo) + " to " +
              std::to_string(hi),
          "invalid-query");
  }
  return std::stoll(*v);
}

Api::Api(const core::Config& config, store::Database& db, auth::Accounts& accounts,
         const Services& services, const core::Clock& clock, AccessLog& access_log)
    : config_(config),
      db_(db),
      accounts_(accounts),
      payroll_(services.payroll),
      linkage_(services.linkage),
      registry_(services.registry),
      cases_(services.cases),
      dialogue_(services.dialogue),
      library_(services.library),
      search_(services.search),
      providers_(db, clock),
      organisations_(db, clock),
      clock_(clock),
      access_log_(access_log),
      static_files_(config.server.static_dir) {
  AddRoutes();
  AddPayrollRoutes();
  AddLinkageRoutes();
  AddRegistryRoutes();
  AddOrganisationRoutes();
  AddCaseRoutes();
  AddDialogueRoutes();
  AddLibraryRoutes();
  AddSearchRoutes();
}

void Api::Add(const std::string& method, const std::string& pattern, Handler handler,
              bool needs_auth) {
  router_.Add(method, pattern, Route{std::move(handler), needs_auth});
}

std::vector<std::pair<std::string, std::string>> Api::Routes() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& r : router_.routes()) out.emplace_back(r.method, r.pattern);
  return out;
}

std::string Api::SessionCookie(const std::string& token, int max_age_seconds) const {
  std::string c = std::string(kSessionCookie) + "=" + token +
                  "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" + std::to_string(max_age_seconds);
  if (config_.server.secure_cookies) c += "; Secure";
  return c;
}

void Api::Secure(HttpResponse& r, bool api) const {
  // Documents (the console) get a policy for pages: scripts, styles and connections only from
  // this origin, no inline script, never framed.
  static const HeaderList kDocument = {
      {"Content-Security-Policy",
       "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
       "form-action 'self'; frame-ancestors 'none'"},
      {"X-Content-Type-Options", "nosniff"},
      {"X-Frame-Options", "DENY"},
      {"Referrer-Policy", "no-referrer"},
      {"Cross-Origin-Opener-Policy", "same-origin"},
      {"Cross-Origin-Resource-Policy", "same-origin"},
      {"Permissions-Policy", "camera=(), microphone=(), geolocation=()"}};
  // API answers are data, never rendered: nothing may load from them and nothing may frame them
  // (the set OWASP recommends for REST responses).
  static const HeaderList kApi = {
      {"Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"},
      {"X-Content-Type-Options", "nosniff"},
      {"X-Frame-Options", "DENY"},
      {"Referrer-Policy", "no-referrer"},
      {"Cache-Control", "no-store"}};
  if (r.fixed_headers == nullptr) r.fixed_headers = api ? &kApi : &kDocument;  // a route's own
}

HttpResponse Api::RenderServerError(int status, const std::string& slug,
                                    const std::string& detail) {
  const std::string request_id = NewRequestId();
  HttpResponse r = Problem(status, slug, detail, request_id);
  if (status == 503) r.Set("Retry-After", "1");
  r.Set("X-Request-Id", request_id);
  r.Set("Connection", "close");
  Secure(r, true);
  access_log_.Write({request_id, "-", "-", status, 0, r.body.size(), 0, std::nullopt});
  return r;
}

HttpResponse Api::Handle(HttpRequest& request) {
  const auto started = std::chrono::steady_clock::now();
  const auto incoming = request.Header("x-request-id");
  const std::string request_id =
      incoming && ValidRequestId(*incoming) ? std::string(*incoming) : NewRequestId();
  std::string route_name = "-";
  HttpResponse response;
  std::optional<long long> user_id;
  {
    const std::string raw_path = request.target.substr(0, request.target.find('?'));
    const auto path = PercentDecode(raw_path, false);
    RequestContext ctx{request, path.value_or(""), request_id, {}, std::nullopt};
    try {
      if (raw_path.empty() || raw_path[0] != '/') {
        Throw(core::ErrorCode::kInvalidArgument, "the request target must be an absolute path",
              "malformed-request");
      }
      if (!path) {
        Throw(core::ErrorCode::kInvalidArgument, "the path is not valid percent-encoded UTF-8",
              "malformed-request");
      }
      response = Dispatch(ctx, route_name);
    } catch (const core::Failure& f) {
      response = ProblemFor(f.error(), request_id);
    } catch (const soci::soci_error&) {
      // Never echo database messages: they can quote the data.
      response = Problem(503, "database-unavailable", "the database could not complete the request",
                         request_id);
    } catch (const std::exception&) {
      response = Problem(500, "internal", "an unexpected error occurred; quote the request id",
                         request_id);
    }
    if (ctx.principal) user_id = ctx.principal->user_id;
  }
  response.Set("X-Request-Id", request_id);
  Secure(response, route_name != "static");
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  access_log_.Write({request_id, std::string(LoggedMethod(request.method)), route_name,
                     response.status, request.body.size(), response.body.size(), ms, user_id});
  return response;
}

HttpResponse Api::Dispatch(RequestContext& ctx, std::string& route_name) {
  const HttpRequest& req = ctx.request;
  const bool api_path = ctx.path.rfind("/api/", 0) == 0 || ctx.path == "/api" ||
                        ctx.path == "/healthz" || ctx.path == "/readyz";
  if (!api_path) {
    if (req.method != "GET" && req.method != "HEAD") {
      HttpResponse r =
          Problem(405, "method-not-allowed", "only GET and HEAD are served here", ctx.request_id);
      r.Set("Allow", "GET, HEAD");
      return r;
    }
    route_name = "static";
    if (auto r = static_files_.Serve(ctx.path)) return *r;
    if (ctx.path == "/") {
      return JsonResponse(200, {{"name", "kenes"},
                                {"api", "/api/v1"},
                                {"openapi", "/api/v1/openapi.json"},
                                {"console", "not built (web/dist is missing)"}});
    }
    return Problem(404, "not-found", "no such page", ctx.request_id);
  }
  const std::string method = req.method == "HEAD" ? "GET" : req.method;
  auto match = router_.Find(method, ctx.path);
  if (match.route == nullptr) {
    if (!match.allowed_methods.empty()) {
      std::string allow;
      for (const auto& m : match.allowed_methods) allow += (allow.empty() ? "" : ", ") + m;
      HttpResponse r =
          Problem(405, "method-not-allowed", req.method + " is not allowed here; allowed: " + allow,
                  ctx.request_id);
      r.Set("Allow", allow);
      return r;
    }
    return Problem(404, "not-found", "no such resource", ctx.request_id);
  }
  route_name = match.route->pattern;
  ctx.params = std::move(match.params);

  // Authentication: a bearer token, else the session cookie.
  bool bad_credentials = false;
  if (auto authz = req.Header("authorization")) {
    constexpr std::string_view kBearer = "Bearer ";
    if (authz->size() > kBearer.size() && authz->substr(0, kBearer.size()) == kBearer) {
      ctx.principal = accounts_.Authenticate(std::string(authz->substr(kBearer.size())), false);
    }
    bad_credentials = !ctx.principal;
  } else if (auto cookie = req.Header("cookie")) {
    if (auto token = CookieValue(*cookie, kSessionCookie)) {
      ctx.principal = accounts_.Authenticate(*token, true);
    }
  }
  if (match.route->handler.needs_auth) {
    if (!ctx.principal) {
      HttpResponse r = Problem(401, bad_credentials ? "invalid-token" : "unauthenticated",
                               bad_credentials ? "the bearer token is invalid, expired or revoked"
                                               : "sign in first (session cookie or bearer token)",
                               ctx.request_id);
      r.Set("WWW-Authenticate", "Bearer realm=\"kenes\"");
      return r;
    }
    // Browsers prove a state-changing request is theirs with the CSRF token from sign-in.
    const bool unsafe = method != "GET" && method != "OPTIONS";
    if (unsafe && ctx.principal->browser_session) {
      const auto csrf = req.Header("x-csrf-token");
      if (!csrf || !core::ConstantTimeEquals(*csrf, ctx.principal->csrf_token)) {
        return Problem(403, "csrf-failed", "missing or wrong X-CSRF-Token header", ctx.request_id);
      }
    }
  }
  return match.route->handler.handler(ctx);
}

void Api::AddRoutes() {
  using core::ErrorCode;

  Add(
      "GET", "/healthz",
      [](RequestContext&) {
        return JsonResponse(200, {{"status", "ok"}});
      },
      false);

  Add(
      "GET", "/readyz",
      [this](RequestContext& ctx) {
        if (draining_)
          return Problem(503, "draining", "the server is shutting down", ctx.request_id);
        if (!db_.Ping())
          return Problem(503, "database-unavailable", "the database is not reachable",
                         ctx.request_id);
        return JsonResponse(200, {{"status", "ready"}});
      },
      false);

  Add(
      "GET", "/api/v1/openapi.json",
      [](RequestContext&) {
        HttpResponse r;
        r.body = OpenApiDocument();
        r.Set("Content-Type", "application/json");
        return r;
      },
      false);

  // --- Sessions
  Add(
      "POST", "/api/v1/session",
      [this](RequestContext& ctx) {
        auto body = JsonBody::Parse(ctx.request);
        std::string username = body.RequiredString("username", 64);
        const std::string password = body.RequiredString("password", 1024);
        body.Finish();
        for (char& c : username) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        auto login =
            Ok(accounts_.Login(username, password, ctx.request.remote_address, ctx.request_id));
        ctx.principal = login.principal;
        HttpResponse r = MeResponse(201, login.principal);
        r.Add("Set-Cookie", SessionCookie(login.session_token, config_.auth.session_hours * 3600));
        return r;
      },
      false);

  Add("DELETE", "/api/v1/session", [this](RequestContext& ctx) {
    core::Unwrap(accounts_.Logout(ctx.who(), ctx.request_id));
    HttpResponse r = NoContent();
    if (ctx.who().browser_session) r.Add("Set-Cookie", SessionCookie("", 0));
    return r;
  });

  Add("GET", "/api/v1/me", [](RequestContext& ctx) { return MeResponse(200, ctx.who()); });

  Add("PATCH", "/api/v1/me", [this](RequestContext& ctx) {
    auto body = JsonBody::Parse(ctx.request);
    auth::UserUpdate up;
    up.language = body.OptionalString("language", 8);
    body.Finish();
    auto u = Ok(accounts_.UpdateUser(ctx.who(), ctx.who().user_id, up, ctx.request_id));
    return JsonResponse(200, UserJson(u));
  });

  Add("POST", "/api/v1/me/password", [this](RequestContext& ctx) {
    auto body = JsonBody::Parse(ctx.request);
    const std::string current = body.RequiredString("current_password", 1024);
    const std::string replacement = body.RequiredString("new_password", 4096);
    body.Finish();
    core::Unwrap(accounts_.ChangeOwnPassword(ctx.who(), current, replacement, ctx.request_id));
    return NoContent();
  });

  Add("GET", "/api/v1/agencies", [](RequestContext&) {
    json list = json::array();
    for (const auto& a : auth::Agencies()) list.push_back(AgencyJson(a));
    return JsonResponse(200, {{"agencies", list}});
  });

  // --- Users (administration)
  Add("GET", "/api/v1/users", [this](RequestContext& ctx) {
    json list = json::array();
    for (const auto& u : Ok(accounts_.ListUsers(ctx.who()))) list.push_back(UserJson(u));
    return JsonResponse(200, {{"users", list}});
  });

  Add("POST", "/api/v1/users", [this](RequestContext& ctx) {
    auto body = JsonBody::Parse(ctx.request);
    auth::NewUser nu;
    nu.username = body.RequiredString("username", 64);
    nu.display_name = body.OptionalString("display_name", 200).value_or("");
    nu.agency = body.OptionalString("agency", 32).value_or(ctx.who().agency);
    nu.roles = body.RequiredStringArray("roles", 8, 32);
    nu.password = body.RequiredString("password", 4096);
    body.Finish();
    auto u = Ok(accounts_.CreateUser(ctx.who(), nu, ctx.request_id));
    HttpResponse r = JsonResponse(201, UserJson(u));
    r.Set("Location", "/api/v1/users/" + std::to_string(u.id));
    return r;
  });

  Add("GET", "/api/v1/users/{user_id}", [this](RequestContext& ctx) {
    return JsonResponse(200, UserJson(Ok(accounts_.GetUser(ctx.who(), ctx.IdParam("user_id")))));
  });

  Add("PATCH", "/api/v1/users/{user_id}", [this](RequestContext& ctx) {
    const long long id = ctx.IdParam("user_id");
    auto body = JsonBody::Parse(ctx.request);
    auth::UserUpdate up;
    up.display_name = body.OptionalString("display_name", 200);
    up.roles = body.OptionalStringArray("roles", 8, 32);
    up.disabled = body.OptionalBool("disabled");
    up.language = body.OptionalString("language", 8);
    body.Finish();
    return JsonResponse(200, UserJson(Ok(accounts_.UpdateUser(ctx.who(), id, up, ctx.request_id))));
  });

  Add("PUT", "/api/v1/users/{user_id}/password", [this](RequestContext& ctx) {
    const long long id = ctx.IdParam("user_id");
    auto body = JsonBody::Parse(ctx.request);
    const std::string password = body.RequiredString("password", 4096);
    body.Finish();
    core::Unwrap(accounts_.SetPassword(ctx.who(), id, password, ctx.request_id));
    return NoContent();
  });

  // --- Bearer tokens
  Add("POST", "/api/v1/tokens", [this](RequestContext& ctx) {
    auto body = JsonBody::Parse(ctx.request);
    const std::string name = body.OptionalString("name", 100).value_or("");
    const auto days = body.OptionalInt("days", 1, 3650);
    body.Finish();
    auto t = Ok(accounts_.CreateToken(
        ctx.who(), std::nullopt, name,
        days ? std::optional<int>(static_cast<int>(*days)) : std::nullopt, ctx.request_id));
    json j = TokenJson(t.info);
    j["token"] = t.token;
    return JsonResponse(201, j);
  });

  Add("GET", "/api/v1/tokens", [this](RequestContext& ctx) {
    json list = json::array();
    for (const auto& t : Ok(accounts_.ListTokens(ctx.who(), std::nullopt)))
      list.push_back(TokenJson(t));
    return JsonResponse(200, {{"tokens", list}});
  });

  Add("DELETE", "/api/v1/tokens/{token_id}", [this](RequestContext& ctx) {
    core::Unwrap(accounts_.RevokeToken(ctx.who(), ctx.IdParam("token_id"), ctx.request_id));
    return NoContent();
  });

  // --- Audit
  Add("GET", "/api/v1/audit/events", [this](RequestContext& ctx) {
    const auto scope = auth::WidestScope(ctx.who(), auth::Action::kAuditRead);
    if (!scope) Throw(ErrorCode::kPermissionDenied, "only auditors may read the audit trail");
    audit::Filter f;
    f.username = ctx.Query("user");
    f.action = ctx.Query("action");
    f.object_type = ctx.Query("object_type");
    f.object_id = ctx.Query("object_id");
    for (auto [name, field] : {std::pair{"from", &f.from}, std::pair{"to", &f.to}}) {
      if (auto v = ctx.Query(name)) {
        if (!core::ParseUtc(*v)) {
          Throw(ErrorCode::kInvalidArgument,
                std::string("'") + name +
                    "' must be an ISO-8601 UTC time such as 2026-01-31 or 2026-01-31T12:00:00Z",
                "invalid-query");
        }
        *field = core::FormatUtc(*core::ParseUtc(*v));
      }
    }
    f.before_seq = ctx.QueryInt("before", 1, 1'000'000'000'000'000LL);
    f.limit = static_cast<int>(ctx.QueryInt("limit", 1, 500).value_or(100));
    if (*scope != auth::Scope::kAnyAgency) {
      const auto asked = ctx.Query("agency");
      if (asked && *asked != ctx.who().agency) {
        Throw(ErrorCode::kPermissionDenied, "auditors read their own agency's events only");
      }
      f.agency = ctx.who().agency;
    } else {
      f.agency = ctx.Query("agency");
    }
    const auto events = db_.Read([&](store::Conn& c) { return audit::List(c, f); });
    json list = json::array();
    for (const auto& e : events) list.push_back(EventJson(e));
    json out = {{"events", list}};
    out["next_before"] =
        static_cast<int>(events.size()) == f.limit ? json(events.back().seq) : json(nullptr);
    return JsonResponse(200, out);
  });

  Add("GET", "/api/v1/audit/verify", [this](RequestContext& ctx) {
    if (!auth::MayPerform(ctx.who(), auth::Action::kAuditVerify)) {
      Throw(ErrorCode::kPermissionDenied, "only auditors and admins may verify the audit chain");
    }
    const auto report = audit::Verify(db_);
    return JsonResponse(
        200, {{"ok", report.ok},
              {"events", report.events},
              {"first_bad_seq", report.first_bad_seq ? json(*report.first_bad_seq) : json(nullptr)},
              {"problem", report.problem},
              {"head_hash", report.head_hash}});
  });
}

namespace {

json CheckJson(const payroll::CheckRecord& c) {
  json by_rule = json::object();
  for (int k = 0; k < payroll::kRuleCount; ++k) {
    by_rule[std::string(payroll::RuleName(static_cast<payroll::RuleId>(k)))] =
        c.findings_by_rule[static_cast<size_t>(k)];
  }
  const std::string base = "/api/v1/payroll/checks/" + std::to_string(c.id);
  return {{"id", c.id},
          {"agency", c.agency},
          {"created_by", c.created_by},
          {"created_at", c.created_at},
          {"as_of", c.as_of},
          {"rules_version", c.rules_version},
          {"rows_read", c.rows_read},
          {"rows_rejected", c.rows_rejected},
          {"rows_with_findings", c.rows_with_findings},
          {"findings_by_rule", by_rule},
          {"total_shortfall_pence", c.total_shortfall},
          {"total_arrears_pence", c.total_arrears},
          {"state", c.state},
          {"progress", c.progress},
          {"message", c.message},
          {"bytes_total", c.bytes_total},
          {"findings", base + "/findings"},
          {"rejects", base + "/rejects"}};
}

// {"payslips": [{...}, ...]} -> the CSV the engine reads. Values are strings or numbers.
std::string PayslipsToCsv(const json& payslips) {
  std::vector<std::string> columns;
  for (const char* c : payroll::kRequiredColumns) columns.emplace_back(c);
  for (const char* c : payroll::kOptionalColumns) columns.emplace_back(c);
  std::string csv;
  for (size_t i = 0; i < columns.size(); ++i) csv += (i ? "," : "") + columns[i];
  csv += '\n';
  size_t index = 0;
  for (const auto& p : payslips) {
    if (!p.is_object()) {
      Throw(core::ErrorCode::kInvalidArgument,
            "payslips[" + std::to_string(index) + "] must be an object", "invalid-field");
    }
    for (const auto& [k, v] : p.items()) {
      if (std::find(columns.begin(), columns.end(), k) == columns.end()) {
        Throw(core::ErrorCode::kInvalidArgument,
              "payslips[" + std::to_string(index) + "]: unknown field '" + k + "'",
              "unknown-field");
      }
      if (!v.is_string() && !v.is_number() && !v.is_null() && !v.is_boolean()) {
        Throw(core::ErrorCode::kInvalidArgument,
              "payslips[" + std::to_string(index) + "]." + k + " must be a string or a number",
              "invalid-field");
      }
    }
    for (size_t i = 0; i < columns.size(); ++i) {
      if (i) csv += ',';
      const auto it = p.find(columns[i]);
      if (it == p.end() || it->is_null()) continue;
      std::string cell = it->is_string()    ? it->get<std::string>()
                         : it->is_boolean() ? (it->get<bool>() ? "yes" : "no")
                                            : it->dump();
      if (cell.find_first_of("\r\n") != std::string::npos) {
        Throw(core::ErrorCode::kInvalidArgument,
              "payslips[" + std::to_string(index) + "]." + columns[i] + " contains a line break",
              "invalid-field");
      }
      payroll::AppendCsvField(csv, cell);
    }
    csv += '\n';
    ++index;
  }
  return csv;
}

payroll::Date AsOf(const std::optional<std::string>& text, const core::Clock& clock) {
  if (!text) return *payroll::ParseIsoDate(core::FormatUtc(clock.Now()).substr(0, 10));
  auto d = payroll::ParseIsoDate(*text);
  if (!d)
    Throw(core::ErrorCode::kInvalidArgument, "as_of must be a date (YYYY-MM-DD)", "invalid-field");
  return *d;
}

}  // namespace

namespace {
json CaseJson(const cases::Case& k, bool with_timeline);  // with the case routes below
}  // namespace

void Api::AddPayrollRoutes() {
  Add("POST", "/api/v1/payroll/checks", [this](RequestContext& ctx) {
    const auto type = ctx.request.Header("content-type");
    std::string media = type ? std::string(type->substr(0, type->find(';'))) : "";
    for (char& c : media) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string csv;
    payroll::Date as_of;
    if (media == "text/csv") {
      as_of = AsOf(ctx.Query("as_of"), clock_);
      csv = ctx.request.body;
    } else {
      auto body = JsonBody::Parse(ctx.request);  // 415 for anything else
      as_of = AsOf(body.OptionalString("as_of", 10), clock_);
      const auto& all = body.Raw();
      const auto it = all.find("payslips");
      body.MarkRead("payslips");
      body.Finish();
      if (it == all.end() || !it->is_array()) {
        Throw(core::ErrorCode::kInvalidArgument,
              "field 'payslips' must be an array of payslip objects", "invalid-field");
      }
      csv = PayslipsToCsv(*it);
    }
    // "Prefer: respond-async" (RFC 7240): 202 at once, and the check runs in the background;
    // GET of the Location shows its progress, then its outcome.
    const auto prefer = ctx.request.Header("prefer");
    const bool async = prefer && prefer->find("respond-async") != std::string_view::npos;
    auto check = async ? Ok(payroll_.StartCheck(ctx.who(), std::move(csv), as_of, ctx.request_id))
                       : Ok(payroll_.Check(ctx.who(), csv, as_of, ctx.request_id));
    HttpResponse r = JsonResponse(async ? 202 : 201, CheckJson(check));
    r.Set("Location", "/api/v1/payroll/checks/" + std::to_string(check.id));
    if (async) r.Set("Preference-Applied", "respond-async");
    return r;
  });

  Add("GET", "/api/v1/payroll/checks", [this](RequestContext& ctx) {
    json list = json::array();
    for (const auto& c : Ok(payroll_.List(ctx.who()))) list.push_back(CheckJson(c));
    return JsonResponse(200, {{"checks", list}});
  });

  Add("GET", "/api/v1/payroll/checks/{check_id}", [this](RequestContext& ctx) {
    return JsonResponse(200, CheckJson(Ok(payroll_.Get(ctx.who(), ctx.IdParam("check_id")))));
  });

  auto paging = [](RequestContext& ctx) {
    return std::pair{ctx.QueryInt("after", 0, 1'000'000'000'000LL).value_or(0),
                     static_cast<int>(ctx.QueryInt("limit", 1, 1000).value_or(200))};
  };

  Add("GET", "/api/v1/payroll/checks/{check_id}/findings", [this, paging](RequestContext& ctx) {
    const long long id = ctx.IdParam("check_id");
    const auto [after, limit] = paging(ctx);
    const auto findings = Ok(payroll_.Findings(ctx.who(), id, after, limit, ctx.request_id));
    json list = json::array();
    for (const auto& f : findings) {
      list.push_back({{"seq", f.seq},
                      {"line", f.line},
                      {"worker_ref", f.worker_ref},
                      {"provider_ref", f.provider_ref},
                      {"period_start", f.period_start},
                      {"rule", f.rule},
                      {"severity", f.severity},
                      {"required_pence", f.required},
                      {"paid_pence", f.paid},
                      {"shortfall_pence", f.shortfall},
                      {"arrears_pence", f.arrears},
                      {"message", f.message},
                      {"message_ru", f.message_ru},
                      {"message_kk", f.message_kk}});
    }
    json out = {{"findings", list}};
    out["next_after"] =
        static_cast<int>(findings.size()) == limit ? json(findings.back().seq) : json(nullptr);
    return JsonResponse(200, out);
  });

  // A violation found by a payroll check opens a case (source payroll_finding) for the agency.
  Add("POST", "/api/v1/payroll/checks/{check_id}/findings/{finding_seq}/case",
      [this](RequestContext& ctx) {
        const long long id = ctx.IdParam("check_id"), seq = ctx.IdParam("finding_seq");
        const auto found = Ok(payroll_.Findings(ctx.who(), id, seq - 1, 1, ctx.request_id));
        if (found.empty() || found[0].seq != seq)
          Throw(core::ErrorCode::kNotFound, "no such finding");
        const auto& f = found[0];
        if (f.severity != "violation") {
          Throw(core::ErrorCode::kUnprocessable,
                "only violations open cases; this is a " + f.severity, "not-a-violation");
        }
        cases::NewCase n;
        n.source = "payroll_finding";
        n.what_happened = "Payroll check " + std::to_string(id) + ", line " +
                          std::to_string(f.line) + ", worker " + f.worker_ref +
                          ", pay period from " + f.period_start + ": " + f.message + " Shortfall " +
                          std::to_string(f.shortfall) + "p, arrears " + std::to_string(f.arrears) +
                          "p.";
        n.provider_name = f.provider_ref;
        if (const auto category = cases::CategoryForPayrollRule(f.rule); !category.empty()) {
          n.categories.emplace_back(category);
        }
        const auto k = Ok(cases_.Create(ctx.who(), n, ctx.request_id));
        HttpResponse r = JsonResponse(201, CaseJson(k, true));
        r.Set("Location", "/api/v1/cases/" + std::to_string(k.id));
        return r;
      });

  Add("GET", "/api/v1/payroll/checks/{check_id}/rejects", [this, paging](RequestContext& ctx) {
    const long long id = ctx.IdParam("check_id");
    const auto [after, limit] = paging(ctx);
    const auto rejects = Ok(payroll_.Rejects(ctx.who(), id, after, limit));
    json list = json::array();
    for (const auto& r : rejects) list.push_back({{"line", r.line}, {"reason", r.reason}});
    json out = {{"rejects", list}};
    out["next_after"] =
        static_cast<int>(rejects.size()) == limit ? json(rejects.back().line) : json(nullptr);
    return JsonResponse(200, out);
  });
}

namespace {

json ProjectJson(const linkage::LinkageProject& p) {
  json j = {{"id", p.id},
            {"name", p.name},
            {"schema", p.schema_name},
            {"clk_bits", p.clk_bits},
            {"threshold", p.threshold},
            {"party_a", p.party_a},
            {"party_b", p.party_b},
            {"created_by", p.created_by},
            {"created_at", p.created_at},
            {"status", p.status},
            {"progress", p.progress},
            {"records_a", p.records_a < 0 ? json(nullptr) : json(p.records_a)},
            {"records_b", p.records_b < 0 ? json(nullptr) : json(p.records_b)},
            {"candidates", p.candidates},
            {"pairs", p.pairs}};
  if (!p.message.empty()) j["message"] = p.message;
  if (!p.matched_at.empty()) j["matched_at"] = p.matched_at;
  return j;
}

}  // namespace

bool Api::IsBulkUpload(std::string_view method, std::string_view target) {
  // PUT /api/v1/linkage/projects/{id}/clks, POST /api/v1/cases/{id}/attachments
  constexpr std::string_view kPrefix = "/api/v1/linkage/projects/", kSuffix = "/clks";
  target = target.substr(0, target.find('?'));
  // A payroll file of a whole season.
  if (method == "POST" && target == "/api/v1/payroll/checks") return true;
  constexpr std::string_view kCases = "/api/v1/cases/", kAttachments = "/attachments";
  if (method == "POST" && target.starts_with(kCases) && target.ends_with(kAttachments) &&
      target.size() > kCases.size() + kAttachments.size() &&
      target.substr(kCases.size(), target.size() - kCases.size() - kAttachments.size())
              .find_first_not_of("0123456789") == std::string_view::npos) {
    return true;
  }
  // POST /api/v1/library/documents/{id}/attachments (library_routes.cc)
  constexpr std::string_view kLibrary = "/api/v1/library/documents/";
  if (method == "POST" && target.starts_with(kLibrary) && target.ends_with(kAttachments) &&
      target.size() > kLibrary.size() + kAttachments.size() &&
      target.substr(kLibrary.size(), target.size() - kLibrary.size() - kAttachments.size())
              .find_first_not_of("0123456789") == std::string_view::npos) {
    return true;
  }
  return method == "PUT" && target.starts_with(kPrefix) && target.ends_with(kSuffix) &&
         target.size() > kPrefix.size() + kSuffix.size() &&
         target.substr(kPrefix.size(), target.size() - kPrefix.size() - kSuffix.size())
                 .find_first_not_of("0123456789") == std::string_view::npos;
}

void Api::AddLinkageRoutes() {
  Add("POST", "/api/v1/linkage/projects", [this](RequestContext& ctx) {
    auto body = JsonBody::Parse(ctx.request);
    linkage::NewProject p;
    p.name = body.RequiredString("name", 200);
    p.partner = body.RequiredString("partner_agency", 32);
    const auto& raw = body.Raw();
    const auto schema = raw.find("schema");
    body.MarkRead("schema");
    if (schema == raw.end() || schema->is_null()) {
      p.schema = "kazakh-worker";
    } else if (schema->is_string()) {
      p.schema = schema->get<std::string>();
    } else if (schema->is_object()) {
      p.schema = schema->dump();
    } else {
      Throw(core::ErrorCode::kInvalidArgument,
            "field 'schema' must be \"kazakh-worker\" or a clkhash v3 schema object",
            "invalid-field");
    }
    const auto threshold = raw.find("threshold");
    body.MarkRead("threshold");
    if (threshold != raw.end() && !threshold->is_null()) {
      if (!threshold->is_number()) {
        Throw(core::ErrorCode::kInvalidArgument, "field 'threshold' must be a number",
              "invalid-field");
      }
      p.threshold = threshold->get<double>();
    }
    body.Finish();
    auto project = Ok(linkage_.Create(ctx.who(), p, ctx.request_id));
    HttpResponse r = JsonResponse(201, ProjectJson(project));
    r.Set("Location", "/api/v1/linkage/projects/" + std::to_string(project.id));
    return r;
  });

  Add("GET", "/api/v1/linkage/projects", [this](RequestContext& ctx) {
    json list = json::array();
    for (const auto& p : Ok(linkage_.List(ctx.who()))) list.push_back(ProjectJson(p));
    return JsonResponse(200, {{"projects", list}});
  });

  Add("GET", "/api/v1/linkage/projects/{project_id}", [this](RequestContext& ctx) {
    return JsonResponse(200, ProjectJson(Ok(linkage_.Get(ctx.who(), ctx.IdParam("project_id")))));
  });

  // The caller's party's CLKs in the anonlink format, with optional references of its own.
  Add("PUT", "/api/v1/linkage/projects/{project_id}/clks", [this](RequestContext& ctx) {
    const long long id = ctx.IdParam("project_id");
    auto body = JsonBody::Parse(ctx.request);
    const auto& raw = body.Raw();
    const auto clks = raw.find("clks");
    body.MarkRead("clks");
    if (clks == raw.end() || !clks->is_array() || clks->empty()) {
      Throw(core::ErrorCode::kInvalidArgument,
            "field 'clks' must be a non-empty array of base64 CLKs", "invalid-field");
    }
    const linkage::ClkSet set = Ok(linkage::ClksFromJson(*clks, "body"));
    std::vector<std::string> refs;
    if (auto r = body.OptionalStringArray("refs", clks->size(), 200)) refs = std::move(*r);
    body.MarkRead("kenes");  // metadata a CLK file may carry; the project's schema rules
    body.Finish();
    return JsonResponse(200,
                        ProjectJson(Ok(linkage_.Upload(ctx.who(), id, set, refs, ctx.request_id))));
  });

  Add("POST", "/api/v1/linkage/projects/{project_id}/match", [this](RequestContext& ctx) {
    const long long id = ctx.IdParam("project_id");
    HttpResponse r =
        JsonResponse(202, ProjectJson(Ok(linkage_.StartMatch(ctx.who(), id, ctx.request_id))));
    r.Set("Location", "/api/v1/linkage/projects/" + std::to_string(id));
    return r;
  });

  Add("GET", "/api/v1/linkage/projects/{project_id}/pairs", [this](RequestContext& ctx) {
    const long long id = ctx.IdParam("project_id");
    const long long after = ctx.QueryInt("after", 0, 1'000'000'000'000LL).value_or(0);
    const int limit = static_cast<int>(ctx.QueryInt("limit", 1, 1000).value_or(200));
    const auto pairs = Ok(linkage_.Pairs(ctx.who(), id, after, limit, ctx.request_id));
    json list = json::array();
    for (const auto& p : pairs) {
      json item = {{"seq", p.seq},
                   {"pair_ref", p.pair_ref},
                   {"similarity", p.similarity},
                   {"own_index", p.own_index}};
      if (!p.own_ref.empty()) item["own_ref"] = p.own_ref;
      list.push_back(std::move(item));
    }
    json out = {{"pairs", list}};
    out["next_after"] =
        static_cast<int>(pairs.size()) == limit ? json(pairs.back().seq) : json(nullptr);
    return JsonResponse(200, out);
  });
}

namespace {

json WorkerJson(const registry::Worker& w) {
  json j = {{"id", w.id},
            {"agency", w.agency},
            {"created_by", w.created_by},
            {"created_at", w.created_at},
            {"visa_route", w.visa_route},
            {"visa_start", w.visa_start},
            {"visa_end", w.visa_end},
            {"recruitment_agency", w.recruitment_agency},
            {"scheme_operator", w.scheme_operator}};
  for (std::size_t f = 0; f < registry::kPersonalFieldCount; ++f) {
    j[registry::kPersonalFields[f]] = w.personal[f] ? json(*w.personal[f]) : json(nullptr);
  }
  return j;
}

}  // namespace

void Api::AddRegistryRoutes() {
  Add("POST", "/api/v1/workers", [this](RequestContext& ctx) {
    auto body = JsonBody::Parse(ctx.request);
    registry::WorkerInput in;
    for (std::size_t f = 0; f < registry::kPersonalFieldCount; ++f) {
      auto v = body.OptionalString(registry::kPersonalFields[f], 200);
      if (v && !v->empty()) in.personal[f] = std::move(*v);
    }
    in.visa_route = body.OptionalString("visa_route", 40).value_or("");
    in.visa_start = body.OptionalString("visa_start", 10).value_or("");
    in.visa_end = body.OptionalString("visa_end", 10).value_or("");
    in.recruitment_agency = body.OptionalString("recruitment_agency", 200).value_or("");
    in.scheme_operator = body.OptionalString("scheme_operator", 200).value_or("");
    body.Finish();
    const auto w = Ok(registry_.Create(ctx.who(), in, ctx.request_id));
    HttpResponse r = JsonResponse(201, WorkerJson(w));
    r.Set("Location", "/api/v1/workers/" + std::to_string(w.id));
    return r;
  });

  // A merge patch: the fields sent replace the stored ones, null or "" clears one, the rest stay.
  Add("PATCH", "/api/v1/workers/{worker_id}", [this](RequestContext& ctx) {
    const long long id = ctx.IdParam("worker_id");
    auto body = JsonBody::Parse(ctx.request);
    const auto current = Ok(registry_.Get(ctx.who(), id, ctx.request_id));
    registry::WorkerInput in;
    for (std::size_t f = 0; f < registry::kPersonalFieldCount; ++f) {
      const std::string key = registry::kPersonalFields[f];
      in.personal[f] = current.personal[f];
      if (!body.Raw().contains(key)) continue;
      if (body.Raw()[key].is_null()) {
        body.MarkRead(key);
        in.personal[f].reset();
        continue;
      }
      auto v = body.OptionalString(key, 200);
      if (v && !v->empty()) {
        in.personal[f] = std::move(*v);
      } else {
        in.personal[f].reset();
      }
    }
    in.visa_route = body.OptionalString("visa_route", 40).value_or(current.visa_route);
    in.visa_start = body.OptionalString("visa_start", 10).value_or(current.visa_start);
    in.visa_end = body.OptionalString("visa_end", 10).value_or(current.visa_end);
    in.recruitment_agency =
        body.OptionalString("recruitment_agency", 200).value_or(current.recruitment_agency);
    in.scheme_operator =
        body.OptionalString("scheme_operator", 200).value_or(current.scheme_operator);
    body.Finish();
    return JsonResponse(200, WorkerJson(Ok(registry_.Update(ctx.who(), id, in, ctx.request_id))));
  });

  // ?iin= or ?passport= looks up exactly (blind index); otherwise the agency's workers, paged.
  Add("GET", "/api/v1/workers", [this](RequestContext& ctx) {
    std::vector<registry::Worker> found;
    std::optional<long long> next;
    if (const auto iin = ctx.Query("iin")) {
      found = Ok(registry_.FindByIin(ctx.who(), *iin, ctx.request_id));
    } else if (const auto passport = ctx.Query("passport")) {
      found = Ok(registry_.FindByPassport(ctx.who(), *passport, ctx.request_id));
    } else {
      const long long before = ctx.QueryInt("before", 0, 1'000'000'000'000LL).value_or(0);
      const int limit = static_cast<int>(ctx.QueryInt("limit", 1, 500).value_or(100));
      found = Ok(registry_.List(ctx.who(), before, limit, ctx.request_id));
      if (static_cast<int>(found.size()) == limit) next = found.back().id;
    }
    json items = json::array();
    for (const auto& w : found) items.push_back(WorkerJson(w));
    return JsonResponse(200,
                        {{"items", items}, {"next_before", next ? json(*next) : json(nullptr)}});
  });

  Add("POST", "/api/v1/providers/import", [this](RequestContext& ctx) {
    const auto type = ctx.request.Header("content-type");
    const std::string media = type ? std::string(type->substr(0, type->find(';'))) : "";
    if (media != "text/csv") {
      Throw(core::ErrorCode::kUnsupportedMedia, "send the register as text/csv",
            "unsupported-media-type");
    }
    const auto r = Ok(providers_.Import(ctx.who(), ctx.request.body, ctx.request_id));
    return JsonResponse(
        200, {{"rows", r.rows}, {"created", r.created}, {"statuses_added", r.statuses_added}});
  });

  auto provider_json = [](const registry::Provider& p) {
    json history = json::array();
    for (const auto& h : p.history) {
      history.push_back(
          {{"status", h.status},
           {"effective_from", h.effective_from},
           {"expires_on", h.expires_on.empty() ? json(nullptr) : json(h.expires_on)}});
    }
    return json{{"id", p.id},
                {"licence_number", p.licence_number},
                {"name", p.name},
                {"principal_authority", p.principal_authority},
                {"sectors", p.sectors},
                {"status", p.history.empty() ? json(nullptr) : json(p.history.back().status)},
                {"history", history}};
  };

  Add("GET", "/api/v1/providers", [this, provider_json](RequestContext& ctx) {
    json items = json::array();
    for (const auto& p : Ok(providers_.Search(ctx.who(), ctx.Query("q").value_or("")))) {
      items.push_back(provider_json(p));
    }
    return JsonResponse(200, {{"items", items}});
  });

  Add("GET", "/api/v1/providers/check", [this](RequestContext& ctx) {
    const auto licence = ctx.Query("licence").value_or("");
    const auto date = ctx.Query("date").value_or(core::FormatUtc(clock_.Now()).substr(0, 10));
    const auto c = Ok(providers_.Check(ctx.who(), licence, date));
    return JsonResponse(
        200, {{"licence", licence},
              {"date", date},
              {"licensed", c.licensed},
              {"status", c.status.empty() ? json(nullptr) : json(c.status)},
              {"since", c.since.empty() ? json(nullptr) : json(c.since)},
              {"expires_on", c.expires_on.empty() ? json(nullptr) : json(c.expires_on)}});
  });

  Add("GET", "/api/v1/providers/{provider_id}", [this, provider_json](RequestContext& ctx) {
    return JsonResponse(200,
                        provider_json(Ok(providers_.Get(ctx.who(), ctx.IdParam("provider_id")))));
  });

  Add("GET", "/api/v1/workers/{worker_id}", [this](RequestContext& ctx) {
    return JsonResponse(
        200, WorkerJson(Ok(registry_.Get(ctx.who(), ctx.IdParam("worker_id"), ctx.request_id))));
  });
}

namespace {

json CodesJson(const std::vector<cases::Code>& codes) {
  json list = json::array();
  for (const auto& c : codes) {
    list.push_back({{"code", c.code}, {"en", c.en}, {"ru", c.ru}, {"kk", c.kk}});
  }
  return list;
}

json CaseJson(const cases::Case& k, bool with_timeline) {
  json j = {
      {"id", k.id},
      {"agency", k.agency},
      {"reference", k.reference},
      {"source", k.source},
      {"status", k.status},
      {"language", k.language},
      {"created_at", k.created_at},
      {"due_at", k.due_at},
      {"overdue", k.overdue},
      {"indicators", k.indicators},
      {"categories", k.categories},
      {"risk", {{"score", k.risk.score}, {"level", k.risk.level}, {"escalate", k.risk.escalate}}},
      {"provider_name", k.provider_name},
      {"employer_name", k.employer_name},
      {"location", k.location},
      {"what_happened", k.what_happened},
      {"contact", k.contact},
      {"worker_name", k.worker_name},
      {"date_of_birth", k.date_of_birth},
      {"assigned_to", k.assigned_to ? json(*k.assigned_to) : json(nullptr)},
      {"closed_reason", k.closed_reason}};
  if (with_timeline) {
    json events = json::array();
    for (const auto& e : k.timeline) {
      events.push_back({{"at", e.at},
                        {"kind", e.kind},
                        {"actor", e.actor},
                        {"detail", json::parse(e.detail, nullptr, false)}});
    }
    j["timeline"] = events;
    json notes = json::array();
    for (const auto& n : k.notes) {
      notes.push_back({{"at", n.at}, {"author", n.author}, {"body", n.body}});
    }
    j["notes"] = notes;
    j["possible_duplicates"] = k.possible_duplicates;
    json files = json::array();
    for (const auto& a : k.attachments) {
      files.push_back({{"seq", a.seq},
                       {"name", a.name},
                       {"media_type", a.media_type},
                       {"size", a.size},
                       {"sha256", a.sha256},
                       {"at", a.at},
                       {"author", a.author}});
    }
    j["attachments"] = files;
    json subjects = json::array();
    for (const auto& x : k.subjects) {
      subjects.push_back({{"seq", x.seq},
                          {"kind", x.kind},
                          {"id", x.ref_id},
                          {"role", x.role},
                          {"name", x.kind == "worker" ? json(nullptr) : json(x.name)},
                          {"at", x.at},
                          {"author", x.author}});
    }
    j["subjects"] = subjects;
  }
  j["worker_id"] = k.worker_id ? json(*k.worker_id) : json(nullptr);
  return j;
}

json ReferralJson(const cases::Referral& r, const linkage::PairMatch* pair = nullptr) {
  json messages = json::array();
  for (const auto& m : r.messages) {
    messages.push_back(
        {{"from_agency", m.from_agency}, {"author", m.author}, {"at", m.at}, {"body", m.body}});
  }
  json shared = json::object();
  for (const auto& [field, value] : r.snapshot) {
    // Lists were snapshotted as JSON text; give them back as JSON.
    if (field == "indicators" || field == "categories") {
      shared[field] = json::parse(value, nullptr, false);
    } else {
      shared[field] = value;
    }
  }
  json j = {{"id", r.id},           {"from_agency", r.from_agency}, {"to_agency", r.to_agency},
            {"purpose", r.purpose}, {"legal_basis", r.legal_basis}, {"fields", r.fields},
            {"consent", r.consent}, {"status", r.status},           {"created_at", r.created_at},
            {"shared", shared},     {"messages", messages}};
  if (!r.override_reason.empty()) j["override_reason"] = r.override_reason;
  if (r.case_id) j["case_id"] = *r.case_id;
  if (!r.pair_ref.empty()) {
    json link = {{"pair_ref", r.pair_ref}};
    if (pair != nullptr) {
      link["project_id"] = pair->project_id;
      link["similarity"] = pair->view.similarity;
      link["own_index"] = pair->view.own_index;
      link["own_ref"] = pair->view.own_ref.empty() ? json(nullptr) : json(pair->view.own_ref);
    }
    j["linkage"] = link;
  }
  return j;
}

std::vector<std::string> StringList(const json& raw, const char* key) {
  std::vector<std::string> out;
  const auto it = raw.find(key);
  if (it == raw.end() || it->is_null()) return out;
  if (!it->is_array() || it->size() > 50) {
    Throw(core::ErrorCode::kInvalidArgument,
          std::string("field '") + key + "' must be a list of at most 50 codes", "invalid-field");
  }
  for (const auto& v : *it) {
    if (!v.is_string() || v.get_ref<const std::string&>().size() > 64) {
      Throw(core::ErrorCode::kInvalidArgument, std::string("field '") + key + "' must hold codes",
            "invalid-field");
    }
    out.push_back(v.get<std::string>());
  }
  return out;
}

}  // namespace

void Api::AddCaseRoutes() {
  Add(
      "GET", "/api/v1/cases/taxonomy",
      [](RequestContext&) {
        return JsonResponse(200, {{"indicators", CodesJson(cases::Indicators())},
                                  {"categories", CodesJson(cases::Categories())}});
      },
      false);

  // A worker's report, without an account.
  Add(
      "POST", "/api/v1/public/reports",
      [this](RequestContext& ctx) {
        auto body = JsonBody::Parse(ctx.request);
        cases::PublicReport r;
        r.language = body.RequiredString("language", 2);
        r.recipient = body.OptionalString("recipient", 16).value_or("");
        r.what_happened = body.RequiredString("what_happened", 5000);
        r.provider_name = body.OptionalString("provider_name", 200).value_or("");
        r.location = body.OptionalString("location", 200).value_or("");
        r.contact = body.OptionalString("contact", 200).value_or("");
        r.honeypot = body.OptionalString("website", 200).value_or("");
        r.categories = StringList(body.Raw(), "categories");
        body.MarkRead("categories");
        body.Finish();
        const auto receipt =
            Ok(cases_.SubmitPublicReport(r, ctx.request.remote_address, ctx.request_id));
        return JsonResponse(201, {{"reference", receipt.reference}, {"secret", receipt.secret}});
      },
      false);

  Add(
      "GET", "/api/v1/public/reports/status",
      [this](RequestContext& ctx) {
        const auto reference = ctx.Query("reference").value_or("");
        const auto secret = ctx.Query("secret").value_or("");
        if (reference.size() > 64 || secret.size() > 64) {
          Throw(core::ErrorCode::kNotFound, "no report with this reference and secret");
        }
        return JsonResponse(200, {{"status", Ok(cases_.PublicStatus(reference, secret))}});
      },
      false);

  Add("GET", "/api/v1/cases", [this](RequestContext& ctx) {
    json items = json::array();
    const auto status = ctx.Query("status").value_or("");
    // Newest first, a page at a time: ?before= the last id seen, ?limit= 1-500.
    const long long before = ctx.QueryInt("before", 1, 1'000'000'000'000LL).value_or(0);
    const int limit = static_cast<int>(ctx.QueryInt("limit", 1, cases::CasesService::kMaxListed)
                                           .value_or(cases::CasesService::kMaxListed));
    const auto list = Ok(cases_.List(ctx.who(), status, ctx.request_id, before, limit));
    for (const auto& k : list) items.push_back(CaseJson(k, false));
    json out = {{"items", items}};
    out["next_before"] =
        static_cast<int>(list.size()) == limit ? json(list.back().id) : json(nullptr);
    return JsonResponse(200, out);
  });

  Add("POST", "/api/v1/cases", [this](RequestContext& ctx) {
    auto body = JsonBody::Parse(ctx.request);
    cases::NewCase n;
    n.source = body.RequiredString("source", 32);
    n.language = body.OptionalString("language", 2).value_or("en");
    n.what_happened = body.RequiredString("what_happened", 5000);
    if (auto w = body.OptionalInt("worker_id", 1, 1'000'000'000'000LL)) n.worker_id = *w;
    n.worker_name = body.OptionalString("worker_name", 200).value_or("");
    n.date_of_birth = body.OptionalString("date_of_birth", 10).value_or("");
    n.provider_name = body.OptionalString("provider_name", 200).value_or("");
    n.employer_name = body.OptionalString("employer_name", 200).value_or("");
    n.location = body.OptionalString("location", 200).value_or("");
    n.categories = StringList(body.Raw(), "categories");
    body.MarkRead("categories");
    if (const auto it = body.Raw().find("indicators"); it != body.Raw().end()) {
      if (!it->is_object()) {
        Throw(core::ErrorCode::kInvalidArgument,
              "field 'indicators' must map indicator codes to \"strong\" or \"medium\"",
              "invalid-field");
      }
      for (const auto& [code, strength] : it->items()) {
        n.indicators[code] = strength.is_string() ? strength.get<std::string>() : "";
      }
    }
    body.MarkRead("indicators");
    body.Finish();
    const auto k = Ok(cases_.Create(ctx.who(), n, ctx.request_id));
    HttpResponse r = JsonResponse(201, CaseJson(k, true));
    r.Set("Location", "/api/v1/cases/" + std::to_string(k.id));
    return r;
  });

  // The raw file as the body; its name in ?name=.
  Add("POST", "/api/v1/cases/{case_id}/attachments", [this](RequestContext& ctx) {
    const long long id = ctx.IdParam("case_id");
    const auto k = Ok(cases_.Attach(ctx.who(), id, ctx.Query("name").value_or(""), ctx.request.body,
                                    ctx.request_id));
    return JsonResponse(201, CaseJson(k, true));
  });

  Add("GET", "/api/v1/cases/{case_id}/attachments/{attachment_seq}", [this](RequestContext& ctx) {
    const auto f = Ok(cases_.GetAttachment(ctx.who(), ctx.IdParam("case_id"),
                                           ctx.IdParam("attachment_seq"), ctx.request_id));
    HttpResponse r;
    r.status = 200;
    r.body = f.content;
    r.Set("Content-Type", f.media_type);
    // The name is the uploader's: only safe characters go into the header.
    std::string safe;
    for (const char c : f.name) {
      safe +=
          std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_' ? c : '_';
    }
    r.Set("Content-Disposition", "attachment; filename=\"" + safe + "\"");
    return r;
  });

  Add("POST", "/api/v1/cases/{case_id}/notes", [this](RequestContext& ctx) {
    const long long id = ctx.IdParam("case_id");
    auto body = JsonBody::Parse(ctx.request);
    const std::string text = body.RequiredString("body", 5000);
    body.Finish();
    return JsonResponse(201,
                        CaseJson(Ok(cases_.AddNote(ctx.who(), id, text, ctx.request_id)), true));
  });

  Add("POST", "/api/v1/cases/{case_id}/subjects", [this](RequestContext& ctx) {
    const long long id = ctx.IdParam("case_id");
    auto body = JsonBody::Parse(ctx.request);
    const std::string kind = body.RequiredString("kind", 20);
    const long long ref = body.RequiredInt("id", 1, 1'000'000'000'000LL);
    const std::string role = body.RequiredString("role", 40);
    body.Finish();
    return JsonResponse(
        201, CaseJson(Ok(cases_.AddSubject(ctx.who(), id, kind, ref, role, ctx.request_id)), true));
  });

  Add("GET", "/api/v1/cases/dashboard", [this](RequestContext& ctx) {
    const auto d = Ok(cases_.GetDashboard(ctx.who()));
    json providers = json::array();
    for (const auto& p : d.providers) {
      providers.push_back(
          {{"provider", p.provider}, {"open_cases", p.open_cases}, {"risk_points", p.risk_points}});
    }
    return JsonResponse(200, {{"by_status", d.by_status},
                              {"by_indicator", d.by_indicator},
                              {"by_category", d.by_category},
                              {"by_month", d.by_month},
                              {"providers", providers}});
  });

  Add("GET", "/api/v1/cases/export", [this](RequestContext& ctx) {
    const std::string format = ctx.Query("format").value_or("csv");
    if (format != "csv" && format != "xlsx") {
      Throw(core::ErrorCode::kInvalidArgument, "'format' must be csv or xlsx", "invalid-query");
    }
    const auto table =
        Ok(cases_.ExportCases(ctx.who(), ctx.Query("status").value_or(""), ctx.request_id));
    HttpResponse r;
    r.status = 200;
    if (format == "csv") {
      r.body = cases::TableCsv(table);
      r.Set("Content-Type", "text/csv; charset=utf-8");
      r.Set("Content-Disposition", "attachment; filename=\"cases.csv\"");
    } else {
      r.body = Ok(cases::TableXlsx(table, "cases"));
      r.Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
      r.Set("Content-Disposition", "attachment; filename=\"cases.xlsx\"");
    }
    return r;
  });

  Add("GET", "/api/v1/cases/{case_id}", [this](RequestContext& ctx) {
    return JsonResponse(
        200, CaseJson(Ok(cases_.Get(ctx.who(), ctx.IdParam("case_id"), ctx.request_id)), true));
  });

  Add("PATCH", "/api/v1/cases/{case_id}", [this](RequestContext& ctx) {
    const long long id = ctx.IdParam("case_id");
    auto body = JsonBody::Parse(ctx.request);
    cases::CaseUpdate u;
    u.status = body.OptionalString("status", 32);
    u.closed_reason = body.OptionalString("closed_reason", 500);
    u.worker_name = body.OptionalString("worker_name", 200);
    u.date_of_birth = body.OptionalString("date_of_birth", 10);
    u.employer_name = body.OptionalString("employer_name", 200);
    if (auto a = body.OptionalInt("assigned_to", 1, 1'000'000'000'000LL)) u.assigned_to = *a;
    const json& raw = body.Raw();
    if (const auto it = raw.find("indicators"); it != raw.end()) {
      if (!it->is_object() || it->size() > 11) {
        Throw(core::ErrorCode::kInvalidArgument,
              "field 'indicators' must map indicator codes to \"strong\" or \"medium\"",
              "invalid-field");
      }
      cases::IndicatorFlags flags;
      for (const auto& [code, strength] : it->items()) {
        if (!strength.is_string()) {
          Throw(core::ErrorCode::kInvalidArgument,
                "indicator " + code.substr(0, 40) + " must be \"strong\" or \"medium\"",
                "invalid-field");
        }
        flags[code] = strength.get<std::string>();
      }
      u.indicators = flags;
    }
    body.MarkRead("indicators");
    if (raw.contains("categories")) u.categories = StringList(raw, "categories");
    body.MarkRead("categories");
    body.Finish();
    return JsonResponse(200, CaseJson(Ok(cases_.Update(ctx.who(), id, u, ctx.request_id)), true));
  });

  Add("POST", "/api/v1/cases/{case_id}/referrals", [this](RequestContext& ctx) {
    const long long id = ctx.IdParam("case_id");
    auto body = JsonBody::Parse(ctx.request);
    cases::NewReferral n;
    n.to_agency = body.RequiredString("to_agency", 16);
    n.purpose = body.RequiredString("purpose", 500);
    n.legal_basis = body.RequiredString("legal_basis", 500);
    n.consent = body.OptionalBool("consent").value_or(false);
    n.override_reason = body.OptionalString("override_reason", 500).value_or("");
    if (body.Raw().contains("fields")) n.fields = StringList(body.Raw(), "fields");
    body.MarkRead("fields");
    n.pair_ref = body.OptionalString("pair_ref", 100).value_or("");
    body.Finish();
    std::optional<linkage::PairMatch> pair;
    if (!n.pair_ref.empty()) {
      // The pair must come from a linkage project between the two agencies.
      pair = Ok(linkage_.FindPair(ctx.who(), n.pair_ref, ctx.request_id));
      if (pair->partner_agency != n.to_agency) {
        Throw(core::ErrorCode::kUnprocessable,
              "the linkage pair belongs to a project with another agency", "pair-mismatch");
      }
    }
    const auto r = Ok(cases_.Refer(ctx.who(), id, n, ctx.request_id));
    HttpResponse resp = JsonResponse(201, ReferralJson(r, pair ? &*pair : nullptr));
    resp.Set("Location", "/api/v1/referrals/" + std::to_string(r.id));
    return resp;
  });

  Add("GET", "/api/v1/referrals", [this](RequestContext& ctx) {
    json items = json::array();
    for (const auto& r : Ok(cases_.ListReferrals(ctx.who()))) items.push_back(ReferralJson(r));
    return JsonResponse(200, {{"items", items}});
  });

  Add("GET", "/api/v1/referrals/{referral_id}", [this](RequestContext& ctx) {
    const auto r = Ok(cases_.GetReferral(ctx.who(), ctx.IdParam("referral_id"), ctx.request_id));
    // Each party sees its own record of the linkage pair, if it still may read the project.
    std::optional<linkage::PairMatch> pair;
    if (!r.pair_ref.empty()) {
      if (auto found = linkage_.FindPair(ctx.who(), r.pair_ref, ctx.request_id)) pair = *found;
    }
    return JsonResponse(200, ReferralJson(r, pair ? &*pair : nullptr));
  });

  Add("POST", "/api/v1/referrals/{referral_id}/respond", [this](RequestContext& ctx) {
    const long long id = ctx.IdParam("referral_id");
    auto body = JsonBody::Parse(ctx.request);
    const std::string action = body.RequiredString("action", 32);
    const std::string reason = body.OptionalString("reason", 1000).value_or("");
    body.Finish();
    return JsonResponse(
        200, ReferralJson(Ok(cases_.Respond(ctx.who(), id, action, reason, ctx.request_id))));
  });

  Add("POST", "/api/v1/referrals/{referral_id}/messages", [this](RequestContext& ctx) {
    const long long id = ctx.IdParam("referral_id");
    auto body = JsonBody::Parse(ctx.request);
    const std::string text = body.RequiredString("body", 5000);
    body.Finish();
    return JsonResponse(201,
                        ReferralJson(Ok(cases_.AddMessage(ctx.who(), id, text, ctx.request_id))));
  });
}

}  // namespace kenes::api
