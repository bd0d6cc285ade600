#include "linkage/engine/encoder.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/crypto.h"
#include "linkage/engine/clk.h"

namespace kenes::linkage {
namespace {

const std::string kData = std::string(KENES_SOURCE_DIR) + "/testdata/febrl4/";

nlohmann::json ReadJson(const std::string& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

class GoldenTest : public ::testing::TestWithParam<std::string> {};

// clkhash 0.18.3 output for the first 200 FEBRL4 records, byte for byte.
TEST_P(GoldenTest, ReproducesClkhashByteForByte) {
  const nlohmann::json golden = ReadJson(kData + GetParam());
  auto schema = LoadSchemaFile(kData + golden["schema_file"].get<std::string>());
  ASSERT_TRUE(schema) << schema.error().message;
  auto encoder = Encoder::Create(*schema, golden["secret"].get<std::string>());
  ASSERT_TRUE(encoder) << encoder.error().message;
  ASSERT_EQ(schema->l, golden["clk_length_bits"].get<std::size_t>());

  // The first record feature by feature: keys, formatted value, tokens, k and bit positions.
  const nlohmann::json& record0 = golden["records"][0];
  std::vector<std::string> fields0 = record0["fields"].get<std::vector<std::string>>();
  std::vector<std::string_view> views0(fields0.begin(), fields0.end());
  auto trace = encoder->Trace(views0);
  ASSERT_TRUE(trace) << trace.error().message;
  const nlohmann::json& debug = golden["debug_record0"];
  ASSERT_EQ(trace->size(), debug.size());
  for (std::size_t i = 0; i < debug.size(); ++i) {
    const FeatureTrace& t = (*trace)[i];
    const nlohmann::json& d = debug[i];
    SCOPED_TRACE(t.identifier);
    std::string key0(t.key0.begin(), t.key0.end()), key1(t.key1.begin(), t.key1.end());
    EXPECT_EQ(core::ToHex(key0), d["key0_hex"].get<std::string>());
    EXPECT_EQ(core::ToHex(key1), d["key1_hex"].get<std::string>());
    if (t.ignored) continue;
    EXPECT_EQ(t.formatted, d["formatted"].get<std::string>());
    EXPECT_EQ(t.tokens, d["tokens"].get<std::vector<std::string>>());
    EXPECT_EQ(t.k, d["k"].get<std::vector<int>>());
    // The golden file lists each token's distinct positions in order.
    std::vector<std::vector<std::uint32_t>> positions = t.positions;
    for (auto& p : positions) {
      std::sort(p.begin(), p.end());
      p.erase(std::unique(p.begin(), p.end()), p.end());
    }
    EXPECT_EQ(positions,
              d["bit_positions_before_fold"].get<std::vector<std::vector<std::uint32_t>>>());
  }

  std::vector<std::uint8_t> clk(encoder->clk_bytes());
  int matched = 0;
  for (const nlohmann::json& record : golden["records"]) {
    std::vector<std::string> fields = record["fields"].get<std::vector<std::string>>();
    std::vector<std::string_view> views(fields.begin(), fields.end());
    auto ok = encoder->Encode(views, clk.data());
    ASSERT_TRUE(ok) << ok.error().message;
    EXPECT_EQ(ToBase64(clk), record["clk_b64"].get<std::string>()) << "row " << record["row"];
    matched += ToBase64(clk) == record["clk_b64"].get<std::string>();
  }
  EXPECT_EQ(matched, 200);
}

INSTANTIATE_TEST_SUITE_P(Febrl4, GoldenTest,
                         ::testing::Values("clkhash_golden_first200.json",
                                           "clkhash_golden_first200_overweight.json",
                                           "clkhash_golden_first200_coverage.json"));

// clkhash's validate=True: values that break the format are errors naming the feature.
TEST(EncoderTest, ValidatesFormatsAsClkhashDoes) {
  auto schema = ParseSchema(R"({"version": 3, "clkConfig": {"l": 64, "kdf": {"type": "HKDF"}},
    "features": [
      {"identifier": "code", "format": {"type": "string", "pattern": "[a-zа-я]+", "maxLength": 5},
       "hashing": {"comparison": {"type": "ngram", "n": 2}, "strategy": {"bitsPerToken": 3}}},
      {"identifier": "n", "format": {"type": "integer", "minimum": 1, "maximum": 99},
       "hashing": {"comparison": {"type": "exact"}, "strategy": {"bitsPerToken": 3}}},
      {"identifier": "d", "format": {"type": "date", "format": "%d.%m.%Y"},
       "hashing": {"comparison": {"type": "exact"}, "strategy": {"bitsPerToken": 3}}}]})",
                            "test");
  ASSERT_TRUE(schema) << schema.error().message;
  auto encoder = Encoder::Create(*schema, "s");
  ASSERT_TRUE(encoder) << encoder.error().message;
  std::vector<std::uint8_t> out(encoder->clk_bytes());
  auto encode = [&](std::vector<std::string_view> v) { return encoder->Encode(v, out.data()); };
  EXPECT_TRUE(encode({"abc", " +1_0 ", "29.02.2000"}));
  EXPECT_TRUE(encode({"жан", "99", "1.1.1999"}));  // Unicode letters match [а-я]
  struct Case {
    std::vector<std::string_view> values;
    std::string message;
  };
  for (const Case& c : std::vector<Case>{
           {{"ab1", "1", "01.01.2000"}, "code: \"ab1\" does not match the pattern"},
           {{"abcdef", "1", "01.01.2000"}, "code: \"abcdef\" is longer than 5 characters"},
           {{"abc", "100", "01.01.2000"}, "n: \"100\" is above 99"},
           {{"abc", "1x", "01.01.2000"}, "n: \"1x\" is not an integer"},
           {{"abc", "1", "29.02.2001"}, "d: \"29.02.2001\" is not a date in the format %d.%m.%Y"},
       }) {
    auto r = encode(c.values);
    ASSERT_FALSE(r) << c.message;
    EXPECT_NE(r.error().message.find(c.message), std::string::npos) << r.error().message;
  }
  EXPECT_FALSE(ParseSchema(R"({"version": 2})", "old"));
  auto bad = ParseSchema(R"({"version": 3, "clkConfig": {"l": 100}, "features": [
      {"identifier": "x", "format": {"type": "string"},
       "hashing": {"comparison": {"type": "ngram", "n": 2}, "strategy": {}}}]})",
                         "f.json");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("f.json: clkConfig.l: must be a positive multiple of 8"),
            std::string::npos)
      << bad.error().message;
}

}  // namespace
}  // namespace kenes::linkage
