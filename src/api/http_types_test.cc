#include "api/http_types.h"

#include <gtest/gtest.h>

#include "core/utf8.h"

namespace kenes::api {
namespace {

TEST(HttpTypesTest, PercentDecode) {
  EXPECT_EQ(PercentDecode("/a%20b", false), "/a b");
  EXPECT_EQ(PercentDecode("a+b", false), "a+b");
  EXPECT_EQ(PercentDecode("a+b", true), "a b");
  EXPECT_EQ(PercentDecode("%D2%9A%D0%B0%D0%B7", false), "Қаз");
  for (const char* bad : {"%", "%2", "%zz", "%00", "a%0", "%C3%28", "%ED%A0%80", "%C0%AF"}) {
    EXPECT_FALSE(PercentDecode(bad, false).has_value()) << bad;
  }
}

TEST(HttpTypesTest, Utf8Validation) {
  EXPECT_TRUE(core::IsValidUtf8("plain"));
  EXPECT_TRUE(core::IsValidUtf8("Нұрсұлтан Äbişūly 🙂"));
  EXPECT_FALSE(core::IsValidUtf8("\xC3\x28"));          // bad continuation
  EXPECT_FALSE(core::IsValidUtf8("\xE0\x80\xAF"));      // overlong
  EXPECT_FALSE(core::IsValidUtf8("\xED\xA0\x80"));      // surrogate
  EXPECT_FALSE(core::IsValidUtf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(core::IsValidUtf8("\xFF"));
  EXPECT_FALSE(core::IsValidUtf8("\xE2\x82"));  // truncated
}

TEST(HttpTypesTest, HeadersAreCaseInsensitiveOnResponses) {
  HttpResponse r;
  r.Set("Content-Type", "a");
  r.Set("content-type", "b");
  EXPECT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(r.Get("CONTENT-TYPE"), "b");
  r.Add("Set-Cookie", "x=1");
  r.Add("Set-Cookie", "y=2");
  EXPECT_EQ(r.headers.size(), 3u);
}

}  // namespace
}  // namespace kenes::api
