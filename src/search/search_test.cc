// The search service on both backends: one table of queries, run unchanged on SQLite (FTS5) and
// PostgreSQL (tsvector), plus the folding and snippet functions.
#include "search/search_index.h"

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "testing/test_database.h"

namespace kenes::search {
namespace {

auth::Principal User(const std::string& agency) {
  auth::Principal p;
  p.user_id = 7;
  p.username = "someone";
  p.agency = agency;
  p.roles = {auth::Role::kOfficer};
  return p;
}

const std::vector<Entry>& Corpus() {
  static const std::vector<Entry> entries = {
      {"document", 1, "kz-mlsp", Visibility::kShared, "kk",
       "Маусымдық жұмысшыларға арналған жадынама",
       "Жұмыс беруші еңбекақыны уақытында төлеуге міндетті. Жалдау ақысы жалақыдан заңсыз "
       "ұсталмайды."},
      {"document", 2, "kz-mlsp", Visibility::kShared, "ru", "Памятка для сезонных работников",
       "Работодатель обязан выплачивать заработную плату вовремя. Удержания за жильё ограничены."},
      // Body hits go in first, so that ranking, not insertion order, puts title hits first.
      {"document", 4, "uk-fwa", Visibility::kShared, "en", "Accommodation checklist",
       "Underpayment of wages often hides behind accommodation charges."},
      {"document", 3, "uk-fwa", Visibility::kPublic, "en", "Guidance on underpayment",
       "What to do when your employer pays less than the minimum wage <script>alert(1)</script> "
       "& \"more\"."},
      {"document", 5, "uk-fwa", Visibility::kAgency, "en", "Internal inspection method",
       "How inspectors find underpayment on farms."},
      {"document", 8, "uk-fwa", Visibility::kShared, "en", "Travel advice",
       "Recruitment of seasonal staff must be lawful."},
      {"document", 7, "uk-fwa", Visibility::kShared, "en", "Recruitment fees",
       "No worker pays fees to an agent."},
      {"meeting", 1, "kz-mfa", Visibility::kShared, "en", "9th Strategic Dialogue",
       "Underpayment of seasonal workers was discussed."},
  };
  return entries;
}

class SearchTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    tdb_ = std::make_unique<kenes::testing::TestDatabase>(GetParam());
    KENES_REQUIRE_DATABASE(*tdb_);
    db_ = tdb_->Open();
    ASSERT_TRUE(db_->Migrate(SearchService::Migrations()).has_value());
    Put(Corpus());
    search_ = std::make_unique<SearchService>(*db_);
  }

  void Put(const std::vector<Entry>& entries) {
    auto s = db_->Write([&](store::Conn& c) -> core::Status {
      for (const Entry& e : entries) Upsert(c, e);
      return {};
    });
    ASSERT_TRUE(s.has_value());
  }

  // "kind:id" of each hit, best first.
  std::vector<std::string> Find(const auth::Principal* who, const std::string& q,
                                std::vector<std::string> kinds = {}) {
    auto hits = search_->Search(who, q, kinds, 20);
    EXPECT_TRUE(hits.has_value()) << q << ": " << hits.error().message;
    std::vector<std::string> out;
    if (hits) {
      for (const Hit& h : *hits) out.push_back(h.kind + ":" + std::to_string(h.id));
    }
    return out;
  }

  std::unique_ptr<kenes::testing::TestDatabase> tdb_;
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<SearchService> search_;
};

struct QueryCase {
  const char* name;
  std::optional<std::string> agency;  // nullopt: anonymous
  std::string query;
  std::vector<std::string> kinds;
  std::vector<std::string> expected;  // exactly these, in this order
};

