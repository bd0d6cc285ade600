// The library service on both backends: versions, translations, tags, visibility, unsafe
// Markdown, attachments and the audit trail; and the Markdown checks on their own.
#include "library/library_service.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "audit/audit_log.h"
#include "search/search_index.h"
#include "testing/test_database.h"

namespace kenes::library {
namespace {

using core::ErrorCode;
using search::Visibility;

auth::Principal User(const std::string& name, const std::string& agency, auth::Role role) {
  auth::Principal p;
  p.user_id = static_cast<long long>(std::hash<std::string>()(name) % 1000) + 1;
  p.username = name;
  p.agency = agency;
  p.roles = {role};
  return p;
}

const auth::Principal kMlsp = User("mlsp.officer", "kz-mlsp", auth::Role::kOfficer);
const auth::Principal kMlspAuditor = User("mlsp.auditor", "kz-mlsp", auth::Role::kAuditor);
const auth::Principal kFwa = User("fwa.officer", "uk-fwa", auth::Role::kOfficer);
const auth::Principal kMfa = User("mfa.desk", "kz-mfa", auth::Role::kOfficer);

NewDocument Leaflet() {
  NewDocument n;
  n.title = "Маусымдық жұмысшыларға арналған жадынама";
  n.summary = "Ұлыбританиядағы маусымдық жұмыс туралы";
  n.body =
      "# Жадынама\n\nЖұмыс беруші **еңбекақыны** уақытында төлеуге міндетті.\n\n"
      "Жалдау ақысы туралы: [GOV.UK](https://www.gov.uk/national-minimum-wage).\n";
  n.language = "kk";
  n.visibility = Visibility::kShared;
  n.tags = {"ilo:withholding_wages", "sector:agriculture", "audience:workers"};
  return n;
}

class LibraryTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    tdb_ = std::make_unique<kenes::testing::TestDatabase>(GetParam());
    KENES_REQUIRE_DATABASE(*tdb_);
    db_ = tdb_->Open();
    auto all = audit::Migrations();
    for (auto& m : search::SearchService::Migrations()) all.push_back(m);
    for (auto& m : LibraryService::Migrations()) all.push_back(m);
    ASSERT_TRUE(db_->Migrate(all).has_value());
    library_ = std::make_unique<LibraryService>(*db_, core::SystemClock());
    search_ = std::make_unique<search::SearchService>(*db_);
  }

  long long Count(const std::string& table) {
    return db_->Read([&](store::Conn& c) {
      long long n = 0;
      c.sql() << "SELECT COUNT(*) FROM " + table, soci::into(n);
      return n;
    });
  }

  // Rows every write touches: nothing may change when a write is refused.
  std::vector<long long> Written() {
    return {Count("library_documents"),   Count("library_versions"), Count("library_blobs"),
            Count("library_attachments"), Count("search_entries"),   Count("audit_events")};
  }

  std::vector<std::string> AuditActions() {
    return db_->Read([](store::Conn& c) {
      audit::Filter f;
      f.action = "library.*";
      std::vector<std::string> out;
      for (const auto& r : audit::List(c, f)) out.insert(out.begin(), r.action);
      return out;
    });
  }

  Document Create(const auth::Principal& who, const NewDocument& n) {
    auto d = library_->Create(who, n, "req");
    EXPECT_TRUE(d.has_value()) << d.error().message;
    return d ? *d : Document{};
  }

  std::vector<long long> SearchIds(const auth::Principal* who, const std::string& q) {
    auto hits = search_->Search(who, q, {"document"}, 20);
    EXPECT_TRUE(hits.has_value());
    std::vector<long long> out;
    for (const auto& h : *hits) out.push_back(h.id);
    return out;
  }

  std::unique_ptr<kenes::testing::TestDatabase> tdb_;
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<LibraryService> library_;
  std::unique_ptr<search::SearchService> search_;
};

