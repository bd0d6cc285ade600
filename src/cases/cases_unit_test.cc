#include <gtest/gtest.h>

#include "cases/export.h"
#include "cases/taxonomy.h"

namespace kenes::cases {
namespace {

TEST(TaxonomyTest, ElevenIndicatorsNamedInThreeLanguages) {
  ASSERT_EQ(Indicators().size(), 11u);
  for (const Code& c : Indicators()) {
    EXPECT_FALSE(c.en.empty() || c.ru.empty() || c.kk.empty()) << c.code;
  }
  EXPECT_TRUE(IsIndicator("debt_bondage"));
  EXPECT_FALSE(IsIndicator("slavery"));
  EXPECT_TRUE(IsCategory("unlawful_fees"));
}

TEST(TaxonomyTest, RiskFollowsTheReferenceScale) {
  EXPECT_EQ(ScoreRisk({}).level, "low");
  const Risk medium = ScoreRisk({{"deception", "medium"}, {"isolation", "medium"}});
  EXPECT_EQ(medium.score, 16);
  EXPECT_EQ(medium.level, "medium");
  EXPECT_FALSE(medium.escalate);
  const Risk strong = ScoreRisk({{"deception", "strong"}});
  EXPECT_EQ(strong.score, 30);
  EXPECT_EQ(strong.level, "high");
  // Four indicators escalate even when only medium.
  for (const char* code : {"physical_sexual_violence", "retention_of_documents", "debt_bondage",
                           "withholding_wages"}) {
    const Risk r = ScoreRisk({{code, "medium"}});
    EXPECT_TRUE(r.escalate) << code;
    EXPECT_EQ(r.level, "high") << code;
  }
  EXPECT_EQ(
      SuggestedIndicators({"document_retention", "threats"}),
      (IndicatorFlags{{"intimidation_threats", "medium"}, {"retention_of_documents", "medium"}}));
}

TEST(ExportTest, CsvQuotesAndNeutralisesFormulas) {
  const Table t = {{"a", "b"}, {"=1+2", "x,\"y\""}, {"-3", "@SUM(A1)"}, {"plain", "+7 700"}};
  EXPECT_EQ(TableCsv(t), "a,b\r\n'=1+2,\"x,\"\"y\"\"\"\r\n'-3,'@SUM(A1)\r\nplain,'+7 700\r\n");
  auto xlsx = TableXlsx(t, "cases");
  ASSERT_TRUE(xlsx) << xlsx.error().message;
  EXPECT_EQ(xlsx->substr(0, 2), "PK");
}

}  // namespace
}  // namespace kenes::cases