TEST_P(SearchTest, TableOfQueries) {
  const std::vector<QueryCase> cases = {
      {"kazakh word, other case", "kz-mlsp", "ЕҢБЕКАҚЫНЫ", {}, {"document:1"}},
      {"kazakh word as prefix", "uk-fwa", "Еңбекақы", {}, {"document:1"}},
      {"kazakh phrase", "kz-mlsp", "жалдау ақысы", {}, {"document:1"}},
      {"kazakh title word", "uk-fwa", "жадынама", {}, {"document:1"}},
      {"russian word", "kz-mlsp", "Заработную", {}, {"document:2"}},
      {"russian ё as е", "kz-mlsp", "жилье ", {}, {"document:2"}},
      {"english, title first", "kz-mlsp", "underpayment", {"document"},
       {"document:3", "document:4"}},
      {"english capitalised", "kz-mlsp", "Underpayment ", {"document"},
       {"document:3", "document:4"}},
      {"own agency sees agency-only", "uk-fwa", "inspectors", {}, {"document:5"}},
      {"other agency does not", "kz-mlsp", "inspectors", {}, {}},
      {"anonymous sees public only", std::nullopt, "underpayment", {}, {"document:3"}},
      {"anonymous: shared hidden", std::nullopt, "еңбекақыны", {}, {}},
      {"title hit above body hit", "kz-mlsp", "recruitment", {}, {"document:7", "document:8"}},
      {"kind filter", "kz-mlsp", "underpayment", {"meeting"}, {"meeting:1"}},
      {"all words must match", "kz-mlsp", "recruitment lawful", {}, {"document:8"}},
      {"no match", "kz-mlsp", "photosynthesis", {}, {}},
      {"quote", "kz-mlsp", "\"", {}, {}},
      {"star", "kz-mlsp", "*", {}, {}},
      {"NEAR(", "kz-mlsp", "NEAR(recruitment", {}, {}},
      {"minus", "kz-mlsp", "-recruitment", {}, {"document:7", "document:8"}},
      {"colon", "kz-mlsp", "title:recruitment", {}, {}},
      {"apostrophe", "kz-mlsp", "recruitment'", {}, {"document:7", "document:8"}},
      {"unbalanced quote", "kz-mlsp", "\"recruitment", {}, {"document:7", "document:8"}},
      {"tsquery operators", "kz-mlsp", "recruitment & | ! <-> :* ()", {},
       {"document:7", "document:8"}},
      {"sql", "kz-mlsp", "'; DROP TABLE search_entries; --", {}, {}},
      {"OR is a word", "kz-mlsp", "recruitment OR travel", {}, {}},
  };
  for (const QueryCase& c : cases) {
    SCOPED_TRACE(c.name);
    std::optional<auth::Principal> who;
    if (c.agency) who = User(*c.agency);
    EXPECT_EQ(Find(who ? &*who : nullptr, c.query, c.kinds), c.expected);
  }
  // Nothing above broke the index.
  EXPECT_EQ(Find(nullptr, "underpayment"), std::vector<std::string>{"document:3"});
}

TEST_P(SearchTest, SystemSeesEverything) {
  const auth::Principal system = auth::SystemPrincipal();
  EXPECT_EQ(Find(&system, "inspectors"), std::vector<std::string>{"document:5"});
}

TEST_P(SearchTest, BadQueriesAreInvalidArguments) {
  const auth::Principal who = User("kz-mlsp");
  for (const std::string& q : {std::string(), std::string("   "), std::string(600, 'a'),
                               std::string("\xff\xfe")}) {
    auto r = search_->Search(&who, q, {}, 10);
    ASSERT_FALSE(r.has_value()) << q;
    EXPECT_EQ(r.error().code, core::ErrorCode::kInvalidArgument);
  }
  auto r = search_->Search(&who, "x", {"Doc'ument"}, 10);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, core::ErrorCode::kInvalidArgument);
}

TEST_P(SearchTest, SnippetsMarkMatchesAndEscapeHtml) {
  const auth::Principal who = User("kz-mlsp");
  auto hits = search_->Search(&who, "minimum wage", {}, 10);
  ASSERT_TRUE(hits.has_value());
  ASSERT_EQ(hits->size(), 1u);
  const Hit& h = hits->front();
  EXPECT_EQ(h.title, "Guidance on underpayment");
  EXPECT_NE(h.snippet.find("<mark>minimum</mark> <mark>wage</mark>"), std::string::npos)
      << h.snippet;
  EXPECT_NE(h.snippet.find("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;more&quot;"),
            std::string::npos)
      << h.snippet;
  EXPECT_EQ(h.snippet.find("<script"), std::string::npos);
  EXPECT_GT(h.rank, 0);

  hits = search_->Search(&who, "ЕҢБЕКАҚЫНЫ", {}, 10);
  ASSERT_TRUE(hits.has_value());
  ASSERT_EQ(hits->size(), 1u);
  EXPECT_NE(hits->front().snippet.find("<mark>еңбекақыны</mark>"), std::string::npos)
      << hits->front().snippet;
}

