// The OpenAPI document and the router must describe the same routes, method by method.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>

#include "api/api.h"
#include "testing/test_database.h"

namespace kenes::api {
namespace {

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

TEST(OpenApiTest, DocumentAndRouterAgree) {
  const auto doc = nlohmann::json::parse(Api::OpenApiDocument());
  EXPECT_EQ(doc.at("openapi"), "3.1.0");
  kenes::testing::TestDatabase tdb("sqlite");
  auto db = tdb.Open(1);
  core::Config config;
  auth::Accounts accounts(*db, config.auth, core::SystemClock());
  AccessLog log("off");
  payroll::PayrollService payroll(*db, core::SystemClock());
  linkage::LinkageService linkage(*db, core::SystemClock());
  registry::RegistryService registry(*db, core::SystemClock(), nullptr);
  cases::CasesService cases(*db, core::SystemClock(), nullptr);
  dialogue::DialogueService dialogue(*db, core::SystemClock());
  library::LibraryService library(*db, core::SystemClock());
  search::SearchService search(*db);
  Api api(config, *db, accounts, {payroll, linkage, registry, cases, dialogue, library, search},
          core::SystemClock(), log);

  std::set<std::pair<std::string, std::string>> routed;
  for (const auto& [method, pattern] : api.Routes()) {
    routed.emplace(Lower(method), pattern);
    EXPECT_TRUE(doc["paths"].contains(pattern))
        << "route missing from openapi.json: " << method << " " << pattern;
    if (doc["paths"].contains(pattern)) {
      EXPECT_TRUE(doc["paths"][pattern].contains(Lower(method)))
          << "method missing from openapi.json: " << method << " " << pattern;
    }
  }
  for (const auto& [path, item] : doc["paths"].items()) {
    for (const auto& [method, op] : item.items()) {
      EXPECT_TRUE(routed.count({method, path}))
          << "documented but not routed: " << method << " " << path;
      EXPECT_TRUE(op.contains("summary") && op.contains("responses")) << method << " " << path;
      // Every path parameter in the template is declared.
      for (size_t open = path.find('{'); open != std::string::npos;
           open = path.find('{', open + 1)) {
        const std::string name = path.substr(open + 1, path.find('}', open) - open - 1);
        bool declared = false;
        for (const auto& p : op.value("parameters", nlohmann::json::array())) {
          declared |= p.value("name", "") == name && p.value("in", "") == "path";
        }
        EXPECT_TRUE(declared) << method << " " << path << " does not declare {" << name << "}";
      }
    }
  }
}

}  // namespace
}  // namespace kenes::api