TEST_P(LibraryTest, CreateIndexesAndAudits) {
  const Document d = Create(kMlsp, Leaflet());
  EXPECT_GT(d.id, 0);
  EXPECT_EQ(d.agency, "kz-mlsp");
  EXPECT_EQ(d.version, 1);
  EXPECT_EQ(d.created_by, "mlsp.officer");
  EXPECT_EQ(d.tags, (std::vector<std::string>{"audience:workers", "ilo:withholding_wages",
                                              "sector:agriculture"}));
  // A shared document: the partner agency reads it, and finds it by a Kazakh word in any case,
  // by a word of its summary and by its indicator's Russian name.
  auto got = library_->Get(&kFwa, d.id);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->body, Leaflet().body);
  EXPECT_EQ(SearchIds(&kFwa, "ЕҢБЕКАҚЫНЫ"), std::vector<long long>{d.id});
  EXPECT_EQ(SearchIds(&kFwa, "Ұлыбританиядағы"), std::vector<long long>{d.id});
  EXPECT_EQ(SearchIds(&kFwa, "удержание заработной"), std::vector<long long>{d.id});
  // Markup is not indexed as words.
  EXPECT_EQ(SearchIds(&kFwa, "https"), std::vector<long long>{});
  EXPECT_EQ(AuditActions(), std::vector<std::string>{"library.create"});
}

TEST_P(LibraryTest, EveryUpdateKeepsTheOldVersion) {
  const Document d = Create(kMlsp, Leaflet());
  DocumentUpdate u;
  u.title = "Жадынама (2026)";
  u.base_version = 1;
  auto v2 = library_->Update(kMlsp, d.id, u, "req");
  ASSERT_TRUE(v2.has_value()) << v2.error().message;
  EXPECT_EQ(v2->version, 2);
  DocumentUpdate u3;
  u3.body = "Жаңа мәтін: жалақы.";
  u3.visibility = Visibility::kPublic;
  auto v3 = library_->Update(kMlsp, d.id, u3, "req");
  ASSERT_TRUE(v3.has_value()) << v3.error().message;
  EXPECT_EQ(v3->version, 3);
  EXPECT_EQ(v3->title, "Жадынама (2026)");

  // A stale edit is refused; an edit that changes nothing records nothing.
  auto stale = library_->Update(kMlsp, d.id, u, "req");
  ASSERT_FALSE(stale.has_value());
  EXPECT_EQ(stale.error().code, ErrorCode::kConflict);
  DocumentUpdate same;
  same.title = "Жадынама (2026)";
  auto unchanged = library_->Update(kMlsp, d.id, same, "req");
  ASSERT_TRUE(unchanged.has_value());
  EXPECT_EQ(unchanged->version, 3);

  auto versions = library_->Versions(&kFwa, d.id);
  ASSERT_TRUE(versions.has_value());
  ASSERT_EQ(versions->size(), 3u);
  EXPECT_EQ((*versions)[0].title, Leaflet().title);
  EXPECT_EQ((*versions)[1].title, "Жадынама (2026)");
  EXPECT_EQ((*versions)[2].visibility, Visibility::kPublic);
  auto first = library_->GetVersion(&kFwa, d.id, 1);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->body, Leaflet().body);
  EXPECT_EQ(first->visibility, Visibility::kShared);
  auto missing = library_->GetVersion(&kFwa, d.id, 9);
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);

  // The index follows the current version: old words gone, new ones public.
  EXPECT_EQ(SearchIds(&kFwa, "еңбекақыны"), std::vector<long long>{});
  EXPECT_EQ(SearchIds(nullptr, "жалақы"), std::vector<long long>{d.id});
  EXPECT_EQ(AuditActions(),
            (std::vector<std::string>{"library.create", "library.update", "library.update"}));
}

