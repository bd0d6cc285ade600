// The /api/v1 surface: routing, authentication (session cookie + CSRF, or bearer token),
// request ids, problem+json errors, security headers, the access log, static files for the web
// console, health checks and the OpenAPI document. Handlers parse, call a service and render;
// rules live in the services. Thread-safe: Handle may run on many threads at once.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "api/access_log.h"
#include "api/http_types.h"
#include "api/router.h"
#include "api/static_files.h"
#include "auth/accounts.h"
#include "cases/cases_service.h"
#include "core/clock.h"
#include "core/config.h"
#include "dialogue/dialogue_service.h"
#include "library/library_service.h"
#include "linkage/linkage_service.h"
#include "payroll/payroll_service.h"
#include "registry/organisations.h"
#include "registry/providers.h"
#include "registry/registry_service.h"
#include "search/search_index.h"
#include "store/database.h"

namespace kenes::api {

// What a handler sees of one request.
struct RequestContext {
  const HttpRequest& request;
  std::string path;  // percent-decoded
  std::string request_id;
  std::map<std::string, std::string> params;  // path parameters
  std::optional<auth::Principal> principal;

  // The signed-in principal. REQUIRES: the route requires authentication.
  const auth::Principal& who() const { return *principal; }
  // A path parameter that must be a positive integer id; anything else is a 404.
  long long IdParam(const std::string& name) const;
  // A decoded query parameter; throws a 400 Failure for malformed encoding.
  std::optional<std::string> Query(const std::string& name) const;
  // A query parameter that must be an integer in [lo, hi]; throws a 400 Failure otherwise.
  std::optional<long long> QueryInt(const std::string& name, long long lo, long long hi) const;
};

class Api {
 public:
  using Handler = std::function<HttpResponse(RequestContext&)>;

  // The module services the routes call.
  struct Services {
    payroll::PayrollService& payroll;
    linkage::LinkageService& linkage;
    registry::RegistryService& registry;
    cases::CasesService& cases;
    dialogue::DialogueService& dialogue;
    library::LibraryService& library;
    search::SearchService& search;
  };

  // REQUIRES: every reference outlives this object.
  Api(const core::Config& config, store::Database& db, auth::Accounts& accounts,
      const Services& services, const core::Clock& clock, AccessLog& access_log);

  HttpResponse Handle(HttpRequest& request);
  // Renders errors the HTTP server finds before a request is whole (413, 431, 400, 503).
  HttpResponse RenderServerError(int status, const std::string& slug, const std::string& detail);

  // Set while the server drains: /readyz then answers 503.
  void SetDraining(bool draining) { draining_ = draining; }

  // Every (method, path template) the router serves, for the OpenAPI check.
  std::vector<std::pair<std::string, std::string>> Routes() const;

  static const std::string& OpenApiDocument();
  // The routes that take bulk uploads (server.max_upload_bytes instead of max_body_bytes).
  static bool IsBulkUpload(std::string_view method, std::string_view target);
  static constexpr const char* kSessionCookie = "kenes_session";

 private:
  struct Route {
    Handler handler;
    bool needs_auth = true;
  };
  void Add(const std::string& method, const std::string& pattern, Handler handler,
           bool needs_auth = true);
  void AddRoutes();
  void AddPayrollRoutes();
  void AddLinkageRoutes();
  void AddRegistryRoutes();
  void AddCaseRoutes();
  void AddOrganisationRoutes();  // organisation_routes.cc
  void AddDialogueRoutes();      // dialogue_routes.cc
  void AddLibraryRoutes();       // library_routes.cc
  void AddSearchRoutes();        // library_routes.cc
  HttpResponse Dispatch(RequestContext& ctx, std::string& route_name);
  void Secure(HttpResponse& response, bool api) const;
  std::string SessionCookie(const std::string& token, int max_age_seconds) const;

  const core::Config& config_;
  store::Database& db_;
  auth::Accounts& accounts_;
  payroll::PayrollService& payroll_;
  linkage::LinkageService& linkage_;
  registry::RegistryService& registry_;
  cases::CasesService& cases_;
  dialogue::DialogueService& dialogue_;
  library::LibraryService& library_;
  search::SearchService& search_;
  registry::ProviderRegister providers_;
  registry::OrganisationRegister organisations_;
  const core::Clock& clock_;
  AccessLog& access_log_;
  StaticFiles static_files_;
  Router<Route> router_;
  std::atomic<bool> draining_{false};
};

}  // namespace kenes::api