TEST_P(SearchTest, UpsertReplacesAndRemoveDeletes) {
  const auth::Principal who = User("kz-mlsp");
  Entry e = Corpus()[1];
  e.title = "Памятка о жилье";
  e.body = "Новый текст";
  Put({e});
  EXPECT_EQ(Find(&who, "заработную"), std::vector<std::string>{});
  EXPECT_EQ(Find(&who, "новый"), std::vector<std::string>{"document:2"});
  // Visibility changes with the record.
  e.visibility = Visibility::kPublic;
  Put({e});
  EXPECT_EQ(Find(nullptr, "новый"), std::vector<std::string>{"document:2"});
  ASSERT_TRUE(db_->Write([&](store::Conn& c) -> core::Status {
                   Remove(c, "document", 2);
                   Remove(c, "document", 999);  // absent: no error
                   return {};
                 }).has_value());
  EXPECT_EQ(Find(&who, "новый"), std::vector<std::string>{});
  const long long rows = db_->Read([](store::Conn& c) {
    long long n = 0;
    c.sql() << "SELECT COUNT(*) FROM search_entries", soci::into(n);
    return n;
  });
  EXPECT_EQ(rows, static_cast<long long>(Corpus().size()) - 1);
}

TEST_P(SearchTest, LimitIsApplied) {
  const auth::Principal system = auth::SystemPrincipal();
  auto hits = search_->Search(&system, "underpayment", {}, 2);
  ASSERT_TRUE(hits.has_value());
  EXPECT_EQ(hits->size(), 2u);
}

INSTANTIATE_TEST_SUITE_P(Backends, SearchTest, ::testing::ValuesIn(kenes::testing::BackendNames()),
                         [](const auto& info) { return info.param; });

TEST(SearchTerms, FoldCaseAndScriptsAlike) {
  EXPECT_EQ(Terms("Еңбек ЕҢБЕК еңбек"), (std::vector<std::string>{"еңбек", "еңбек", "еңбек"}));
  EXPECT_EQ(Terms("Hello, WORLD!  x_y"),
            (std::vector<std::string>{"hello", "world", "x", "y"}));
  EXPECT_EQ(Terms("Ёлка"), std::vector<std::string>{"елка"});
  EXPECT_EQ(Terms("ﬁne Straße"), (std::vector<std::string>{"fine", "strasse"}));
  EXPECT_EQ(Terms("\"*NEAR(:-'"), std::vector<std::string>{"near"});
  EXPECT_TRUE(Terms("").empty());
  EXPECT_EQ(Terms("a\xff" "b"), (std::vector<std::string>{"a", "b"}));
}

TEST(SearchSnippet, WindowEscapesAndMarks) {
  EXPECT_EQ(Snippet("Pay <b>the</b> WAGE & go", {"wage"}, false),
            "Pay &lt;b&gt;the&lt;/b&gt; <mark>WAGE</mark> &amp; go");
  EXPECT_EQ(Snippet("wages\n\n  paid", {"wage"}, true), "<mark>wages</mark> paid");
  EXPECT_EQ(Snippet("wages paid", {"wage"}, false), "wages paid");
  std::string long_text;
  for (int i = 0; i < 100; ++i) long_text += "w" + std::to_string(i) + " ";
  const std::string s = Snippet(long_text, {"w50"}, false);
  EXPECT_EQ(s.rfind("… w42", 0), 0u) << s;
  EXPECT_NE(s.find("<mark>w50</mark>"), std::string::npos);
  EXPECT_EQ(s.substr(s.size() - 4), " …");
}

}  // namespace
}  // namespace kenes::search