TEST_P(LibraryTest, TranslationsAreLinked) {
  NewDocument en;
  en.title = "Seasonal worker leaflet";
  en.body = "Your employer must pay the **minimum wage**.";
  en.language = "en";
  en.visibility = Visibility::kShared;
  const Document original = Create(kFwa, en);
  NewDocument kk = Leaflet();
  kk.translation_of = original.id;
  const Document kazakh = Create(kMlsp, kk);
  NewDocument ru = Leaflet();
  ru.title = "Памятка для сезонных работников";
  ru.language = "ru";
  ru.translation_of = kazakh.id;  // a translation of a translation joins the same group
  ru.visibility = Visibility::kAgency;
  const Document russian = Create(kMlsp, ru);

  auto for_mlsp = library_->Get(&kMlsp, original.id);
  ASSERT_TRUE(for_mlsp.has_value());
  ASSERT_EQ(for_mlsp->translations.size(), 2u);
  EXPECT_EQ(for_mlsp->translations[0].id, kazakh.id);
  EXPECT_EQ(for_mlsp->translations[0].language, "kk");
  EXPECT_EQ(for_mlsp->translations[1].id, russian.id);
  // The Russian one is MLSP's own: FWA is not told of it.
  auto for_fwa = library_->Get(&kFwa, kazakh.id);
  ASSERT_TRUE(for_fwa.has_value());
  ASSERT_EQ(for_fwa->translations.size(), 1u);
  EXPECT_EQ(for_fwa->translations[0].id, original.id);
  EXPECT_EQ(for_fwa->translation_of, original.id);

  const auto before = Written();
  NewDocument again = Leaflet();
  again.translation_of = original.id;
  auto twice = library_->Create(kMlsp, again, "req");
  ASSERT_FALSE(twice.has_value());
  EXPECT_EQ(twice.error().code, ErrorCode::kUnprocessable);
  NewDocument hidden = Leaflet();
  hidden.language = "en";
  hidden.translation_of = russian.id;  // not visible to FWA
  auto not_visible = library_->Create(kFwa, hidden, "req");
  ASSERT_FALSE(not_visible.has_value());
  EXPECT_EQ(not_visible.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(Written(), before);
}

TEST_P(LibraryTest, BadFieldsAreRefusedAndNothingIsWritten) {
  struct Case {
    const char* name;
    void (*edit)(NewDocument&);
    ErrorCode code;
  };
  const std::vector<Case> cases = {
      {"unknown ILO code", [](NewDocument& n) { n.tags = {"ilo:not_an_indicator"}; },
       ErrorCode::kUnprocessable},
      {"unknown tag kind", [](NewDocument& n) { n.tags = {"colour:red"}; },
       ErrorCode::kUnprocessable},
      {"tag without kind", [](NewDocument& n) { n.tags = {"withholding_wages"}; },
       ErrorCode::kUnprocessable},
      {"bad language", [](NewDocument& n) { n.language = "de"; }, ErrorCode::kUnprocessable},
      {"empty title", [](NewDocument& n) { n.title.clear(); }, ErrorCode::kInvalidArgument},
      {"long title", [](NewDocument& n) { n.title = std::string(301, 'a'); },
       ErrorCode::kInvalidArgument},
      {"empty body", [](NewDocument& n) { n.body.clear(); }, ErrorCode::kInvalidArgument},
      {"invalid UTF-8", [](NewDocument& n) { n.body = "a\xc3"; }, ErrorCode::kInvalidArgument},
      {"control character", [](NewDocument& n) { n.body = "a\x01"; },
       ErrorCode::kInvalidArgument},
      {"script block", [](NewDocument& n) { n.body = "Hi\n\n<script>alert(1)</script>\n"; },
       ErrorCode::kUnprocessable},
      {"inline HTML", [](NewDocument& n) { n.body = "Hello <b onclick=x()>you</b>"; },
       ErrorCode::kUnprocessable},
      {"img onerror", [](NewDocument& n) { n.body = "<img src=x onerror=alert(1)>"; },
       ErrorCode::kUnprocessable},
      {"javascript link", [](NewDocument& n) { n.body = "[x](javascript:alert(1))"; },
       ErrorCode::kUnprocessable},
      {"mixed-case scheme", [](NewDocument& n) { n.body = "[x](JaVaScRiPt:alert(1))"; },
       ErrorCode::kUnprocessable},
      {"entity-encoded scheme", [](NewDocument& n) { n.body = "[x](java&#x73;cript:alert(1))"; },
       ErrorCode::kUnprocessable},
      {"autolink", [](NewDocument& n) { n.body = "<javascript:alert(1)>"; },
       ErrorCode::kUnprocessable},
      {"data image", [](NewDocument& n) { n.body = "![i](data:text/html;base64,PHNjcmlwdD4=)"; },
       ErrorCode::kUnprocessable},
      {"reference link", [](NewDocument& n) { n.body = "[x][r]\n\n[r]: vbscript:msgbox(1)"; },
       ErrorCode::kUnprocessable},
      {"markup in title", [](NewDocument& n) { n.title = "<img src=x onerror=alert(1)>"; },
       ErrorCode::kUnprocessable},
      {"markup in summary", [](NewDocument& n) { n.summary = "see </textarea><script>"; },
       ErrorCode::kUnprocessable},
  };
  const auto before = Written();
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    NewDocument n = Leaflet();
    c.edit(n);
    auto r = library_->Create(kMlsp, n, "req");
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, c.code) << r.error().message;
  }
  EXPECT_EQ(Written(), before);

  // An unsafe revision is refused as well, and the document stays at its version.
  const Document d = Create(kMlsp, Leaflet());
  const auto after_create = Written();
  DocumentUpdate u;
  u.body = "Line one\n\nLine two\n\n<iframe src=\"https://evil.example\"></iframe>\n";
  auto r = library_->Update(kMlsp, d.id, u, "req");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kUnprocessable);
  EXPECT_NE(r.error().message.find("line 5"), std::string::npos) << r.error().message;
  EXPECT_EQ(Written(), after_create);
  EXPECT_EQ(library_->Get(&kMlsp, d.id)->version, 1);
}

