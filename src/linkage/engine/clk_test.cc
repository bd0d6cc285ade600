#include "linkage/engine/clk.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace kenes::linkage {
namespace {

TEST(ClkSetTest, BitsAreMsbFirstAndRowsAligned) {
  ClkSet s(3, 1024);
  EXPECT_EQ(s.stride_words(), 16u);
  s.SetBit(1, 0);
  s.SetBit(1, 9);
  EXPECT_EQ(s.bytes(1)[0], 0x80);
  EXPECT_EQ(s.bytes(1)[1], 0x40);
  EXPECT_EQ(s.Popcount(1), 2u);
  EXPECT_EQ(s.Popcount(0), 0u);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(s.bytes(2)) % 64, 0u);
}

TEST(ClkSetTest, OddLengthsArePaddedWithZeros) {
  ClkSet s(2, 520);
  EXPECT_EQ(s.stride_words(), 16u);
  EXPECT_EQ(s.bytes_per_clk(), 65u);
  s.SetBit(0, 519);
  EXPECT_EQ(s.Popcount(0), 1u);
}

TEST(Base64Test, RoundTripsAndRejectsGarbage) {
  std::vector<std::uint8_t> v = {0xff, 0x00, 0x10, 0x80};
  EXPECT_EQ(ToBase64(v), "/wAQgA==");
  EXPECT_EQ(*FromBase64("/wAQgA=="), v);
  EXPECT_FALSE(FromBase64("/wAQgA"));
  EXPECT_FALSE(FromBase64("/wA*gA=="));
}

class ClkFileTest : public ::testing::Test {
 protected:
  std::filesystem::path dir_ =
      std::filesystem::temp_directory_path() / ("kenes-clk-" + std::to_string(::getpid()));
  void SetUp() override { std::filesystem::create_directories(dir_); }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
    return (dir_ / name).string();
  }
};

TEST_F(ClkFileTest, WritesAndReadsAnonlinkFormatWithMetadata) {
  ClkSet s(2, 16);
  s.SetBit(0, 3);
  s.SetBit(1, 15);
  const std::string path = (dir_ / "a.json").string();
  ASSERT_TRUE(WriteClkFile(path, s, {.schema = "kazakh-worker", .threshold = 0.85}));
  auto back = ReadClkFile(path);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->clks.size(), 2u);
  EXPECT_EQ(back->clks.bits(), 16u);
  EXPECT_TRUE(back->clks.Bit(0, 3));
  EXPECT_TRUE(back->clks.Bit(1, 15));
  EXPECT_EQ(back->info.schema, "kazakh-worker");
  EXPECT_EQ(back->info.threshold, 0.85);
  // No temporary file is left beside it.
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir_), {}), 1);
}

TEST_F(ClkFileTest, NamesTheFileAndTheBadClk) {
  auto bad = ReadClkFile(Write("bad.json", R"({"clks": ["/wAQgA==", "/w*QgA=="]})"));
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("bad.json: clks[1]: not valid base64"), std::string::npos);
  auto uneven = ReadClkFile(Write("uneven.json", R"({"clks": ["/wAQgA==", "/wAQ"]})"));
  ASSERT_FALSE(uneven);
  EXPECT_NE(uneven.error().message.find("clks[1]: 24 bits where clks[0] has 32"),
            std::string::npos);
  EXPECT_FALSE(ReadClkFile(Write("list.json", R"(["/wAQgA=="])")));
  EXPECT_FALSE(ReadClkFile(Write("text.json", "clks")));
  EXPECT_FALSE(ReadClkFile((dir_ / "missing.json").string()));
}

}  // namespace
}  // namespace kenes::linkage
