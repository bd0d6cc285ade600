// Black-box tests of the real `kenes serve` on an ephemeral port, on SQLite and PostgreSQL:
// sessions, CSRF, tokens, permissions, every kind of bad input, limits, static files, the access
// log, and graceful shutdown.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <thread>

#include "api/server_fixture.h"
#include "audit/audit_log.h"
#include "auth/accounts.h"

namespace kenes::api {
namespace {

TEST_P(ServerTest, HealthReadyAndSecurityHeaders) {
  Start();
  HttpClient http(server_->port());
  auto health = http.Get("/healthz");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.Json()["status"], "ok");
  auto ready = http.Get("/readyz");
  EXPECT_EQ(ready.status, 200);
  for (const auto* r : {&health, &ready}) {
    EXPECT_EQ(r->Header("content-security-policy"), "default-src 'none'; frame-ancestors 'none'");
    EXPECT_EQ(r->Header("cache-control"), "no-store");
    EXPECT_EQ(r->Header("x-content-type-options"), "nosniff");
    EXPECT_EQ(r->Header("referrer-policy"), "no-referrer");
    EXPECT_FALSE(r->Header("x-request-id").empty());
  }
  auto doc = http.Get("/api/v1/openapi.json");
  EXPECT_EQ(doc.status, 200);
  EXPECT_EQ(doc.Json()["openapi"], "3.1.0");
}

TEST_P(ServerTest, SignInCookieCsrfAndSignOut) {
  Start();
  HttpClient http(server_->port());
  auto login =
      http.Send("POST", "/api/v1/session", {{"username", "mlsp.officer"}, {"password", kPassword}});
  ASSERT_EQ(login.status, 201) << login.body;
  const std::string set_cookie = login.Header("set-cookie");
  EXPECT_NE(set_cookie.find("kenes_session="), std::string::npos);
  EXPECT_NE(set_cookie.find("HttpOnly"), std::string::npos);
  EXPECT_NE(set_cookie.find("SameSite=Strict"), std::string::npos);
  EXPECT_NE(set_cookie.find("Path=/"), std::string::npos);
  const json me = login.Json();
  EXPECT_EQ(me["user"]["username"], "mlsp.officer");
  EXPECT_EQ(me["user"]["agency"], "kz-mlsp");
  EXPECT_EQ(me["session"]["kind"], "browser");
  const std::string csrf = me["session"]["csrf_token"];
  const std::string cookie = set_cookie.substr(0, set_cookie.find(';'));

  auto get_me = http.Get("/api/v1/me", {{"Cookie", cookie}});
  ASSERT_EQ(get_me.status, 200);
  EXPECT_EQ(get_me.Json()["session"]["csrf_token"], csrf);
  // State-changing requests from a browser need the CSRF token.
  auto no_csrf = http.Send("PATCH", "/api/v1/me", {{"language", "kk"}}, {{"Cookie", cookie}});
  EXPECT_EQ(no_csrf.status, 403);
  EXPECT_EQ(no_csrf.Json()["type"], "urn:kenes:problem:csrf-failed");
  auto wrong_csrf = http.Send("PATCH", "/api/v1/me", {{"language", "kk"}},
                              {{"Cookie", cookie}, {"X-CSRF-Token", "x"}});
  EXPECT_EQ(wrong_csrf.status, 403);
  auto with_csrf = http.Send("PATCH", "/api/v1/me", {{"language", "kk"}},
                             {{"Cookie", cookie}, {"X-CSRF-Token", csrf}});
  ASSERT_EQ(with_csrf.status, 200) << with_csrf.body;
  EXPECT_EQ(with_csrf.Json()["language"], "kk");

  auto logout =
      http.Request("DELETE", "/api/v1/session", "", {{"Cookie", cookie}, {"X-CSRF-Token", csrf}});
  EXPECT_EQ(logout.status, 204);
  EXPECT_NE(logout.Header("set-cookie").find("Max-Age=0"), std::string::npos);
  EXPECT_EQ(http.Get("/api/v1/me", {{"Cookie", cookie}}).status, 401);
}

TEST_P(ServerTest, BearerTokensNeedNoCsrfAndCanBeRevoked) {
  Start();
  const std::string token = Bearer("fwa.officer");
  ASSERT_EQ(token.rfind("kenes_", 0), 0u);
  HttpClient http(server_->port());
  const std::map<std::string, std::string> auth = {{"Authorization", "Bearer " + token}};
  auto me = http.Get("/api/v1/me", auth);
  ASSERT_EQ(me.status, 200);
  EXPECT_EQ(me.Json()["session"]["kind"], "bearer");
  EXPECT_FALSE(me.Json()["session"].contains("csrf_token"));
  EXPECT_EQ(http.Send("PATCH", "/api/v1/me", {{"language", "ru"}}, auth).status, 200);
  auto tokens = http.Get("/api/v1/tokens", auth);
  ASSERT_EQ(tokens.status, 200);
  ASSERT_EQ(tokens.Json()["tokens"].size(), 1u);
  EXPECT_FALSE(tokens.Json()["tokens"][0].contains("token"));
  const long long id = tokens.Json()["tokens"][0]["id"];
  EXPECT_EQ(http.Request("DELETE", "/api/v1/tokens/" + std::to_string(id), "", auth).status, 204);
  auto after = http.Get("/api/v1/me", auth);
  EXPECT_EQ(after.status, 401);
  EXPECT_EQ(after.Json()["type"], "urn:kenes:problem:invalid-token");
  EXPECT_EQ(http.Get("/api/v1/me", {{"Authorization", "Bearer nonsense"}}).status, 401);
  EXPECT_EQ(http.Get("/api/v1/me", {{"Authorization", "Basic eDp5"}}).status, 401);
}

TEST_P(ServerTest, AdminsAndPermissions) {
  Start();
  Browser admin = SignIn("mlsp.admin");
  auto created = admin.http->Send("POST", "/api/v1/users",
                                  {{"username", "mlsp.analyst"},
                                   {"display_name", "Әлия Нұрланқызы"},
                                   {"roles", {"analyst"}},
                                   {"password", kPassword}},
                                  admin.Headers());
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.Json()["display_name"], "Әлия Нұрланқызы");
  EXPECT_EQ(created.Json()["agency"], "kz-mlsp");
  EXPECT_EQ(created.Header("location"),
            "/api/v1/users/" + std::to_string(created.Json()["id"].get<long long>()));
  auto list = admin.http->Get("/api/v1/users", admin.Headers(false));
  ASSERT_EQ(list.status, 200);
  const json users = list.Json();
  for (const auto& u : users["users"]) EXPECT_EQ(u["agency"], "kz-mlsp");
  // Another agency's user: 404, never 403.
  const std::string foreign = "/api/v1/users/" + std::to_string(ids_["fwa.officer"]);
  EXPECT_EQ(admin.http->Get(foreign, admin.Headers(false)).status, 404);
  EXPECT_EQ(admin.http->Send("PATCH", foreign, {{"disabled", true}}, admin.Headers()).status, 404);
  auto cross = admin.http->Send("POST", "/api/v1/users",
                                {{"username", "fwa.new"},
                                 {"agency", "uk-fwa"},
                                 {"roles", {"viewer"}},
                                 {"password", kPassword}},
                                admin.Headers());
  EXPECT_EQ(cross.status, 403);
  // An officer is signed in but not allowed.
  Browser officer = SignIn("mlsp.officer");
  auto denied = officer.http->Get("/api/v1/users", officer.Headers(false));
  EXPECT_EQ(denied.status, 403);
  EXPECT_EQ(denied.Header("content-type"), "application/problem+json");
  EXPECT_EQ(officer.http->Get("/api/v1/audit/events", officer.Headers(false)).status, 403);
  // Disabling ends the user's sessions at once.
  const std::string officer_url = "/api/v1/users/" + std::to_string(ids_["mlsp.officer"]);
  ASSERT_EQ(admin.http->Send("PATCH", officer_url, {{"disabled", true}}, admin.Headers()).status,
            200);
  EXPECT_EQ(officer.http->Get("/api/v1/me", officer.Headers(false)).status, 401);
  // Password reset by an admin.
  ASSERT_EQ(admin.http->Send("PATCH", officer_url, {{"disabled", false}}, admin.Headers()).status,
            200);
  EXPECT_EQ(admin.http
                ->Send("PUT", officer_url + "/password", {{"password", "a brand new passphrase"}},
                       admin.Headers())
                .status,
            204);
  SignIn("mlsp.officer", "a brand new passphrase");
}

struct BadRequest {
  const char* name;
  std::string method;
  std::string target;
  std::string body;
  std::map<std::string, std::string> headers;
  int status;
  std::string type;  // slug
};

TEST_P(ServerTest, BadInputGetsProblemsAndWritesNothing) {
  Start();
  Browser admin = SignIn("mlsp.admin");
  const auto auth = admin.Headers();
  auto with = [&](std::map<std::string, std::string> extra) {
    auto h = auth;
    for (auto& [k, v] : extra) h[k] = v;
    return h;
  };
  const std::string json_type = "application/json";
  const std::vector<BadRequest> cases = {
      {"malformed json", "POST", "/api/v1/users",
       "{\"username\":", with({{"Content-Type", json_type}}), 400, "malformed-json"},
      {"not an object", "POST", "/api/v1/users", "[1,2]", with({{"Content-Type", json_type}}), 400,
       "invalid-body"},
      {"wrong type", "POST", "/api/v1/users", R"({"username":1,"roles":["viewer"],"password":"x"})",
       with({{"Content-Type", json_type}}), 400, "invalid-field"},
      {"roles not array", "POST", "/api/v1/users",
       R"({"username":"a.b.c","roles":"viewer","password":"a long password!!"})",
       with({{"Content-Type", json_type}}), 400, "invalid-field"},
      {"missing field", "POST", "/api/v1/users", R"({"username":"a.b.c","roles":["viewer"]})",
       with({{"Content-Type", json_type}}), 400, "missing-field"},
      {"unknown field", "POST", "/api/v1/users",
       R"({"username":"a.b.c","roles":["viewer"],"password":"a long password!!","is_superuser":true})",
       with({{"Content-Type", json_type}}), 400, "unknown-field"},
      {"invalid utf-8", "POST", "/api/v1/users",
       "{\"username\":\"a\xC3\x28\",\"roles\":[\"viewer\"],\"password\":\"a long password!!\"}",
       with({{"Content-Type", json_type}}), 400, "invalid-utf8"},
      {"wrong media type", "POST", "/api/v1/users", R"({"username":"a.b.c"})",
       with({{"Content-Type", "text/plain"}}), 415, "unsupported-media-type"},
      {"no media type", "POST", "/api/v1/users", R"({"username":"a.b.c"})", auth, 415,
       "unsupported-media-type"},
      {"weak password", "POST", "/api/v1/users",
       R"({"username":"a.b.c","roles":["viewer"],"password":"short"})",
       with({{"Content-Type", json_type}}), 422, "weak-password"},
      {"unknown role", "POST", "/api/v1/users",
       R"({"username":"a.b.c","roles":["god"],"password":"a long password!!"})",
       with({{"Content-Type", json_type}}), 422, "invalid-role"},
      {"bad language", "PATCH", "/api/v1/me", R"({"language":"de"})",
       with({{"Content-Type", json_type}}), 422, "unprocessable"},
      {"duplicate user", "POST", "/api/v1/users",
       R"({"username":"mlsp.officer","roles":["viewer"],"password":"a long password!!"})",
       with({{"Content-Type", json_type}}), 409, "username-taken"},
      {"non-numeric id", "GET", "/api/v1/users/abc", "", auth, 404, "not-found"},
      {"sql in id", "GET", "/api/v1/users/1%20OR%201=1", "", auth, 404, "not-found"},
      {"unknown route", "GET", "/api/v1/nothing-here", "", auth, 404, "not-found"},
      {"unknown method", "PATCH", "/api/v1/agencies", "", auth, 405, "method-not-allowed"},
      {"made-up method", "BREW", "/api/v1/users", "", auth, 405, "method-not-allowed"},
      {"bad percent", "GET", "/api/v1/users/%zz", "", auth, 400, "malformed-request"},
      {"encoded nul", "GET", "/api/v1/users/%00", "", auth, 400, "malformed-request"},
      {"bad utf-8 path", "GET", "/api/v1/%C3%28", "", auth, 400, "malformed-request"},
      {"bad query time", "GET", "/api/v1/audit/events?from=yesterday", "", auth, 403, "forbidden"},
      {"not signed in", "GET", "/api/v1/users", "", {}, 401, "unauthenticated"},
      {"bad token",
       "GET",
       "/api/v1/users",
       "",
       {{"Authorization", "Bearer kenes_forged"}},
       401,
       "invalid-token"},
  };
  const long long users_before = Count("users");
  const long long events_before = Count("audit_events");
  for (const auto& c : cases) {
    auto r = admin.http->Request(c.method, c.target, c.body, c.headers);
    EXPECT_EQ(r.status, c.status) << c.name << ": " << r.body;
    EXPECT_EQ(r.Header("content-type"), "application/problem+json") << c.name;
    const json p = r.Json();
    EXPECT_EQ(p.value("type", ""), "urn:kenes:problem:" + c.type) << c.name << ": " << r.body;
    EXPECT_EQ(p.value("status", 0), c.status) << c.name;
    EXPECT_FALSE(p.value("detail", "").empty()) << c.name;
    EXPECT_EQ(p.value("request_id", ""), r.Header("x-request-id")) << c.name;
    if (c.status == 405) {
      EXPECT_FALSE(r.Header("allow").empty()) << c.name;
    }
  }
  EXPECT_EQ(Count("users"), users_before);
  EXPECT_EQ(Count("audit_events"), events_before);
  EXPECT_TRUE(audit::Verify(*db_).ok);
  EXPECT_EQ(admin.http->Get("/healthz").status, 200);
}