TEST_P(LibraryTest, VisibilityHidesDocumentsAsNotFound) {
  NewDocument own = Leaflet();
  own.visibility = Visibility::kAgency;
  const Document agency_only = Create(kMlsp, own);
  const Document shared = Create(kMlsp, [] {
    NewDocument n = Leaflet();
    n.language = "ru";
    return n;
  }());
  const Document open = Create(kFwa, [] {
    NewDocument n;
    n.title = "Know your rights";
    n.body = "Public guidance on underpayment.";
    n.language = "en";
    n.visibility = Visibility::kPublic;
    return n;
  }());

  for (const auth::Principal* who : {&kFwa, &kMfa, static_cast<const auth::Principal*>(nullptr)}) {
    auto r = library_->Get(who, agency_only.id);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, ErrorCode::kNotFound);
    EXPECT_FALSE(library_->Versions(who, agency_only.id).has_value());
    EXPECT_FALSE(library_->RenderHtml(who, agency_only.id).has_value());
  }
  EXPECT_TRUE(library_->Get(&kMlspAuditor, agency_only.id).has_value());
  EXPECT_TRUE(library_->Get(&kMfa, shared.id).has_value());
  EXPECT_FALSE(library_->Get(nullptr, shared.id).has_value());
  EXPECT_TRUE(library_->Get(nullptr, open.id).has_value());

  auto ids = [](const core::Result<std::vector<Document>>& docs) {
    std::vector<long long> out;
    for (const auto& d : *docs) out.push_back(d.id);
    std::sort(out.begin(), out.end());
    return out;
  };
  EXPECT_EQ(ids(library_->List(nullptr, {})), std::vector<long long>{open.id});
  EXPECT_EQ(ids(library_->List(&kFwa, {})), (std::vector<long long>{shared.id, open.id}));
  EXPECT_EQ(ids(library_->List(&kMlsp, {})),
            (std::vector<long long>{agency_only.id, shared.id, open.id}));
  ListFilter by_language;
  by_language.language = "ru";
  EXPECT_EQ(ids(library_->List(&kMlsp, by_language)), std::vector<long long>{shared.id});
  ListFilter by_tag;
  by_tag.tag = "sector:agriculture";
  EXPECT_EQ(ids(library_->List(&kFwa, by_tag)), std::vector<long long>{shared.id});
  ListFilter by_visibility;
  by_visibility.visibility = Visibility::kAgency;
  EXPECT_EQ(ids(library_->List(&kMlsp, by_visibility)), std::vector<long long>{agency_only.id});
  ListFilter bad_tag;
  bad_tag.tag = "ilo:nope";
  EXPECT_FALSE(library_->List(&kMlsp, bad_tag).has_value());

  // Writing: the partner agency may read the shared document but not revise it; an auditor may
  // not write at all; a hidden document stays hidden.
  DocumentUpdate u;
  u.title = "Taken over";
  auto partner = library_->Update(kFwa, shared.id, u, "req");
  ASSERT_FALSE(partner.has_value());
  EXPECT_EQ(partner.error().code, ErrorCode::kPermissionDenied);
  auto hidden = library_->Update(kFwa, agency_only.id, u, "req");
  ASSERT_FALSE(hidden.has_value());
  EXPECT_EQ(hidden.error().code, ErrorCode::kNotFound);
  auto auditor = library_->Update(kMlspAuditor, shared.id, u, "req");
  ASSERT_FALSE(auditor.has_value());
  EXPECT_EQ(auditor.error().code, ErrorCode::kPermissionDenied);
  auto create = library_->Create(kMlspAuditor, Leaflet(), "req");
  ASSERT_FALSE(create.has_value());
  EXPECT_EQ(create.error().code, ErrorCode::kPermissionDenied);
}

