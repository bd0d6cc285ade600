#include "api/static_files.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "testing/test_database.h"

namespace kenes::api {
namespace {

class StaticFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    namespace fs = std::filesystem;
    root_ = tmp_.path() + "/dist";
    fs::create_directories(root_ + "/assets");
    std::ofstream(root_ + "/index.html") << "<!doctype html><title>Kenes</title>";
    std::ofstream(root_ + "/report.html") << "<!doctype html><title>Report</title>";
    std::ofstream(root_ + "/assets/app-1a2b.js") << "console.log(1)";
    std::ofstream(root_ + "/.env") << "SECRET=1";
    std::ofstream(tmp_.path() + "/secret.txt") << "top secret";
    fs::create_symlink(tmp_.path() + "/secret.txt", root_ + "/link.txt");
  }
  kenes::testing::TempDir tmp_;
  std::string root_;
};

TEST_F(StaticFilesTest, ServesFilesWithTypesAndCaching) {
  StaticFiles files(root_);
  auto index = files.Serve("/");
  ASSERT_TRUE(index.has_value());
  EXPECT_EQ(index->Get("Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(index->Get("Cache-Control"), "no-cache");
  auto js = files.Serve("/assets/app-1a2b.js");
  ASSERT_TRUE(js.has_value());
  EXPECT_EQ(js->body, "console.log(1)");
  EXPECT_EQ(js->Get("Cache-Control"), "public, max-age=31536000, immutable");
  // A client-side route falls back to the console; a missing asset does not.
  ASSERT_TRUE(files.Serve("/cases/42").has_value());
  EXPECT_EQ(files.Serve("/cases/42")->body, index->body);
  EXPECT_FALSE(files.Serve("/assets/missing.js").has_value());
}

TEST_F(StaticFilesTest, AnEntryPointServesItsOwnRoutes) {
  StaticFiles files(root_);
  for (const char* path : {"/report", "/report/", "/report/status"}) {
    auto r = files.Serve(path);
    ASSERT_TRUE(r.has_value()) << path;
    EXPECT_EQ(r->body, "<!doctype html><title>Report</title>") << path;
  }
  // Only the first segment names an entry point; other routes stay with the console.
  EXPECT_EQ(files.Serve("/cases/report")->body, "<!doctype html><title>Kenes</title>");
  EXPECT_EQ(files.Serve("/reports")->body, "<!doctype html><title>Kenes</title>");
}

TEST_F(StaticFilesTest, NothingOutsideTheRootOrHidden) {
  StaticFiles files(root_);
  for (const char* path : {"/../secret.txt", "/assets/../../secret.txt", "/./index.html", "/.env",
                           "/link.txt", "/..\\secret.txt", "/assets/..", "//etc/passwd"}) {
    auto r = files.Serve(path);
    if (r) {
      EXPECT_EQ(r->body.find("secret"), std::string::npos) << path;
      EXPECT_EQ(r->body.find("SECRET"), std::string::npos) << path;
      EXPECT_EQ(r->body.find("root:"), std::string::npos) << path;
    }
  }
  EXPECT_FALSE(files.Serve("/../secret.txt").has_value());
  EXPECT_FALSE(files.Serve("/link.txt").has_value());
  EXPECT_FALSE(files.Serve("/.env").has_value());
}

TEST_F(StaticFilesTest, MissingRootServesNothing) {
  StaticFiles files(tmp_.path() + "/nope");
  EXPECT_FALSE(files.Serve("/").has_value());
}

}  // namespace
}  // namespace kenes::api
