// Black-box tests of the dialogue routes on the real server, on SQLite and PostgreSQL.
#include "api/server_fixture.h"

namespace kenes::api {
namespace {

TEST_P(ServerTest, DialogueRoutesNeedASession) {
  Start();
  HttpClient http(server_->port());
  EXPECT_EQ(http.Get("/api/v1/dialogue/x").status, 401);
}

INSTANTIATE_TEST_SUITE_P(Backends, ServerTest, ::testing::ValuesIn(kenes::testing::BackendNames()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace kenes::api