TEST_P(LibraryTest, RendersSafeHtml) {
  NewDocument n = Leaflet();
  n.title = "Wages < minimum & \"fees\"";
  n.body = "## Steps\n\n1. Ask for a **payslip**\n2. Call [FWA](https://www.gov.uk)\n\n"
           "Write `<script>` to see code.\n";
  const Document d = Create(kMlsp, n);
  auto html = library_->RenderHtml(&kFwa, d.id);
  ASSERT_TRUE(html.has_value()) << html.error().message;
  EXPECT_NE(html->find("<html lang=\"kk\">"), std::string::npos);
  EXPECT_NE(html->find("<h1>Wages &lt; minimum &amp; &quot;fees&quot;</h1>"), std::string::npos);
  EXPECT_NE(html->find("<h2>Steps</h2>"), std::string::npos);
  EXPECT_NE(html->find("<strong>payslip</strong>"), std::string::npos);
  EXPECT_NE(html->find("<a href=\"https://www.gov.uk\">FWA</a>"), std::string::npos);
  EXPECT_NE(html->find("<code>&lt;script&gt;</code>"), std::string::npos);
  EXPECT_EQ(html->find("<script"), std::string::npos);
}

TEST_P(LibraryTest, AttachmentsAreCheckedAndStoredOncePerContent) {
  const Document a = Create(kMlsp, Leaflet());
  const Document b = Create(kMlsp, [] {
    NewDocument n = Leaflet();
    n.language = "ru";
    return n;
  }());
  const std::string pdf = std::string("%PDF-1.7\n\x00\x01\xff binary", 20) + "\n%%EOF\n";
  auto first = library_->Attach(kMlsp, a.id, "leaflet.pdf", pdf, "req");
  ASSERT_TRUE(first.has_value()) << first.error().message;
  EXPECT_EQ(first->media_type, "application/pdf");
  EXPECT_EQ(first->size, static_cast<long long>(pdf.size()));
  EXPECT_EQ(first->sha256.size(), 64u);
  ASSERT_TRUE(library_->Attach(kMlsp, b.id, "copy.PDF", pdf, "req").has_value());
  ASSERT_TRUE(library_->Attach(kMlsp, a.id, "again.pdf", pdf, "req").has_value());
  EXPECT_EQ(Count("library_blobs"), 1);
  EXPECT_EQ(Count("library_attachments"), 2);

  auto file = library_->GetAttachment(&kFwa, a.id, first->sha256);
  ASSERT_TRUE(file.has_value());
  EXPECT_EQ(file->content, pdf);
  EXPECT_EQ(file->name, "leaflet.pdf");
  auto listed = library_->Get(&kFwa, a.id);
  ASSERT_EQ(listed->attachments.size(), 1u);
  EXPECT_EQ(listed->attachments[0].sha256, first->sha256);
  EXPECT_FALSE(library_->GetAttachment(&kFwa, a.id, std::string(64, '0')).has_value());
  EXPECT_FALSE(library_->GetAttachment(nullptr, a.id, first->sha256).has_value());

  const auto before = Written();
  struct Bad {
    const char* name;
    std::string file, content;
    ErrorCode code;
  };
  const std::vector<Bad> bad = {
      {"ELF named .pdf", "report.pdf", std::string("\x7f" "ELF\x02\x01\x01\x00\x00", 9),
       ErrorCode::kUnsupportedMedia},
      {"HTML named .pdf", "report.pdf", "<!DOCTYPE html><script>alert(1)</script>",
       ErrorCode::kUnsupportedMedia},
      {"HTML named .txt", "notes.txt", "  <html><body>hi</body></html>",
       ErrorCode::kUnsupportedMedia},
      {"SVG", "logo.svg", "<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
       ErrorCode::kUnsupportedMedia},
      {"text named .pdf", "report.pdf", "just text", ErrorCode::kUnsupportedMedia},
      {"PNG named .pdf", "report.pdf", "\x89PNG\r\n\x1a\nxxxx", ErrorCode::kUnsupportedMedia},
      {"executable name", "setup.exe", "MZ text?", ErrorCode::kUnsupportedMedia},
      {"empty", "a.txt", "", ErrorCode::kInvalidArgument},
      {"path", "../a.txt", "text", ErrorCode::kInvalidArgument},
      {"too large", "big.txt", std::string(LibraryService::kMaxAttachmentBytes + 1, 'a'),
       ErrorCode::kInvalidArgument},
  };
  for (const Bad& x : bad) {
    SCOPED_TRACE(x.name);
    auto r = library_->Attach(kMlsp, a.id, x.file, x.content, "req");
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, x.code) << r.error().message;
  }
  auto big = library_->Attach(kMlsp, a.id, "big.txt",
                              std::string(LibraryService::kMaxAttachmentBytes + 1, 'a'), "req");
  EXPECT_EQ(big.error().type, "file-too-large");
  auto partner = library_->Attach(kFwa, a.id, "x.txt", "plain", "req");
  ASSERT_FALSE(partner.has_value());
  EXPECT_EQ(partner.error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(Written(), before);

  EXPECT_EQ(AuditActions(), (std::vector<std::string>{"library.create", "library.create",
                                                      "library.attach", "library.attach"}));
}