TEST_P(ServerTest, SqlMetacharactersInEveryStringFieldAreInert) {
  Start();
  Browser admin = SignIn("mlsp.admin");
  const std::vector<std::string> evil = {"'; DROP TABLE users; --",
                                         "\" OR \"1\"=\"1",
                                         "1; DELETE FROM audit_events",
                                         "a' UNION SELECT password_hash FROM users --",
                                         "\\'; --",
                                         "%' OR '%'='"};
  const long long users_before = Count("users");
  for (const auto& e : evil) {
    for (const json& body : {json{{"username", e}, {"roles", {"viewer"}}, {"password", kPassword}},
                             json{{"username", "ok.name"},
                                  {"display_name", e},
                                  {"roles", {e}},
                                  {"password", kPassword}},
                             json{{"username", "ok.name"},
                                  {"agency", e},
                                  {"roles", {"viewer"}},
                                  {"password", kPassword}}}) {
      auto r = admin.http->Send("POST", "/api/v1/users", body, admin.Headers());
      EXPECT_GE(r.status, 400) << e;
      EXPECT_LT(r.status, 500) << e;
    }
    auto login = admin.http->Send("POST", "/api/v1/session", {{"username", e}, {"password", e}});
    EXPECT_EQ(login.status, 401) << e;
    auto filtered = SignIn("mlsp.auditor");
    auto q = filtered.http->Get(
        "/api/v1/audit/events?user=%27%3B%20DROP%20TABLE%20users%3B--&action=%25",
        filtered.Headers(false));
    EXPECT_EQ(q.status, 200);
    EXPECT_EQ(q.Json()["events"].size(), 0u);
  }
  // A display name full of metacharacters is stored verbatim, as data.
  auto ok = admin.http->Send("POST", "/api/v1/users",
                             {{"username", "quoted.name"},
                              {"display_name", evil[0]},
                              {"roles", {"viewer"}},
                              {"password", kPassword}},
                             admin.Headers());
  ASSERT_EQ(ok.status, 201);
  EXPECT_EQ(ok.Json()["display_name"], evil[0]);
  EXPECT_EQ(Count("users"), users_before + 1);
  EXPECT_TRUE(audit::Verify(*db_).ok);
}

TEST_P(ServerTest, SizeLimits) {
  Start({}, {{"KENES_SERVER_MAX_BODY_BYTES", "4096"}, {"KENES_SERVER_MAX_HEADER_BYTES", "2048"}});
  HttpClient http(server_->port());
  auto big = http.Request("POST", "/api/v1/session", std::string(5000, 'x'),
                          {{"Content-Type", "application/json"}});
  EXPECT_EQ(big.status, 413);
  EXPECT_EQ(big.Json()["type"], "urn:kenes:problem:body-too-large");
  // A chunked body that grows past the limit.
  const std::string chunked =
      "POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Transfer-Encoding: chunked\r\n\r\n1000\r\n" +
      std::string(4096, 'a') + "\r\n1000\r\n" + std::string(4096, 'a') + "\r\n0\r\n\r\n";
  auto chunked_r =
      kenes::testing::ParseRawResponse(kenes::testing::RawExchange(server_->port(), chunked));
  EXPECT_EQ(chunked_r.status, 413);
  HttpClient http2(server_->port());
  auto long_header = http2.Get("/healthz", {{"X-Padding", std::string(4000, 'p')}});
  EXPECT_EQ(long_header.status, 431);
  EXPECT_EQ(long_header.Json()["type"], "urn:kenes:problem:header-too-large");
  auto garbage = kenes::testing::ParseRawResponse(
      kenes::testing::RawExchange(server_->port(), "NOT HTTP AT ALL\r\n\r\n"));
  EXPECT_EQ(garbage.status, 400);
  HttpClient http3(server_->port());
  EXPECT_EQ(http3.Get("/healthz").status, 200) << "still serving";
}

TEST_P(ServerTest, FailedLoginsAreThrottled) {
  Start({}, {{"KENES_AUTH_MAX_FAILURES_PER_ACCOUNT", "3"}});
  HttpClient http(server_->port());
  for (int i = 0; i < 3; ++i) {
    auto r = http.Send("POST", "/api/v1/session",
                       {{"username", "mlsp.officer"}, {"password", "not the password"}});
    EXPECT_EQ(r.status, 401);
    EXPECT_EQ(r.Json()["type"], "urn:kenes:problem:invalid-credentials");
  }
  auto r =
      http.Send("POST", "/api/v1/session", {{"username", "mlsp.officer"}, {"password", kPassword}});
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.Json()["type"], "urn:kenes:problem:login-throttled");
  EXPECT_FALSE(r.Header("retry-after").empty());
  EXPECT_TRUE(audit::Verify(*db_).ok);
}

TEST_P(ServerTest, AuditorsListTheirAgencysEvents) {
  Start();
  Browser admin = SignIn("mlsp.admin");
  auto headers = admin.Headers();
  headers["X-Request-Id"] = "trace-42";
  ASSERT_EQ(
      admin.http
          ->Send("POST", "/api/v1/users",
                 {{"username", "mlsp.viewer"}, {"roles", {"viewer"}}, {"password", kPassword}},
                 headers)
          .status,
      201);
  SignIn("fwa.officer");
  Browser auditor = SignIn("mlsp.auditor");
  auto all = auditor.http->Get("/api/v1/audit/events", auditor.Headers(false));
  ASSERT_EQ(all.status, 200) << all.body;
  const json events = all.Json();
  ASSERT_FALSE(events["events"].empty());
  for (const auto& e : events["events"]) EXPECT_EQ(e["agency"], "kz-mlsp");
  auto creates = auditor.http->Get("/api/v1/audit/events?action=user.create&user=mlsp.admin",
                                   auditor.Headers(false));
  ASSERT_EQ(creates.Json()["events"].size(), 1u);
  const json e = creates.Json()["events"][0];
  EXPECT_EQ(e["object_type"], "user");
  EXPECT_EQ(e["request_id"], "trace-42");
  EXPECT_EQ(auditor.http->Get("/api/v1/audit/events?agency=uk-fwa", auditor.Headers(false)).status,
            403);
  auto page = auditor.http->Get("/api/v1/audit/events?limit=1", auditor.Headers(false));
  ASSERT_EQ(page.Json()["events"].size(), 1u);
  EXPECT_FALSE(page.Json()["next_before"].is_null());
  auto bad = auditor.http->Get("/api/v1/audit/events?limit=0", auditor.Headers(false));
  EXPECT_EQ(bad.status, 400);
  auto bad_time = auditor.http->Get("/api/v1/audit/events?from=yesterday", auditor.Headers(false));
  EXPECT_EQ(bad_time.status, 400);
  auto verify = auditor.http->Get("/api/v1/audit/verify", auditor.Headers(false));
  ASSERT_EQ(verify.status, 200);
  EXPECT_TRUE(verify.Json()["ok"].get<bool>());
}

TEST_P(ServerTest, RequestIdsAreEchoedOrMinted) {
  Start();
  HttpClient http(server_->port());
  EXPECT_EQ(http.Get("/healthz", {{"X-Request-Id", "abc-123"}}).Header("x-request-id"), "abc-123");
  const std::string minted =
      http.Get("/healthz", {{"X-Request-Id", "<script>"}}).Header("x-request-id");
  EXPECT_NE(minted, "<script>");
  EXPECT_FALSE(minted.empty());
}

