#include "api/json_body.h"

#include <gtest/gtest.h>

#include "core/error.h"

namespace kenes::api {
namespace {

HttpRequest Req(std::string body, std::string type = "application/json") {
  HttpRequest r;
  r.method = "POST";
  r.target = "/";
  if (!type.empty()) r.headers.emplace_back("content-type", type);
  r.body = std::move(body);
  return r;
}

// The error slug of parsing and reading `body` with the standard accessors.
std::string Slug(const std::string& body, const std::string& type = "application/json") {
  try {
    auto b = JsonBody::Parse(Req(body, type));
    (void)b.RequiredString("name", 10);
    (void)b.OptionalInt("n", 0, 100);
    (void)b.OptionalBool("flag");
    (void)b.OptionalStringArray("tags", 3, 5);
    b.Finish();
    return "ok";
  } catch (const core::Failure& f) {
    return f.error().type;
  }
}

TEST(JsonBodyTest, TableOfBodies) {
  const std::pair<const char*, const char*> cases[] = {
      {R"({"name":"x"})", "ok"},
      {R"({"name":"x","n":5,"flag":true,"tags":["a","b"]})", "ok"},
      {R"({"name":"x","n":null})", "ok"},
      {R"({"name":"x")", "malformed-json"},
      {"", "malformed-json"},
      {R"(["name"])", "invalid-body"},
      {R"("name")", "invalid-body"},
      {"{\"name\":\"\xC3\x28\"}", "invalid-utf8"},
      {R"({"n":5})", "missing-field"},
      {R"({"name":5})", "invalid-field"},
      {R"({"name":"x","n":"5"})", "invalid-field"},
      {R"({"name":"x","n":5.5})", "invalid-field"},
      {R"({"name":"x","n":101})", "invalid-field"},
      {R"({"name":"x","n":-1})", "invalid-field"},
      {R"({"name":"x","n":18446744073709551615})", "invalid-field"},
      {R"({"name":"x","flag":"true"})", "invalid-field"},
      {R"({"name":"x","tags":"a"})", "invalid-field"},
      {R"({"name":"x","tags":["a","b","c","d"]})", "invalid-field"},
      {R"({"name":"x","tags":["toolong"]})", "invalid-field"},
      {R"({"name":"x","tags":[1]})", "invalid-field"},
      {R"({"name":"01234567890"})", "invalid-field"},
      {R"({"name":"a\u0000b"})", "invalid-field"},
      {R"({"name":"x","admin":true})", "unknown-field"},
      {R"({"name":"'; DROP TABLE users; --"})", "invalid-field"},
      {R"({"name":"'; DROP"})", "ok"},
  };
  for (const auto& [body, want] : cases) EXPECT_EQ(Slug(body), want) << body;
}

TEST(JsonBodyTest, ContentTypeIsChecked) {
  EXPECT_EQ(Slug(R"({"name":"x"})", "application/json; charset=utf-8"), "ok");
  EXPECT_EQ(Slug(R"({"name":"x"})", "Application/JSON"), "ok");
  EXPECT_EQ(Slug(R"({"name":"x"})", "text/plain"), "unsupported-media-type");
  EXPECT_EQ(Slug(R"({"name":"x"})", ""), "unsupported-media-type");
  try {
    (void)JsonBody::Parse(Req("{}", "text/plain"));
    FAIL();
  } catch (const core::Failure& f) {
    EXPECT_EQ(f.error().code, core::ErrorCode::kUnsupportedMedia);
  }
}

TEST(JsonBodyTest, ErrorsNeverEchoTheBody) {
  try {
    (void)JsonBody::Parse(Req(R"({"password":"hunter2-secret)"));
    FAIL();
  } catch (const core::Failure& f) {
    EXPECT_EQ(std::string(f.what()).find("hunter2"), std::string::npos) << f.what();
  }
}

}  // namespace
}  // namespace kenes::api