INSTANTIATE_TEST_SUITE_P(Backends, LibraryTest, ::testing::ValuesIn(kenes::testing::BackendNames()),
                         [](const auto& info) { return info.param; });

TEST(LibraryMarkdown, PlainTextAndSafeLinks) {
  auto md = RenderMarkdown("# Title\n\nSome *text* with [a link](https://x.kz) and `code`.\n\n"
                           "- [mail](mailto:a@b.kz)\n- [relative](../guide#part)\n");
  ASSERT_TRUE(md.has_value()) << md.error().message;
  EXPECT_EQ(md->plain_text, "Title\nSome text with a link and code.\nmail\nrelative\n");
  auto bad = RenderMarkdown("ok\n\n[x](javascript:alert(1))");
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message.find("line 3"), std::string::npos) << bad.error().message;
  EXPECT_NE(bad.error().message.find("javascript"), std::string::npos);
  EXPECT_EQ(bad.error().type, "unsafe-markdown");
}

TEST(LibraryTags, Kinds) {
  EXPECT_TRUE(CheckTag("ilo:debt_bondage").has_value());
  EXPECT_TRUE(CheckTag("sector:construction").has_value());
  EXPECT_TRUE(CheckTag("audience:inspectors").has_value());
  EXPECT_FALSE(CheckTag("ilo:").has_value());
  EXPECT_FALSE(CheckTag("sector:debt_bondage").has_value());
  EXPECT_FALSE(CheckTag("").has_value());
}

}  // namespace
}  // namespace kenes::library