TEST_P(ServerTest, AccessLogCarriesNoSecretsOrPersonalData) {
  Start();
  const std::string token = Bearer("mlsp.officer");
  HttpClient http(server_->port());
  (void)http.Get("/api/v1/me", {{"Authorization", "Bearer " + token}});
  (void)http.Send("POST", "/api/v1/session",
                  {{"username", "mlsp.officer"}, {"password", "wrong but secret pw"}});
  (void)http.Get("/api/v1/users/12345?name=Aigerim");
  ASSERT_EQ(server_->Stop(), 0);
  const std::string log = server_->AccessLog();
  ASSERT_FALSE(log.empty());
  for (const std::string& secret :
       {token, std::string(kPassword), std::string("wrong but secret pw"),
        std::string("mlsp.officer"), std::string("Aigerim"), std::string("12345")}) {
    EXPECT_EQ(log.find(secret), std::string::npos) << secret;
  }
  // Every line is JSON naming the route template.
  std::istringstream lines(log);
  std::string line;
  bool saw_template = false;
  while (std::getline(lines, line)) {
    const json j = json::parse(line, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << line;
    EXPECT_TRUE(j.contains("request_id") && j.contains("status") && j.contains("duration_ms"))
        << line;
    saw_template |= j.value("route", "") == "/api/v1/users/{user_id}";
  }
  EXPECT_TRUE(saw_template);
}

TEST_P(ServerTest, StaticConsoleWithoutTraversal) {
  kenes::testing::TempDir dir;
  std::filesystem::create_directories(dir.path() + "/dist/assets");
  std::ofstream(dir.path() + "/dist/index.html") << "<!doctype html><title>Kenes console</title>";
  std::ofstream(dir.path() + "/dist/assets/app.js") << "export {}";
  std::ofstream(dir.path() + "/secret.txt") << "outside the root";
  Start({}, {{"KENES_SERVER_STATIC_DIR", dir.path() + "/dist"}});
  HttpClient http(server_->port());
  auto index = http.Get("/");
  ASSERT_EQ(index.status, 200);
  EXPECT_NE(index.body.find("Kenes console"), std::string::npos);
  const std::string csp = index.Header("content-security-policy");
  EXPECT_NE(csp.find("default-src 'self'"), std::string::npos);
  EXPECT_NE(csp.find("script-src 'self'"), std::string::npos);
  EXPECT_EQ(csp.find("unsafe-inline"), std::string::npos);
  EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos);
  EXPECT_EQ(index.Header("x-content-type-options"), "nosniff");
  EXPECT_EQ(index.Header("referrer-policy"), "no-referrer");
  EXPECT_EQ(http.Get("/assets/app.js").Header("content-type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(http.Get("/dialogue/meetings").status, 200);  // a client-side route
  EXPECT_EQ(http.Request("HEAD", "/").status, 200);
  EXPECT_EQ(http.Request("POST", "/", "x").status, 405);
  for (const char* target : {"/../secret.txt", "/%2e%2e/secret.txt", "/assets/..%2f..%2fsecret.txt",
                             "/..%5csecret.txt", "/assets/%2e%2e/%2e%2e/secret.txt"}) {
    const std::string raw = kenes::testing::RawExchange(
        server_->port(),
        std::string("GET ") + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    EXPECT_EQ(raw.find("outside the root"), std::string::npos) << target;
    const auto r = kenes::testing::ParseRawResponse(raw);
    EXPECT_TRUE(r.status == 404 || r.status == 400) << target << " -> " << r.status;
  }
}

TEST_P(ServerTest, ConnectionLimitAnswers503) {
  Start({}, {{"KENES_SERVER_MAX_CONNECTIONS", "2"}});
  HttpClient a(server_->port()), b(server_->port());
  ASSERT_EQ(a.Get("/healthz").status, 200);
  ASSERT_EQ(b.Get("/healthz").status, 200);
  const auto third = kenes::testing::ParseRawResponse(
      kenes::testing::RawExchange(server_->port(), "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_EQ(third.status, 503);
  EXPECT_NE(third.body.find("over-capacity"), std::string::npos);
}

TEST_P(ServerTest, SigtermFinishesInFlightRequestsAndExitsCleanly) {
  // A costly password hash keeps a sign-in in flight while the signal arrives.
  Start({}, {{"KENES_AUTH_PASSWORD_COST", "moderate"}});
  HttpClient idle(server_->port());
  ASSERT_EQ(idle.Get("/healthz").status, 200);  // an idle keep-alive connection stays open
  HttpResult login;
  std::string client_error;
  HttpClient http(server_->port());
  ASSERT_EQ(http.Get("/healthz").status, 200);  // connected before the signal
  std::thread client([&] {
    try {
      login = http.Send("POST", "/api/v1/session",
                        {{"username", "mlsp.officer"}, {"password", kPassword}});
    } catch (const std::exception& e) {
      client_error = e.what();
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ::kill(server_->pid(), SIGTERM);
  client.join();
  // The in-flight answer arrives complete; the server stops by itself with status 0.
  EXPECT_EQ(client_error, "");
  EXPECT_EQ(login.status, 201) << login.body;
  EXPECT_EQ(server_->Stop(), 0) << server_->Stderr();
}

TEST_P(ServerTest, CaseListPagesNewestFirst) {
  kenes::testing::TempDir dir;
  const std::string key = dir.path() + "/data.key";
  ASSERT_EQ(kenes::testing::RunKenes({"data-key", "create", "--output", key}).exit_code, 0);
  Start({}, {{"KENES_DATA_KEY_FILE", key}});
  Browser fwa = SignIn("fwa.officer");
  for (int i = 0; i < 5; ++i) {
    auto created = fwa.http->Send(
        "POST", "/api/v1/cases",
        {{"source", "hotline"}, {"what_happened", "Call " + std::to_string(i)}}, fwa.Headers());
    ASSERT_EQ(created.status, 201) << created.body;
  }
  std::vector<long long> seen;
  std::string path = "/api/v1/cases?limit=2";
  for (int page = 0; page < 5 && !path.empty(); ++page) {
    const json body = fwa.http->Get(path, fwa.Headers(false)).Json();
    for (const auto& k : body["items"]) seen.push_back(k["id"]);
    path = body["next_before"].is_null() ? ""
                                         : "/api/v1/cases?limit=2&before=" +
                                               std::to_string(body["next_before"].get<long long>());
  }
  ASSERT_EQ(seen.size(), 5u);  // 2 + 2 + 1, then no cursor
  EXPECT_TRUE(std::is_sorted(seen.rbegin(), seen.rend()));
  EXPECT_EQ(std::set<long long>(seen.begin(), seen.end()).size(), 5u);
  // A full last page says there may be more; the page after it is empty and ends the list.
  const json four = fwa.http->Get("/api/v1/cases?limit=4", fwa.Headers(false)).Json();
  EXPECT_EQ(four["items"].size(), 4u);
  EXPECT_EQ(four["next_before"], seen[3]);
  EXPECT_EQ(fwa.http->Get("/api/v1/cases?status=closed", fwa.Headers(false)).Json()["items"].size(),
            0u);
  EXPECT_EQ(fwa.http->Get("/api/v1/cases?limit=0", fwa.Headers(false)).status, 400);
  EXPECT_EQ(fwa.http->Get("/api/v1/cases?limit=501", fwa.Headers(false)).status, 400);
  EXPECT_EQ(fwa.http->Get("/api/v1/cases?before=x", fwa.Headers(false)).status, 400);
}

TEST_P(ServerTest, LargePayrollUploadsRunInTheBackgroundWithProgress) {
  Start();
  const std::string token = Bearer("fwa.officer");
  HttpClient http(server_->port());
  std::map<std::string, std::string> headers = {{"Authorization", "Bearer " + token},
                                                {"Content-Type", "text/csv"},
                                                {"Prefer", "respond-async"}};
  // A season of weekly payslips, well above the 1 MiB limit of ordinary request bodies; every
  // 50th underpaid (34 hours at the 2025 NLW of 12.21 is 415.14).
  std::string csv = "worker_ref,date_of_birth,period_start,period_end,hours_worked,gross_pay\n";
  constexpr int kRows = 40000;
  for (int i = 0; i < kRows; ++i) {
    csv += "KZ-" + std::to_string(i) + ",1990-01-01,2025-06-02,2025-06-08,34," +
           (i % 50 == 0 ? "400.00" : "415.14") + "\n";
  }
  ASSERT_GT(csv.size(), 1u << 20);
  auto started = http.Request("POST", "/api/v1/payroll/checks?as_of=2025-07-01", csv, headers);
  ASSERT_EQ(started.status, 202) << started.body;
  EXPECT_EQ(started.Header("preference-applied"), "respond-async");
  const std::string url = started.Header("location");
  ASSERT_EQ(url, "/api/v1/payroll/checks/" + std::to_string(started.Json()["id"].get<long long>()));
  EXPECT_EQ(started.Json()["bytes_total"], static_cast<long long>(csv.size()));
  const std::string first_state = started.Json()["state"];
  EXPECT_TRUE(first_state == "running" || first_state == "done") << first_state;
  // Waits for the outcome (not a timing: the loop gives up only if the check never ends).
  const std::map<std::string, std::string> auth = {{"Authorization", "Bearer " + token}};
  json check;
  double last_progress = 0;
  for (int i = 0; i < 600; ++i) {
    check = http.Get(url, auth).Json();
    const double progress = check["progress"];
    EXPECT_GE(progress, last_progress);  // progress only moves forward
    last_progress = progress;
    if (check["state"] != "running") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(check["state"], "done") << check.dump();
  EXPECT_EQ(check["progress"], 1.0);
  EXPECT_EQ(check["rows_read"], kRows);
  EXPECT_EQ(check["findings_by_rule"]["nmw.underpayment"], kRows / 50);
  EXPECT_EQ(check["total_shortfall_pence"], (kRows / 50) * 1514);
  const json page = http.Get(url + "/findings?limit=2", auth).Json();
  ASSERT_EQ(page["findings"].size(), 2u);
  EXPECT_EQ(page["findings"][1]["line"], 52);  // KZ-50, line 52 with the header

  // A file the engine refuses fails the check, which says why; it has no findings to read.
  auto bad = http.Request("POST", "/api/v1/payroll/checks", "name,age\nA,1\n", headers);
  ASSERT_EQ(bad.status, 202) << bad.body;
  const std::string bad_url = bad.Header("location");
  json failed;
  for (int i = 0; i < 600; ++i) {
    failed = http.Get(bad_url, auth).Json();
    if (failed["state"] != "running") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(failed["state"], "failed");
  EXPECT_NE(failed["message"].get<std::string>().find("missing required column"), std::string::npos)
      << failed.dump();
  const auto no_findings = http.Get(bad_url + "/findings", auth);
  EXPECT_EQ(no_findings.status, 409);
  EXPECT_NE(no_findings.body.find("check-failed"), std::string::npos) << no_findings.body;

  // A check a restart interrupted is failed by the next start, never left running.
  server_->Stop();
  db_->Write([](store::Conn& c) -> core::Status {
    c.sql() << "UPDATE payroll_checks SET state = 'running', progress = 0.4";
    return {};
  });
  Start();
  HttpClient again(server_->port());
  const json after = again.Get(url, {{"Authorization", "Bearer " + Bearer("fwa.officer")}}).Json();
  EXPECT_EQ(after["state"], "failed");
  EXPECT_NE(after["message"].get<std::string>().find("restart"), std::string::npos);
}

TEST_P(ServerTest, PayrollChecksStoreFindingsForTheAgency) {
  Start();
  const std::string token = Bearer("fwa.officer");
  HttpClient http(server_->port());
  const std::map<std::string, std::string> auth = {{"Authorization", "Bearer " + token}};
  const std::string csv =
      "worker_ref,date_of_birth,period_start,period_end,hours_worked,gross_pay,recruitment_fee,"
      "provider_ref\n"
      "KZ-1,1977-05-01,2022-12-01,2022-12-08,35,250.00,,P-1\n"  // reference T2: arrears 90.49
      "KZ-2,1990-01-01,2025-06-02,2025-06-08,40,488.40,150,P-1\n"
      "KZ-3,1990-01-01,2025-06-02,2025-06-08,forty,488.40,,P-2\n";
  auto headers = auth;
  headers["Content-Type"] = "text/csv";
  auto created = http.Request("POST", "/api/v1/payroll/checks?as_of=2023-04-15", csv, headers);
  ASSERT_EQ(created.status, 201) << created.body;
  const json check = created.Json();
  EXPECT_EQ(check["agency"], "uk-fwa");
  EXPECT_EQ(check["rows_read"], 3);
  EXPECT_EQ(check["rows_rejected"], 1);
  EXPECT_EQ(check["findings_by_rule"]["nmw.underpayment"], 1);
  EXPECT_EQ(check["findings_by_rule"]["fees.recruitment"], 1);
  EXPECT_EQ(check["total_arrears_pence"], 9049 + 15000);
  const std::string url = "/api/v1/payroll/checks/" + std::to_string(check["id"].get<long long>());
  EXPECT_EQ(created.Header("location"), url);

  auto page = http.Get(url + "/findings?limit=1", auth);
  ASSERT_EQ(page.status, 200) << page.body;
  const json first = page.Json();
  ASSERT_EQ(first["findings"].size(), 1u);
  EXPECT_EQ(first["findings"][0]["line"], 2);
  EXPECT_EQ(first["findings"][0]["worker_ref"], "KZ-1");
  EXPECT_EQ(first["findings"][0]["arrears_pence"], 9049);
  EXPECT_FALSE(first["findings"][0]["message_kk"].get<std::string>().empty());
  const auto next = http.Get(
      url + "/findings?after=" + std::to_string(first["next_after"].get<long long>()), auth);
  const json rest = next.Json();
  ASSERT_EQ(rest["findings"].size(), 1u);
  EXPECT_EQ(rest["findings"][0]["rule"], "fees.recruitment");
  EXPECT_TRUE(rest["next_after"].is_null());
  const json rejects = http.Get(url + "/rejects", auth).Json();
  ASSERT_EQ(rejects["rejects"].size(), 1u);
  EXPECT_EQ(rejects["rejects"][0]["line"], 4);

  // The same payslips as JSON.
  auto as_json = http.Send("POST", "/api/v1/payroll/checks",
                           {{"as_of", "2023-04-15"},
                            {"payslips",
                             {{{"worker_ref", "KZ-1"},
                               {"date_of_birth", "1977-05-01"},
                               {"period_start", "2022-12-01"},
                               {"period_end", "2022-12-08"},
                               {"hours_worked", 35},
                               {"gross_pay", "250.00"}}}}},
                           auth);
  ASSERT_EQ(as_json.status, 201) << as_json.body;
  EXPECT_EQ(as_json.Json()["total_arrears_pence"], 9049);
  EXPECT_EQ(http.Get("/api/v1/payroll/checks", auth).Json()["checks"].size(), 2u);

  // Another agency cannot see it; a role without payroll rights cannot run one; bad input.
  Browser mlsp = SignIn("mlsp.officer");
  EXPECT_EQ(mlsp.http->Get(url, mlsp.Headers(false)).status, 404);
  EXPECT_EQ(mlsp.http->Get(url + "/findings", mlsp.Headers(false)).status, 404);
  Browser admin = SignIn("fwa.admin");
  auto h = admin.Headers();
  h["Content-Type"] = "text/csv";
  EXPECT_EQ(admin.http->Request("POST", "/api/v1/payroll/checks", csv, h).status, 403);
  headers["Content-Type"] = "text/plain";
  EXPECT_EQ(http.Request("POST", "/api/v1/payroll/checks", csv, headers).status, 415);
  headers["Content-Type"] = "text/csv";
  auto not_payslips = http.Request("POST", "/api/v1/payroll/checks", "name,age\nA,1\n", headers);
  EXPECT_EQ(not_payslips.status, 400);
  EXPECT_NE(
      not_payslips.Json()["detail"].get<std::string>().find("upload:1: missing required column"),
      std::string::npos)
      << not_payslips.body;
  EXPECT_EQ(http.Request("POST", "/api/v1/payroll/checks?as_of=yesterday", csv, headers).status,
            400);
  EXPECT_EQ(
      http.Send("POST", "/api/v1/payroll/checks", {{"payslips", {{{"salary", 1}}}}}, auth).status,
      400);
  // Running and reading are audited, and the chain holds.
  db_->Read([&](store::Conn& c) {
    audit::Filter f;
    f.action = "payroll.*";
    const auto events = audit::List(c, f);
    EXPECT_GE(events.size(), 4u);  // two checks, two reads of findings
  });
  EXPECT_TRUE(audit::Verify(*db_).ok);
}

// A linkage project between kz-mlsp and uk-fwa through the API: each party encodes its own
// records with `kenes link encode` and uploads only CLKs; the match runs in the background; each
// side sees its own references and the same opaque pair references, never the other's data.
TEST_P(ServerTest, LinkageProjectBetweenMlspAndFwa) {
  kenes::testing::TempDir key_dir;
  const std::string key = key_dir.path() + "/data.key";
  ASSERT_EQ(kenes::testing::RunKenes({"data-key", "create", "--output", key}).exit_code, 0);
  Start({}, {{"KENES_DATA_KEY_FILE", key}});
  {
    core::AuthConfig config;
    config.password_cost = "min";
    auth::Accounts accounts(*db_, config, core::SystemClock());
    for (const auto& [name, agency, role] :
         std::vector<std::tuple<std::string, std::string, std::string>>{
             {"fwa.analyst", "uk-fwa", "analyst"}}) {
      ASSERT_TRUE(accounts.CreateUser(auth::SystemPrincipal(),
                                      {name, "", agency, {role}, kPassword}, "setup"));
    }
  }
  kenes::testing::TempDir dir;
  const std::string secret = dir.path() + "/secret";
  std::ofstream(secret) << "agreed between MLSP and FWA";
  std::ofstream(dir.path() + "/kz.csv")
      << "id,given_name,family_name,patronymic,date_of_birth,sex,passport_number\n"
         "KZ-1,Жанар,Ахметова,Қасымқызы,1994-03-12,Ж,N12345678\n"
         "KZ-2,Нұрсұлтан,Назарбаев,Әбішұлы,1990-07-06,М,N08765432\n"
         "KZ-3,Әсел,Тоқаева,,1999-08-23,Ж,\n";
  std::ofstream(dir.path() + "/uk.csv")
      << "id,given_name,family_name,patronymic,date_of_birth,sex,passport_number\n"
         "GLAA-77,Nursultan,Nazarbayev,Abishuly,06.07.1990,male,\n"
         "GLAA-78,AKHMETOVA,ZHANAR,,12/03/1994,F,12345678\n";
  for (const char* side : {"kz", "uk"}) {
    const auto r = kenes::testing::RunKenes(
        {"link", "encode", "--schema", "kazakh-worker", "--secret-file", secret, "--input",
         dir.path() + "/" + side + ".csv", "--output", dir.path() + "/" + side + ".json"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  auto clk_file = [&](const char* side) {
    return json::parse(std::ifstream(dir.path() + "/" + side + ".json"));
  };

  const std::map<std::string, std::string> mlsp = {
      {"Authorization", "Bearer " + Bearer("mlsp.officer")}};
  const std::map<std::string, std::string> fwa = {
      {"Authorization", "Bearer " + Bearer("fwa.officer")}};
  HttpClient http(server_->port());
  auto created = http.Send("POST", "/api/v1/linkage/projects",
                           {{"name", "Seasonal workers 2026"}, {"partner_agency", "uk-fwa"}}, mlsp);
  ASSERT_EQ(created.status, 201) << created.body;
  const json project = created.Json();
  EXPECT_EQ(project["party_a"], "kz-mlsp");
  EXPECT_EQ(project["party_b"], "uk-fwa");
  EXPECT_EQ(project["schema"], "kazakh-worker");
  EXPECT_EQ(project["threshold"], 0.875);
  EXPECT_EQ(project["status"], "open");
  const std::string url =
      "/api/v1/linkage/projects/" + std::to_string(project["id"].get<long long>());
  EXPECT_EQ(created.Header("location"), url);

  // Not ready: the match needs both uploads.
  EXPECT_EQ(http.Request("POST", url + "/match", "", fwa).status, 422);

  // Each party uploads its own CLKs (the CLK file as written, plus its own references).
  json kz = clk_file("kz");
  kz["refs"] = {"KZ-1", "KZ-2", "KZ-3"};
  auto up_a = http.Send("PUT", url + "/clks", kz, mlsp);
  ASSERT_EQ(up_a.status, 200) << up_a.body;
  EXPECT_EQ(up_a.Json()["records_a"], 3);
  EXPECT_EQ(up_a.Json()["status"], "open");
  json uk = clk_file("uk");
  uk["refs"] = {"GLAA-77", "GLAA-78"};
  auto up_b = http.Send("PUT", url + "/clks", uk, fwa);
  ASSERT_EQ(up_b.status, 200) << up_b.body;
  EXPECT_EQ(up_b.Json()["status"], "ready");

  auto started = http.Request("POST", url + "/match", "", fwa);
  ASSERT_EQ(started.status, 202) << started.body;
  EXPECT_EQ(started.Json()["status"], "queued");
  json state;
  for (int i = 0; i < 200; ++i) {  // the job is small; wait for it, not for a time
    state = http.Get(url, mlsp).Json();
    if (state["status"] == "matched" || state["status"] == "failed") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_EQ(state["status"], "matched") << state.dump();
  EXPECT_EQ(state["progress"], 1.0);
  EXPECT_EQ(state["pairs"], 2);

  auto pairs_of = [&](const std::map<std::string, std::string>& who) {
    auto r = http.Get(url + "/pairs", who);
    EXPECT_EQ(r.status, 200) << r.body;
    std::map<std::string, std::string> by_pair;  // pair_ref -> own_ref
    const json body = r.Json();
    for (const json& p : body["pairs"]) {
      EXPECT_GE(p["similarity"].get<double>(), 0.875);
      EXPECT_EQ(p["pair_ref"].get<std::string>().rfind("lp_", 0), 0u);
      by_pair[p["pair_ref"]] = p["own_ref"];
    }
    return by_pair;
  };
  const auto seen_by_mlsp = pairs_of(mlsp), seen_by_fwa = pairs_of(fwa);
  ASSERT_EQ(seen_by_mlsp.size(), 2u);
  ASSERT_EQ(seen_by_fwa.size(), 2u);
  // The same opaque pairs on both sides, each with only its own references.
  std::map<std::string, std::string> joined;
  for (const auto& [pair, own] : seen_by_mlsp) joined[own] = seen_by_fwa.at(pair);
  EXPECT_EQ(joined, (std::map<std::string, std::string>{{"KZ-1", "GLAA-78"}, {"KZ-2", "GLAA-77"}}));

  // Locked once matched; analysts read but do not upload; outsiders see nothing.
  EXPECT_EQ(http.Send("PUT", url + "/clks", uk, fwa).status, 422);
  const std::map<std::string, std::string> analyst = {
      {"Authorization", "Bearer " + Bearer("fwa.analyst")}};
  EXPECT_EQ(http.Get(url + "/pairs", analyst).status, 200);
  EXPECT_EQ(http.Request("POST", url + "/match", "", analyst).status, 403);
  const std::map<std::string, std::string> mfa = {
      {"Authorization", "Bearer " + Bearer("mfa.desk")}};
  EXPECT_EQ(http.Get(url, mfa).status, 403);  // a foreign ministry has no part in linkage
  EXPECT_EQ(http.Send("POST", "/api/v1/linkage/projects",
                      {{"name", "x"}, {"partner_agency", "uk-fwa"}}, mfa)
                .status,
            403);
  EXPECT_EQ(http.Get("/api/v1/linkage/projects", fwa).Json()["projects"].size(), 1u);

  // Bad requests: a partner that is not the other labour agency, CLKs of another length, refs
  // that do not line up.
  EXPECT_EQ(http.Send("POST", "/api/v1/linkage/projects",
                      {{"name", "x"}, {"partner_agency", "kz-mlsp"}}, mlsp)
                .status,
            400);
  auto second = http.Send("POST", "/api/v1/linkage/projects",
                          {{"name", "Second"}, {"partner_agency", "uk-fwa"}}, mlsp)
                    .Json();
  const std::string url2 =
      "/api/v1/linkage/projects/" + std::to_string(second["id"].get<long long>());
  EXPECT_EQ(http.Send("PUT", url2 + "/clks", {{"clks", {"AAAA"}}}, mlsp).status, 422);
  json bad_refs = clk_file("kz");
  bad_refs["refs"] = {"only-one"};
  EXPECT_EQ(http.Send("PUT", url2 + "/clks", bad_refs, mlsp).status, 422);
  EXPECT_EQ(http.Send("PUT", url2 + "/clks", {{"clks", {"not base64!"}}}, mlsp).status, 400);

  // A case about MLSP's own record KZ-1 is referred to FWA with the pair's reference: each side
  // then sees its own record of the pair (GLAA-78 for FWA), and no names crossed.
  std::string pair_of_kz1;
  const json mlsp_pairs = http.Get(url + "/pairs", mlsp).Json();
  for (const auto& p : mlsp_pairs["pairs"]) {
    if (p["own_ref"] == "KZ-1") pair_of_kz1 = p["pair_ref"];
  }
  ASSERT_FALSE(pair_of_kz1.empty());
  auto opened = http.Send(
      "POST", "/api/v1/cases",
      {{"source", "officer"}, {"what_happened", "Recruitment debt reported by the family."}}, mlsp);
  ASSERT_EQ(opened.status, 201) << opened.body;
  const std::string refer_url =
      "/api/v1/cases/" + std::to_string(opened.Json()["id"].get<long long>()) + "/referrals";
  auto refer = [&](const std::string& pair_ref) {
    return http.Send("POST", refer_url,
                     {{"to_agency", "uk-fwa"},
                      {"purpose", "find the worker among FWA's records"},
                      {"legal_basis", "MoU 2025"},
                      {"consent", true},
                      {"fields", {"indicators", "what_happened"}},
                      {"pair_ref", pair_ref}},
                     mlsp);
  };
  EXPECT_EQ(refer("no-such-pair").status, 404);
  auto referred = refer(pair_of_kz1);
  ASSERT_EQ(referred.status, 201) << referred.body;
  EXPECT_EQ(referred.Json()["linkage"]["own_ref"], "KZ-1");
  const std::string referral_url = referred.Header("location");
  const json seen_by_partner = http.Get(referral_url, fwa).Json();
  EXPECT_EQ(seen_by_partner["linkage"]["pair_ref"], pair_of_kz1);
  EXPECT_EQ(seen_by_partner["linkage"]["own_ref"], "GLAA-78");
  EXPECT_FALSE(seen_by_partner["shared"].contains("worker_name"));
  EXPECT_EQ(seen_by_partner.dump().find("KZ-1"), std::string::npos);

  // Every step is in the audit trail, and the chain holds.
  db_->Read([&](store::Conn& c) {
    audit::Filter f;
    f.action = "linkage.*";
    f.limit = 1000;
    std::set<std::string> actions;
    for (const auto& e : audit::List(c, f)) actions.insert(e.action);
    EXPECT_EQ(actions, (std::set<std::string>{"linkage.project.create", "linkage.clks.upload",
                                              "linkage.match.start", "linkage.match.done",
                                              "linkage.pairs.read", "linkage.pair.read"}));
    return core::Status{};
  });
  EXPECT_TRUE(audit::Verify(*db_).ok);
}

// The worker registry: personal data goes in and comes out through the API, is found by IIN or
// passport through blind indexes, and is nowhere in the database in plaintext; a server without
// the key refuses personal data, one with the wrong key does not start, and rotation re-encrypts.
TEST_P(ServerTest, WorkerRegistryEncryptsPersonalData) {
  kenes::testing::TempDir dir;
  const std::string key = dir.path() + "/data.key", next_key = dir.path() + "/next.key";
  ASSERT_EQ(kenes::testing::RunKenes({"data-key", "create", "--output", key}).exit_code, 0);
  ASSERT_EQ(kenes::testing::RunKenes({"data-key", "create", "--output", next_key}).exit_code, 0);
  Start({}, {{"KENES_DATA_KEY_FILE", key}});
  Browser mlsp = SignIn("mlsp.officer");
  const json person = {{"given_name", "ZHANAR"},           {"family_name", "AKHMETOVA"},
                       {"given_name_cyrillic", "Жанар"},   {"family_name_cyrillic", "Ахметова"},
                       {"patronymic", "Қасымқызы"},        {"iin", "850315401231"},
                       {"passport_number", "n 1234 5678"}, {"phone", "+77011234567"},
                       {"visa_route", "seasonal"}};
  auto created = mlsp.http->Send("POST", "/api/v1/workers", person, mlsp.Headers());
  ASSERT_EQ(created.status, 201) << created.body;
  const json w = created.Json();
  EXPECT_EQ(w["date_of_birth"], "1985-03-15");  // from the IIN
  EXPECT_EQ(w["sex"], "f");
  EXPECT_EQ(w["passport_number"], "N12345678");
  const std::string url = "/api/v1/workers/" + std::to_string(w["id"].get<long long>());
  auto read = mlsp.http->Get(url, mlsp.Headers(false));
  ASSERT_EQ(read.status, 200) << read.body;
  EXPECT_EQ(read.Json()["family_name_cyrillic"], "Ахметова");
  EXPECT_EQ(read.Json()["phone"], "+77011234567");
  EXPECT_EQ(read.Json()["patronymic"], "Қасымқызы");

  // Exact look-up through the blind indexes, whatever the spacing or case.
  auto by_iin = mlsp.http->Get("/api/v1/workers?iin=8503%2015401231", mlsp.Headers(false));
  ASSERT_EQ(by_iin.status, 200) << by_iin.body;
  EXPECT_EQ(by_iin.Json()["items"].size(), 1u);
  auto by_passport = mlsp.http->Get("/api/v1/workers?passport=N12345678", mlsp.Headers(false));
  EXPECT_EQ(by_passport.Json()["items"].size(), 1u);
  EXPECT_EQ(mlsp.http->Get("/api/v1/workers?iin=061211600012", mlsp.Headers(false))
                .Json()["items"]
                .size(),
            0u);

  // Invalid IIN, and an IIN that contradicts the date of birth: 422.
  EXPECT_EQ(
      mlsp.http->Send("POST", "/api/v1/workers", {{"iin", "850315401232"}}, mlsp.Headers()).status,
      422);
  EXPECT_EQ(mlsp.http
                ->Send("POST", "/api/v1/workers",
                       {{"iin", "850315401231"}, {"date_of_birth", "1985-03-16"}}, mlsp.Headers())
                .status,
            422);
  // Another agency's officer does not see it; an auditor may not read personal data.
  Browser fwa = SignIn("fwa.officer");
  EXPECT_EQ(fwa.http->Get(url, fwa.Headers(false)).status, 404);
  EXPECT_EQ(
      fwa.http->Get("/api/v1/workers?iin=850315401231", fwa.Headers(false)).Json()["items"].size(),
      0u);
  Browser auditor = SignIn("mlsp.auditor");
  EXPECT_EQ(auditor.http->Get(url, auditor.Headers(false)).status, 403);

  // Nothing personal in plaintext: the raw SQLite files, or every column of the table as text.
  std::string raw;
  if (GetParam() == "sqlite") {
    const std::string path = tdb_->url().substr(std::string("sqlite:").size());
    for (const std::string& f : {path, path + "-wal"}) {
      std::ifstream in(f, std::ios::binary);
      raw += std::string(std::istreambuf_iterator<char>(in), {});
    }
    ASSERT_GT(raw.size(), 1000u);
  } else {
    db_->Read([&](store::Conn& c) {
      soci::rowset<soci::row> rows = c.sql().prepare << "SELECT * FROM workers";
      for (const auto& r : rows) {
        for (std::size_t i = 0; i < r.size(); ++i) raw += store::GetText(r, i) + "|";
      }
      return core::Status{};
    });
    ASSERT_FALSE(raw.empty());
  }
  for (const char* secret : {"850315401231", "12345678", "ZHANAR", "AKHMETOVA", "Ахметова", "Жанар",
                             "Қасымқызы", "77011234567", "1985-03-15"}) {
    EXPECT_EQ(raw.find(secret), std::string::npos) << "plaintext in the database: " << secret;
  }

  // Cases hold personal data under the same key: a report, a note, an attachment, a referral.
  HttpClient public_client(server_->port());
  ASSERT_EQ(public_client
                .Send("POST", "/api/v1/public/reports",
                      {{"language", "en"}, {"what_happened", "Passport kept by the supervisor."}})
                .status,
            201);
  Browser fwa_officer = SignIn("fwa.officer");
  const long long case_id =
      fwa_officer.http->Get("/api/v1/cases", fwa_officer.Headers(false)).Json()["items"][0]["id"];
  const std::string case_url = "/api/v1/cases/" + std::to_string(case_id);
  ASSERT_EQ(fwa_officer.http
                ->Send("POST", case_url + "/notes", {{"body", "Visit"}}, fwa_officer.Headers())
                .status,
            201);
  auto attach_headers = fwa_officer.Headers();
  attach_headers["Content-Type"] = "text/plain";
  ASSERT_EQ(fwa_officer.http
                ->Request("POST", case_url + "/attachments?name=a.txt", "statement", attach_headers)
                .status,
            201);
  auto referral = fwa_officer.http->Send(
      "POST", case_url + "/referrals",
      {{"to_agency", "kz-mlsp"}, {"purpose", "p"}, {"legal_basis", "MoU"}, {"consent", true}},
      fwa_officer.Headers());
  ASSERT_EQ(referral.status, 201) << referral.body;
  const std::string referral_url = referral.Header("location");

  // The wrong key stops a server at start; no key at all leaves the registry off (503).
  EXPECT_EQ(server_->Stop(), 0);
  const auto wrong = kenes::testing::RunKenes(
      {"serve", "--database", tdb_->url(), "--listen", "127.0.0.1:0", "--data-key-file", next_key});
  EXPECT_NE(wrong.exit_code, 0);
  EXPECT_NE(wrong.err.find("is not the one this database's personal data is sealed with"),
            std::string::npos)
      << wrong.err;
  Start();
  Browser again = SignIn("mlsp.officer");
  EXPECT_EQ(again.http->Get(url, again.Headers(false)).status, 503);
  EXPECT_EQ(server_->Stop(), 0);

  // Rotation re-encrypts everything; the new key then reads and finds the worker.
  const auto rotated =
      kenes::testing::RunKenes({"registry", "rotate-key", "--database", tdb_->url(),
                                "--data-key-file", key, "--new-key-file", next_key});
  ASSERT_EQ(rotated.exit_code, 0) << rotated.err;
  // Ten worker fields, and the report, the note, the attachment and the referral's snapshot.
  EXPECT_NE(rotated.out.find("re-encrypted 14 fields of 1 workers"), std::string::npos)
      << rotated.out;
  Start({}, {{"KENES_DATA_KEY_FILE", next_key}});
  Browser after = SignIn("mlsp.officer");
  EXPECT_EQ(after.http->Get(url, after.Headers(false)).Json()["family_name_cyrillic"], "Ахметова");
  EXPECT_EQ(after.http->Get("/api/v1/workers?passport=N12345678", after.Headers(false))
                .Json()["items"]
                .size(),
            1u);
  Browser fwa_after = SignIn("fwa.officer");
  const json rotated_case = fwa_after.http->Get(case_url, fwa_after.Headers(false)).Json();
  EXPECT_EQ(rotated_case["what_happened"], "Passport kept by the supervisor.");
  EXPECT_EQ(rotated_case["notes"][0]["body"], "Visit");
  EXPECT_EQ(fwa_after.http->Get(case_url + "/attachments/1", fwa_after.Headers(false)).body,
            "statement");
  EXPECT_EQ(fwa_after.http->Get(referral_url, fwa_after.Headers(false)).status, 200);
  EXPECT_TRUE(audit::Verify(*db_).ok);
}

// The MoU's core exchange: a worker reports in Russian without an account; a uk-fwa officer
// classifies the case and refers it with the minimal fields to kz-mlsp, whose officer sees those
// fields and nothing else, accepts and replies; every step is audited and the chain holds.
TEST_P(ServerTest, PublicReportBecomesACaseReferredToMlsp) {
  kenes::testing::TempDir dir;
  const std::string key = dir.path() + "/data.key";
  ASSERT_EQ(kenes::testing::RunKenes({"data-key", "create", "--output", key}).exit_code, 0);
  Start({}, {{"KENES_DATA_KEY_FILE", key}});
  HttpClient anonymous(server_->port());
  const json taxonomy = anonymous.Get("/api/v1/cases/taxonomy").Json();
  ASSERT_EQ(taxonomy["indicators"].size(), 11u);
  EXPECT_EQ(taxonomy["indicators"][6]["code"], "retention_of_documents");
  EXPECT_FALSE(taxonomy["categories"][0]["kk"].get<std::string>().empty());

  const json report = {{"language", "ru"},
                       {"what_happened",
                        "Меня зовут Айгерим Сейтова. Бригадир забрал паспорт и не платит за "
                        "последние три недели."},
                       {"categories", {"document_retention", "pay_below_minimum"}},
                       {"provider_name", "Berry Fields Ltd"},
                       {"location", "Herefordshire"},
                       {"contact", "+44 7700 900123"}};
  auto submitted = anonymous.Send("POST", "/api/v1/public/reports", report);
  ASSERT_EQ(submitted.status, 201) << submitted.body;
  const std::string reference = submitted.Json()["reference"], secret = submitted.Json()["secret"];
  EXPECT_EQ(
      anonymous.Get("/api/v1/public/reports/status?reference=" + reference + "&secret=" + secret)
          .Json()["status"],
      "received");
  EXPECT_EQ(
      anonymous.Get("/api/v1/public/reports/status?reference=" + reference + "&secret=x").status,
      404);

  // The uk-fwa officer finds the case, classifies it and triages it.
  Browser fwa = SignIn("fwa.officer");
  const json cases = fwa.http->Get("/api/v1/cases", fwa.Headers(false)).Json();
  ASSERT_EQ(cases["items"].size(), 1u) << cases.dump();
  const json opened = cases["items"][0];
  EXPECT_EQ(opened["language"], "ru");
  EXPECT_EQ(opened["status"], "new");
  EXPECT_EQ(opened["indicators"]["retention_of_documents"], "medium");  // suggested by category
  const std::string case_url = "/api/v1/cases/" + std::to_string(opened["id"].get<long long>());
  auto classified = fwa.http->Send(
      "PATCH", case_url,
      {{"status", "triaged"},
       {"worker_name", "Aigerim Seitova"},
       {"indicators", {{"retention_of_documents", "strong"}, {"withholding_wages", "strong"}}}},
      fwa.Headers());
  ASSERT_EQ(classified.status, 200) << classified.body;
  EXPECT_EQ(classified.Json()["risk"]["level"], "high");
  EXPECT_TRUE(classified.Json()["risk"]["escalate"]);
  // Bad input: an unknown indicator, a jump the workflow forbids, closing as an officer.
  EXPECT_EQ(
      fwa.http->Send("PATCH", case_url, {{"indicators", {{"slavery", "strong"}}}}, fwa.Headers())
          .status,
      400);
  EXPECT_EQ(fwa.http->Send("PATCH", case_url, {{"status", "action_taken"}}, fwa.Headers()).status,
            422);
  EXPECT_EQ(
      fwa.http
          ->Send("PATCH", case_url, {{"status", "closed"}, {"closed_reason", "x"}}, fwa.Headers())
          .status,
      403);

  // Referral with the minimal fields (the default), with the worker's consent.
  EXPECT_EQ(fwa.http
                ->Send("POST", case_url + "/referrals",
                       {{"to_agency", "kz-mlsp"},
                        {"purpose", "p"},
                        {"legal_basis", "MoU art. 3"},
                        {"consent", true},
                        {"fields", {"passport_scan"}}},
                       fwa.Headers())
                .status,
            400);
  EXPECT_EQ(fwa.http
                ->Send("POST", case_url + "/referrals",
                       {{"to_agency", "kz-mlsp"}, {"purpose", "p"}, {"legal_basis", "MoU"}},
                       fwa.Headers())
                .status,
            422);  // no consent and no supervisor's override
  auto referred = fwa.http->Send("POST", case_url + "/referrals",
                                 {{"to_agency", "kz-mlsp"},
                                  {"purpose", "Support the worker's return and recover wages"},
                                  {"legal_basis", "MoU MLSP-GLAA 2025, information exchange"},
                                  {"consent", true}},
                                 fwa.Headers());
  ASSERT_EQ(referred.status, 201) << referred.body;
  const std::string referral_url = referred.Header("location");

  // kz-mlsp sees exactly the minimal fields: no contact, no location, no case id.
  Browser mlsp = SignIn("mlsp.officer");
  auto seen = mlsp.http->Get(referral_url, mlsp.Headers(false));
  ASSERT_EQ(seen.status, 200) << seen.body;
  const json shared = seen.Json()["shared"];
  std::set<std::string> keys;
  for (const auto& [k, v] : shared.items()) keys.insert(k);
  EXPECT_EQ(keys, (std::set<std::string>{"worker_name", "date_of_birth", "provider_name",
                                         "indicators", "what_happened"}));
  EXPECT_EQ(shared["worker_name"], "Aigerim Seitova");
  EXPECT_EQ(shared["provider_name"], "Berry Fields Ltd");
  EXPECT_EQ(shared["indicators"]["withholding_wages"], "strong");
  EXPECT_FALSE(seen.Json().contains("case_id"));
  EXPECT_EQ(seen.body.find("+44 7700 900123"), std::string::npos);
  EXPECT_EQ(seen.body.find("Herefordshire"), std::string::npos);
  // Anything not shared answers 404: the case itself.
  EXPECT_EQ(mlsp.http->Get(case_url, mlsp.Headers(false)).status, 404);

  // kz-mlsp accepts and replies; the sender cannot accept its own referral.
  EXPECT_EQ(fwa.http->Send("POST", referral_url + "/respond", {{"action", "accept"}}, fwa.Headers())
                .status,
            403);
  auto accepted =
      mlsp.http->Send("POST", referral_url + "/respond", {{"action", "accept"}}, mlsp.Headers());
  ASSERT_EQ(accepted.status, 200) << accepted.body;
  EXPECT_EQ(accepted.Json()["status"], "accepted");
  auto replied = mlsp.http->Send(
      "POST", referral_url + "/messages",
      {{"body", "Семья работника найдена в Шымкенте; МТСЗН связалось с агентством по найму."}},
      mlsp.Headers());
  ASSERT_EQ(replied.status, 201) << replied.body;
  const json thread = fwa.http->Get(referral_url, fwa.Headers(false)).Json();
  ASSERT_EQ(thread["messages"].size(), 1u);
  EXPECT_EQ(thread["messages"][0]["from_agency"], "kz-mlsp");
  EXPECT_EQ(thread["case_id"], opened["id"]);  // the sender keeps its link to the case
  EXPECT_EQ(mlsp.http
                ->Send("POST", referral_url + "/messages", {{"body", "<script>x</script>"}},
                       mlsp.Headers())
                .status,
            400);

  // Public form: script in free text, unknown category; the honeypot looks accepted but keeps
  // nothing; a sixth report within the hour from one address is refused.
  json scripted = report;
  scripted["what_happened"] = "<script>alert(1)</script>";
  EXPECT_EQ(anonymous.Send("POST", "/api/v1/public/reports", scripted).status, 400);
  json unknown = report;
  unknown["categories"] = {"aliens"};
  EXPECT_EQ(anonymous.Send("POST", "/api/v1/public/reports", unknown).status, 400);
  json bot = report;
  bot["website"] = "http://spam.example";
  EXPECT_EQ(anonymous.Send("POST", "/api/v1/public/reports", bot).status, 201);
  EXPECT_EQ(fwa.http->Get("/api/v1/cases", fwa.Headers(false)).Json()["items"].size(), 1u);
  json plain = {{"language", "kk"}, {"what_happened", "Жалақы төленбеді."}};
  int refused = 0;
  for (int i = 0; i < 5; ++i) {
    refused += anonymous.Send("POST", "/api/v1/public/reports", plain).status == 429;
  }
  EXPECT_EQ(refused, 2);  // the first report, the bot's and three more fill the hour's five

  // The audit trail has every step, and the chain holds.
  db_->Read([&](store::Conn& c) {
    audit::Filter f;
    f.limit = 1000;
    std::set<std::string> actions;
    for (const auto& e : audit::List(c, f)) actions.insert(e.action);
    for (const char* a : {"case.public_report", "case.update", "referral.create", "referral.read",
                          "referral.accept", "referral.message"}) {
      EXPECT_EQ(actions.count(a), 1u) << a;
    }
    return core::Status{};
  });
  EXPECT_TRUE(audit::Verify(*db_).ok);
}

// Dashboards and exports: analysts get counts and a file without personal columns; officers get
// the personal columns too; a cell that a spreadsheet would run as a formula is neutralised.
TEST_P(ServerTest, CaseDashboardAndExportsRespectRoles) {
  kenes::testing::TempDir dir;
  const std::string key = dir.path() + "/data.key";
  ASSERT_EQ(kenes::testing::RunKenes({"data-key", "create", "--output", key}).exit_code, 0);
  Start({}, {{"KENES_DATA_KEY_FILE", key}});
  {
    core::AuthConfig config;
    config.password_cost = "min";
    auth::Accounts accounts(*db_, config, core::SystemClock());
    ASSERT_TRUE(accounts.CreateUser(
        auth::SystemPrincipal(), {"fwa.analyst", "", "uk-fwa", {"analyst"}, kPassword}, "setup"));
  }
  HttpClient anonymous(server_->port());
  for (const json& r : {json{{"language", "en"},
                             {"what_happened", "They kept my passport."},
                             {"categories", {"document_retention"}},
                             {"provider_name", "=HYPERLINK(\"http://evil.example\",\"click\")"},
                             {"contact", "worker@example.org"}},
                        json{{"language", "kk"},
                             {"what_happened", "Жалақы төленбеді."},
                             {"categories", {"pay_below_minimum"}},
                             {"provider_name", "Berry Fields Ltd"}}}) {
    ASSERT_EQ(anonymous.Send("POST", "/api/v1/public/reports", r).status, 201);
  }
  Browser analyst = SignIn("fwa.analyst");
  auto dashboard = analyst.http->Get("/api/v1/cases/dashboard", analyst.Headers(false));
  ASSERT_EQ(dashboard.status, 200) << dashboard.body;
  const json d = dashboard.Json();
  EXPECT_EQ(d["by_status"]["new"], 2);
  EXPECT_EQ(d["by_category"]["document_retention"], 1);
  EXPECT_EQ(d["by_indicator"]["retention_of_documents"], 1);
  ASSERT_EQ(d["providers"].size(), 2u);
  EXPECT_EQ(d["providers"][0]["risk_points"], 8);
  // Analysts see no case itself, and their export has no personal columns.
  EXPECT_EQ(analyst.http->Get("/api/v1/cases", analyst.Headers(false)).status, 403);
  auto analyst_csv = analyst.http->Get("/api/v1/cases/export?format=csv", analyst.Headers(false));
  ASSERT_EQ(analyst_csv.status, 200) << analyst_csv.body;
  EXPECT_EQ(analyst_csv.body.find("what_happened"), std::string::npos);
  EXPECT_EQ(analyst_csv.body.find("worker@example.org"), std::string::npos);
  EXPECT_EQ(analyst_csv.body.find("passport."), std::string::npos);
  // The formula is neutralised: it starts with an apostrophe inside its quoted field.
  EXPECT_NE(analyst_csv.body.find("\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"click\"\")\""),
            std::string::npos)
      << analyst_csv.body;

  Browser officer = SignIn("fwa.officer");
  auto officer_csv = officer.http->Get("/api/v1/cases/export?format=csv", officer.Headers(false));
  ASSERT_EQ(officer_csv.status, 200);
  EXPECT_NE(officer_csv.body.find("worker@example.org"), std::string::npos);
  EXPECT_NE(officer_csv.body.find("Жалақы төленбеді."), std::string::npos);
  auto xlsx = officer.http->Get("/api/v1/cases/export?format=xlsx", officer.Headers(false));
  ASSERT_EQ(xlsx.status, 200);
  EXPECT_EQ(xlsx.Header("content-type"),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
  EXPECT_EQ(xlsx.body.substr(0, 2), "PK");  // a zip container
  EXPECT_NE(xlsx.body.find("xl/worksheets/sheet1.xml"), std::string::npos);
  EXPECT_EQ(officer.http->Get("/api/v1/cases/export?format=pdf", officer.Headers(false)).status,
            400);
  // Another agency's view of the same exports is empty.
  Browser mlsp = SignIn("mlsp.officer");
  auto other = mlsp.http->Get("/api/v1/cases/dashboard", mlsp.Headers(false)).Json();
  EXPECT_TRUE(other["by_status"].empty());
}

// The provider register: a CSV import keeps each licence's history; "licensed on date D?" follows
// it; a register with one bad row imports nothing and names the row.
TEST_P(ServerTest, ProviderRegisterImportAndLicenceCheck) {
  Start();
  Browser fwa = SignIn("fwa.officer");
  auto headers = fwa.Headers();
  headers["Content-Type"] = "text/csv";
  const std::string first =
      "licence_number,name,status,effective_from,expires_on,sectors,principal_authority\n"
      "EARL0002,Earl Street Employment Consultants,licensed,2025-03-01,2026-02-28,"
      "agriculture;processing,J. Smith\n"
      "BERR0101,\"Berry Fields, Ltd\",licensed_with_conditions,2025-05-01,2026-04-30,"
      "agriculture,A. Jones\n";
  auto imported = fwa.http->Request("POST", "/api/v1/providers/import", first, headers);
  ASSERT_EQ(imported.status, 200) << imported.body;
  EXPECT_EQ(imported.Json()["created"], 2);
  // Later the licence is revoked; importing the same file again changes nothing.
  const std::string second =
      "licence_number,name,status,effective_from\n"
      "BERR0101,\"Berry Fields, Ltd\",revoked,2025-09-15\n";
  ASSERT_EQ(fwa.http->Request("POST", "/api/v1/providers/import", second, headers)
                .Json()["statuses_added"],
            1);
  EXPECT_EQ(fwa.http->Request("POST", "/api/v1/providers/import", second, headers)
                .Json()["statuses_added"],
            0);

  // Anyone signed in may read and check the register.
  Browser mlsp = SignIn("mlsp.auditor");
  auto check = [&](const std::string& licence, const std::string& date) {
    return mlsp.http
        ->Get("/api/v1/providers/check?licence=" + licence + "&date=" + date, mlsp.Headers(false))
        .Json();
  };
  EXPECT_EQ(check("BERR0101", "2025-06-01")["licensed"], true);
  EXPECT_EQ(check("BERR0101", "2025-06-01")["status"], "licensed_with_conditions");
  EXPECT_EQ(check("BERR0101", "2025-10-01")["licensed"], false);
  EXPECT_EQ(check("BERR0101", "2025-10-01")["status"], "revoked");
  EXPECT_EQ(check("BERR0101", "2025-01-01")["licensed"], false);  // before any licence
  EXPECT_EQ(check("EARL0002", "2026-02-28")["licensed"], true);
  EXPECT_EQ(check("EARL0002", "2026-03-01")["licensed"], false);  // expired
  EXPECT_EQ(
      mlsp.http
          ->Get("/api/v1/providers/check?licence=NONE0000&date=2025-06-01", mlsp.Headers(false))
          .status,
      404);
  EXPECT_EQ(
      mlsp.http
          ->Get("/api/v1/providers/check?licence=EARL0002&date=2025-02-30", mlsp.Headers(false))
          .status,
      400);
  const json found = mlsp.http->Get("/api/v1/providers?q=berry", mlsp.Headers(false)).Json();
  ASSERT_EQ(found["items"].size(), 1u);
  EXPECT_EQ(found["items"][0]["name"], "Berry Fields, Ltd");
  EXPECT_EQ(found["items"][0]["status"], "revoked");
  EXPECT_EQ(found["items"][0]["history"].size(), 2u);

  // One bad row: nothing imported, every problem named with its line.
  const std::string bad =
      "licence_number,name,status,effective_from\n"
      "NEWP0001,New Provider,licensed,2025-01-01\n"
      "NEWP0002,Other,pending,2025-01-01\n"
      "NEWP0003,Third,licensed,01/01/2025\n";
  auto rejected = fwa.http->Request("POST", "/api/v1/providers/import", bad, headers);
  EXPECT_EQ(rejected.status, 422);
  EXPECT_NE(rejected.body.find("line 3: status 'pending' is unknown"), std::string::npos)
      << rejected.body;
  EXPECT_NE(rejected.body.find("line 4: effective_from"), std::string::npos) << rejected.body;
  EXPECT_EQ(mlsp.http->Get("/api/v1/providers?q=NEWP", mlsp.Headers(false)).Json()["items"].size(),
            0u);
  // Only officers and supervisors change it.
  auto auditor_headers = mlsp.Headers();
  auditor_headers["Content-Type"] = "text/csv";
  EXPECT_EQ(mlsp.http->Request("POST", "/api/v1/providers/import", first, auditor_headers).status,
            403);
}

// Officers open cases themselves, about a worker in their registry; a second open case about the
// same provider or worker within 30 days is flagged as a possible duplicate; notes go on the
// timeline.
TEST_P(ServerTest, OfficerCasesFlagDuplicatesAndKeepNotes) {
  kenes::testing::TempDir dir;
  const std::string key = dir.path() + "/data.key";
  ASSERT_EQ(kenes::testing::RunKenes({"data-key", "create", "--output", key}).exit_code, 0);
  Start({}, {{"KENES_DATA_KEY_FILE", key}});
  Browser fwa = SignIn("fwa.officer");
  auto worker =
      fwa.http->Send("POST", "/api/v1/workers",
                     {{"given_name", "YERLAN"}, {"family_name", "OMAROV"}}, fwa.Headers());
  ASSERT_EQ(worker.status, 201) << worker.body;
  const long long worker_id = worker.Json()["id"];
  auto first = fwa.http->Send("POST", "/api/v1/cases",
                              {{"source", "hotline"},
                               {"what_happened", "Caller says 20 workers share one caravan."},
                               {"provider_name", "Berry Fields Ltd"},
                               {"categories", {"accommodation"}}},
                              fwa.Headers());
  ASSERT_EQ(first.status, 201) << first.body;
  EXPECT_TRUE(first.Json()["possible_duplicates"].empty());
  auto second = fwa.http->Send("POST", "/api/v1/cases",
                               {{"source", "officer"},
                                {"what_happened", "Inspection: no heating in caravans."},
                                {"worker_id", worker_id},
                                {"provider_name", "berry fields ltd"},
                                {"indicators", {{"abusive_conditions", "strong"}}}},
                               fwa.Headers());
  ASSERT_EQ(second.status, 201) << second.body;
  EXPECT_EQ(second.Json()["possible_duplicates"], json::array({first.Json()["id"]}));
  EXPECT_EQ(second.Json()["worker_id"], worker_id);
  EXPECT_EQ(second.Json()["risk"]["level"], "high");

  const std::string url = "/api/v1/cases/" + std::to_string(second.Json()["id"].get<long long>());
  auto noted =
      fwa.http->Send("POST", url + "/notes",
                     {{"body", "Called the scheme operator; visit booked."}}, fwa.Headers());
  ASSERT_EQ(noted.status, 201) << noted.body;
  EXPECT_EQ(noted.Json()["notes"][0]["body"], "Called the scheme operator; visit booked.");
  EXPECT_EQ(noted.Json()["timeline"].back()["kind"], "note");

  // Bad input and other agencies' workers.
  EXPECT_EQ(fwa.http
                ->Send("POST", "/api/v1/cases", {{"source", "rumour"}, {"what_happened", "x"}},
                       fwa.Headers())
                .status,
            400);
  Browser mlsp = SignIn("mlsp.officer");
  EXPECT_EQ(mlsp.http
                ->Send("POST", "/api/v1/cases",
                       {{"source", "officer"}, {"what_happened", "x"}, {"worker_id", worker_id}},
                       mlsp.Headers())
                .status,
            404);
  EXPECT_EQ(mlsp.http->Send("POST", url + "/notes", {{"body", "x"}}, mlsp.Headers()).status, 404);
}

// Attachments: the type comes from the bytes, executables and oversize files are refused, the
// content is stored once per hash (sealed) and comes back byte for byte.
TEST_P(ServerTest, CaseAttachmentsAreSniffedSealedAndDeduplicated) {
  kenes::testing::TempDir dir;
  const std::string key = dir.path() + "/data.key";
  ASSERT_EQ(kenes::testing::RunKenes({"data-key", "create", "--output", key}).exit_code, 0);
  Start({}, {{"KENES_DATA_KEY_FILE", key}});
  Browser fwa = SignIn("fwa.officer");
  auto opened = fwa.http->Send("POST", "/api/v1/cases",
                               {{"source", "officer"}, {"what_happened", "Payslips attached."}},
                               fwa.Headers());
  ASSERT_EQ(opened.status, 201) << opened.body;
  const std::string url = "/api/v1/cases/" + std::to_string(opened.Json()["id"].get<long long>());
  std::string png("\x89PNG\r\n\x1a\n", 8);
  png += std::string("\0\0\0\rIHDR payslip photo", 20);
  auto headers = fwa.Headers();
  headers["Content-Type"] = "application/octet-stream";
  auto first = fwa.http->Request("POST", url + "/attachments?name=payslip.png", png, headers);
  ASSERT_EQ(first.status, 201) << first.body;
  EXPECT_EQ(first.Json()["attachments"][0]["media_type"], "image/png");
  // The same bytes under another name: a second attachment, one stored copy.
  ASSERT_EQ(fwa.http->Request("POST", url + "/attachments?name=again.png", png, headers).status,
            201);
  const std::string text = "Employer: Berry Fields Ltd\nHours: 32\n";
  ASSERT_EQ(fwa.http->Request("POST", url + "/attachments?name=notes.txt", text, headers).status,
            201);
  db_->Read([&](store::Conn& c) {
    long long blobs = 0;
    c.sql() << "SELECT COUNT(*) FROM attachment_blobs", soci::into(blobs);
    EXPECT_EQ(blobs, 2);
    std::string stored;
    c.sql() << "SELECT content FROM attachment_blobs WHERE content LIKE '%Berry%'",
        soci::into(stored);
    EXPECT_FALSE(c.sql().got_data()) << "attachment text stored in plaintext";
    return core::Status{};
  });
  auto back = fwa.http->Get(url + "/attachments/1", fwa.Headers(false));
  ASSERT_EQ(back.status, 200);
  EXPECT_EQ(back.body, png);
  EXPECT_EQ(back.Header("content-type"), "image/png");
  EXPECT_EQ(fwa.http->Get(url + "/attachments/3", fwa.Headers(false)).body, text);
  EXPECT_EQ(fwa.http->Get(url + "/attachments/9", fwa.Headers(false)).status, 404);

  // An executable, an empty file, a path for a name, more than 10 MiB.
  EXPECT_EQ(fwa.http
                ->Request("POST", url + "/attachments?name=run.exe",
                          std::string("\x7f"
                                      "ELF\x02\x01\x01\0",
                                      8),
                          headers)
                .status,
            415);
  EXPECT_EQ(fwa.http->Request("POST", url + "/attachments?name=empty.txt", "", headers).status,
            400);
  EXPECT_EQ(fwa.http->Request("POST", url + "/attachments?name=..%2Fx.txt", text, headers).status,
            400);
  EXPECT_EQ(fwa.http
                ->Request("POST", url + "/attachments?name=big.txt",
                          std::string((10 << 20) + 1, 'a'), headers)
                .status,
            400);
  // Another agency sees none of it.
  Browser mlsp = SignIn("mlsp.officer");
  EXPECT_EQ(mlsp.http->Get(url + "/attachments/1", mlsp.Headers(false)).status, 404);
}

// Every case, referral, registry and provider endpoint × every role × every agency, against the
// permissions the issue states: officers and supervisors work their agency's cases (and
// referrals shared with it); analysts see aggregates only; auditors the audit log; the provider
// register is readable by all. Another agency's record is 404, a role without the right 403.
TEST_P(ServerTest, CaseEndpointsWalkEveryRoleAndAgency) {
  kenes::testing::TempDir dir;
  const std::string key = dir.path() + "/data.key";
  ASSERT_EQ(kenes::testing::RunKenes({"data-key", "create", "--output", key}).exit_code, 0);
  Start({}, {{"KENES_DATA_KEY_FILE", key}});
  const std::vector<std::string> roles = {"admin",   "supervisor", "officer",
                                          "analyst", "auditor",    "viewer"};
  const std::vector<std::string> agencies = {"kz-mlsp", "uk-fwa", "kz-mfa", "uk-fcdo"};
  {
    core::AuthConfig config;
    config.password_cost = "min";
    auth::Accounts accounts(*db_, config, core::SystemClock());
    for (const auto& a : agencies) {
      for (const auto& r : roles) {
        ASSERT_TRUE(accounts.CreateUser(auth::SystemPrincipal(),
                                        {"walk." + a + "." + r, "", a, {r}, kPassword}, "setup"));
      }
    }
  }
  HttpClient http(server_->port());
  ASSERT_EQ(http.Send("POST", "/api/v1/public/reports",
                      {{"language", "ru"}, {"what_happened", "Не платят зарплату."}})
                .status,
            201);
  const std::map<std::string, std::string> fwa = {
      {"Authorization", "Bearer " + Bearer("fwa.officer")}};
  const long long case_id = http.Get("/api/v1/cases", fwa).Json()["items"][0]["id"];
  const std::string case_url = "/api/v1/cases/" + std::to_string(case_id);
  auto referral = http.Send(
      "POST", case_url + "/referrals",
      {{"to_agency", "kz-mlsp"}, {"purpose", "p"}, {"legal_basis", "MoU"}, {"consent", true}}, fwa);
  ASSERT_EQ(referral.status, 201) << referral.body;
  const std::string referral_url = referral.Header("location");

  struct Endpoint {
    std::string method, target, body, content_type;
    // Expected status for (role, agency).
    std::function<int(const std::string&, const std::string&)> expect;
  };
  // The foreign ministries' roles do not reach the labour-rights work: 403 whatever the role.
  auto labour = [](const std::string& a) { return a == "kz-mlsp" || a == "uk-fwa"; };
  auto role_works = [](const std::string& r) { return r == "officer" || r == "supervisor"; };
  auto own_case = [&](int ok) {
    return [=](const std::string& r, const std::string& a) {
      return !role_works(r) || !labour(a) ? 403 : a == "uk-fwa" ? ok : 404;
    };
  };
  const std::string register_csv =
      "licence_number,name,status,effective_from\nWALK0001,Walk Ltd,licensed,2025-01-01\n";
  const std::vector<Endpoint> endpoints = {
      {"GET", "/api/v1/cases", "", "",
       [&](const std::string& r, const std::string& a) {
         return role_works(r) && labour(a) ? 200 : 403;
       }},
      {"GET", case_url, "", "", own_case(200)},
      {"PATCH", case_url, R"({"categories": ["pay_below_minimum"]})", "application/json",
       own_case(200)},
      {"POST", case_url + "/notes", R"({"body": "checked"})", "application/json", own_case(201)},
      {"GET", "/api/v1/cases/dashboard", "", "",
       [&](const std::string& r, const std::string& a) {
         return (role_works(r) || r == "analyst") && labour(a) ? 200 : 403;
       }},
      {"GET", "/api/v1/cases/export?format=csv", "", "",
       [&](const std::string& r, const std::string& a) {
         return (role_works(r) || r == "analyst") && labour(a) ? 200 : 403;
       }},
      {"GET", referral_url, "", "",
       [&](const std::string& r, const std::string& a) {
         return role_works(r) && labour(a) ? 200 : 403;
       }},
      {"GET", "/api/v1/workers", "", "",
       [&](const std::string& r, const std::string& a) {
         return role_works(r) && labour(a) ? 200 : 403;
       }},
      {"GET", "/api/v1/providers", "", "",
       [](const std::string&, const std::string&) { return 200; }},
      {"POST", "/api/v1/providers/import", register_csv, "text/csv",
       [&](const std::string& r, const std::string& a) {
         return role_works(r) && labour(a) ? 200 : 403;
       }},
      {"GET", "/api/v1/linkage/projects", "", "",
       [&](const std::string& r, const std::string& a) {
         return r == "admin" || r == "viewer" || !labour(a) ? 403 : 200;
       }},
  };
  int checked = 0;
  for (const auto& a : agencies) {
    for (const auto& r : roles) {
      const std::string token = Bearer("walk." + a + "." + r);
      for (const Endpoint& e : endpoints) {
        std::map<std::string, std::string> headers = {{"Authorization", "Bearer " + token}};
        if (!e.content_type.empty()) headers["Content-Type"] = e.content_type;
        const auto got = http.Request(e.method, e.target, e.body, headers);
        EXPECT_EQ(got.status, e.expect(r, a))
            << e.method << " " << e.target << " as " << r << " of " << a << ": " << got.body;
        ++checked;
      }
    }
  }
  EXPECT_EQ(checked, 11 * 24);
}

// A payroll violation opens a case with its category and provider; a warning does not.
TEST_P(ServerTest, PayrollViolationOpensACase) {
  kenes::testing::TempDir dir;
  const std::string key = dir.path() + "/data.key";
  ASSERT_EQ(kenes::testing::RunKenes({"data-key", "create", "--output", key}).exit_code, 0);
  Start({}, {{"KENES_DATA_KEY_FILE", key}});
  const std::map<std::string, std::string> auth = {
      {"Authorization", "Bearer " + Bearer("fwa.officer")}};
  HttpClient http(server_->port());
  auto headers = auth;
  headers["Content-Type"] = "text/csv";
  const std::string csv =
      "worker_ref,date_of_birth,period_start,period_end,hours_worked,gross_pay,"
      "accommodation_days,accommodation_charge,provider_ref\n"
      "KZ-1,1977-05-01,2022-12-01,2022-12-08,35,250.00,,,P-77\n"
      "KZ-2,1990-01-01,2025-06-02,2025-06-08,40,600.00,7,150.00,P-78\n";
  auto check = http.Request("POST", "/api/v1/payroll/checks?as_of=2023-04-15", csv, headers);
  ASSERT_EQ(check.status, 201) << check.body;
  const std::string url =
      "/api/v1/payroll/checks/" + std::to_string(check.Json()["id"].get<long long>());
  const json findings = http.Get(url + "/findings", auth).Json()["findings"];
  ASSERT_EQ(findings.size(), 2u) << findings.dump();
  const json& violation = findings[0]["severity"] == "violation" ? findings[0] : findings[1];
  const json& warning = findings[0]["severity"] == "violation" ? findings[1] : findings[0];
  auto opened = http.Request(
      "POST", url + "/findings/" + std::to_string(violation["seq"].get<long long>()) + "/case", "",
      auth);
  ASSERT_EQ(opened.status, 201) << opened.body;
  EXPECT_EQ(opened.Json()["source"], "payroll_finding");
  EXPECT_EQ(opened.Json()["provider_name"], "P-77");
  EXPECT_EQ(opened.Json()["categories"], json::array({"pay_below_minimum"}));
  EXPECT_NE(opened.Json()["what_happened"].get<std::string>().find("worker KZ-1"),
            std::string::npos);
  EXPECT_EQ(
      http.Request("POST",
                   url + "/findings/" + std::to_string(warning["seq"].get<long long>()) + "/case",
                   "", auth)
          .status,
      422);
  EXPECT_EQ(http.Request("POST", url + "/findings/99/case", "", auth).status, 404);
}

INSTANTIATE_TEST_SUITE_P(Backends, ServerTest, ::testing::ValuesIn(kenes::testing::BackendNames()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace kenes::api
