#include "core/config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

namespace kenes::core {
namespace {

EnvLookup Env(std::map<std::string, std::string> vars) {
  return [vars](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

std::string WriteFile(const std::string& text) {
  const auto path =
      std::filesystem::temp_directory_path() /
      ("kenes_config_test_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
       "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".toml");
  std::ofstream(path) << text;
  return path.string();
}

TEST(ConfigTest, DefaultsWithoutFileOrEnvironment) {
  auto c = LoadConfig("", Env({}));
  ASSERT_TRUE(c.has_value()) << c.error().message;
  EXPECT_EQ(c->database.url, "sqlite:var/kenes.db");
  EXPECT_EQ(c->server.listen, "127.0.0.1:8080");
  EXPECT_EQ(c->server.threads, 2);
}

TEST(ConfigTest, FileThenEnvironmentOverride) {
  const auto path = WriteFile(
      "[server]\nthreads = 4\nlisten = \"127.0.0.1:9000\"\n[auth]\npassword_cost = \"min\"\n");
  auto c = LoadConfig(
      path, Env({{"KENES_SERVER_THREADS", "3"}, {"KENES_DATABASE_URL", "postgresql://u@h/db"}}));
  ASSERT_TRUE(c.has_value()) << c.error().message;
  EXPECT_EQ(c->server.threads, 3);
  EXPECT_EQ(c->server.listen, "127.0.0.1:9000");
  EXPECT_EQ(c->auth.password_cost, "min");
  EXPECT_EQ(c->database.url, "postgresql://u@h/db");
}

TEST(ConfigTest, ReportsEveryProblemWithItsSource) {
  const auto path =
      WriteFile("[server]\nthreads = \"many\"\nbogus = 1\n[auth]\npassword_cost = \"cheap\"\n");
  auto c = LoadConfig(
      path, Env({{"KENES_SERVER_MAX_BODY_BYTES", "12x"}, {"KENES_DATABASE_URL", "mysql://x"}}));
  ASSERT_FALSE(c.has_value());
  const std::string& m = c.error().message;
  EXPECT_NE(m.find(path + ":2: server.threads: must be an integer"), std::string::npos) << m;
  EXPECT_NE(m.find(path + ":3: server.bogus: unknown key"), std::string::npos) << m;
  EXPECT_NE(m.find("auth.password_cost: must be one of interactive, moderate, min"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("KENES_SERVER_MAX_BODY_BYTES: '12x' is not an integer"), std::string::npos) << m;
  EXPECT_NE(m.find("KENES_DATABASE_URL: must start with"), std::string::npos) << m;
}

TEST(ConfigTest, SyntaxErrorNamesFileAndLine) {
  const auto path = WriteFile("[server]\nthreads = 2\nlisten = \n");
  auto c = LoadConfig(path, Env({}));
  ASSERT_FALSE(c.has_value());
  EXPECT_EQ(c.error().message.rfind(path + ":3:", 0), 0u) << c.error().message;
}

TEST(ConfigTest, RangeChecked) {
  auto c = LoadConfig("", Env({{"KENES_SERVER_THREADS", "0"}}));
  ASSERT_FALSE(c.has_value());
  EXPECT_NE(c.error().message.find("must be between 1 and 256"), std::string::npos);
}

TEST(ConfigTest, TheExampleFileLoadsAndStatesTheDefaults) {
  auto c = LoadConfig(std::string(KENES_SOURCE_DIR) + "/config/kenes.example.toml", Env({}));
  ASSERT_TRUE(c.has_value()) << c.error().message;
  const Config defaults;
  EXPECT_EQ(c->database.url, defaults.database.url);
  EXPECT_EQ(c->server.max_body_bytes, defaults.server.max_body_bytes);
  EXPECT_EQ(c->server.access_log, defaults.server.access_log);
  EXPECT_EQ(c->auth.password_cost, defaults.auth.password_cost);
  EXPECT_EQ(c->auth.failure_window_minutes, defaults.auth.failure_window_minutes);
}

TEST(ConfigTest, MissingFileIsAnError) {
  auto c = LoadConfig("/nonexistent/kenes.toml", Env({}));
  ASSERT_FALSE(c.has_value());
  EXPECT_NE(c.error().message.find("cannot open"), std::string::npos);
}

}  // namespace
}  // namespace kenes::core
