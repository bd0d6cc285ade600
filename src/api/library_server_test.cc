// Black-box tests of the library and search routes on the real server, on SQLite and PostgreSQL:
// the API contract, visibility, versions, the rendered page, attachments, bad input refused with
// nothing written, and search by Kazakh and English words.
#include <cstdio>

#include "api/server_fixture.h"
#include "library/library_service.h"

namespace kenes::api {
namespace {

std::string Encode(const std::string& s) {
  std::string out;
  for (const unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.') {
      out += static_cast<char>(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

json KazakhLeaflet() {
  return {{"title", "Маусымдық жұмысшыларға арналған жадынама"},
          {"language", "kk"},
          {"body",
           "# Жадынама\n\nЖұмыс беруші **еңбекақыны** уақытында төлеуге міндетті.\n\n"
           "Жалдау ақысы жалақыдан заңсыз ұсталмайды."},
          {"visibility", "shared"},
          {"tags", {"ilo:withholding_wages", "sector:agriculture", "audience:workers"}}};
}

json EnglishGuidance() {
  return {{"title", "Underpayment: what to do"},
          {"language", "en"},
          {"body", "If you are paid less than the **minimum wage**, call the Fair Work Agency."},
          {"visibility", "public"},
          {"tags", json::array()}};
}

class LibraryServerTest : public ServerTest {
 protected:
  long long CreateDocument(Browser& b, const json& doc) {
    auto r = b.http->Send("POST", "/api/v1/library/documents", doc, b.Headers());
    EXPECT_EQ(r.status, 201) << r.body;
    return r.status == 201 ? r.Json().value("id", 0LL) : 0;
  }
  std::vector<std::string> Search(HttpClient& http, const std::string& q,
                                  const std::map<std::string, std::string>& headers = {}) {
    auto r = http.Get("/api/v1/search?q=" + Encode(q), headers);
    EXPECT_EQ(r.status, 200) << q << ": " << r.body;
    std::vector<std::string> out;
    if (r.status != 200) return out;
    const json body = r.Json();
    for (const auto& item : body["items"]) {
      out.push_back(item["kind"].get<std::string>() + ":" + std::to_string(item["id"].get<long long>()));
    }
    return out;
  }
  // Rows any library write adds.
  std::vector<long long> Written() {
    return {Count("library_documents"), Count("library_versions"), Count("library_blobs"),
            Count("library_attachments"), Count("search_entries"),
            Count("audit_events WHERE action LIKE 'library.%'")};
  }
};

TEST_P(LibraryServerTest, LibraryRoutesNeedASession) {
  Start();
  HttpClient http(server_->port());
  EXPECT_EQ(http.Get("/api/v1/library/documents").status, 401);
  EXPECT_EQ(http.Get("/api/v1/library/documents/1").status, 401);
  EXPECT_EQ(http.Send("POST", "/api/v1/library/documents", KazakhLeaflet()).status, 401);
  EXPECT_EQ(http.Get("/api/v1/public/library/documents").status, 200);
}

TEST_P(LibraryServerTest, SearchFindsKazakhAndEnglishWordsWithinVisibility) {
  Start();
  Browser mlsp = SignIn("mlsp.officer");
  Browser fwa = SignIn("fwa.officer");
  const long long kk = CreateDocument(mlsp, KazakhLeaflet());
  const long long en = CreateDocument(fwa, EnglishGuidance());
  json internal = EnglishGuidance();
  internal["title"] = "Inspection method (internal)";
  internal["body"] = "Look for underpayment in the payroll records.";
  internal["visibility"] = "agency";
  const long long own = CreateDocument(fwa, internal);
  ASSERT_GT(kk, 0);
  const std::string kk_ref = "document:" + std::to_string(kk),
                    en_ref = "document:" + std::to_string(en),
                    own_ref = "document:" + std::to_string(own);

  // A Kazakh word in another case, by the partner agency (bearer token).
  const std::string token = Bearer("fwa.officer");
  HttpClient http(server_->port());
  EXPECT_EQ(Search(http, "ЕҢБЕКАҚЫНЫ", {{"Authorization", "Bearer " + token}}),
            std::vector<std::string>{kk_ref});
  // An English word: the title hit first, the agency-only one only for its agency.
  EXPECT_EQ(Search(*fwa.http, "underpayment", fwa.Headers(false)),
            (std::vector<std::string>{en_ref, own_ref}));
  EXPECT_EQ(Search(*mlsp.http, "Underpayment", mlsp.Headers(false)),
            std::vector<std::string>{en_ref});
  EXPECT_EQ(Search(http, "underpayment"), std::vector<std::string>{en_ref});  // anonymous
  EXPECT_EQ(Search(http, "еңбекақыны"), std::vector<std::string>{});

  auto r = mlsp.http->Get("/api/v1/search?q=" + Encode("жалдау ақысы") + "&kind=document",
                          mlsp.Headers(false));
  ASSERT_EQ(r.status, 200);
  const json hit = r.Json()["items"][0];
  EXPECT_EQ(hit["kind"], "document");
  EXPECT_EQ(hit["id"], kk);
  EXPECT_EQ(hit["title"], "Маусымдық жұмысшыларға арналған жадынама");
  EXPECT_NE(hit["snippet"].get<std::string>().find("<mark>Жалдау</mark> <mark>ақысы</mark>"),
            std::string::npos)
      << hit["snippet"];
  r = mlsp.http->Get("/api/v1/search?q=underpayment&kind=meeting", mlsp.Headers(false));
  ASSERT_EQ(r.status, 200);
  EXPECT_TRUE(r.Json()["items"].empty());

  // Search syntax in the query is just text; an empty query is a 400.
  for (const std::string q : {"\"", "*", "NEAR(", "-", ":", "'", "title:x", "a AND (b OR"}) {
    EXPECT_EQ(http.Get("/api/v1/search?q=" + Encode(q)).status, 200) << q;
  }
  EXPECT_EQ(http.Get("/api/v1/search?q=").status, 400);
  EXPECT_EQ(http.Get("/api/v1/search").status, 400);
  EXPECT_EQ(http.Get("/api/v1/search?q=x&limit=0").status, 400);
}

TEST_P(LibraryServerTest, DocumentsFollowTheirVisibility) {
  Start();
  Browser mlsp = SignIn("mlsp.officer");
  Browser fwa = SignIn("fwa.officer");
  Browser mfa = SignIn("mfa.desk");
  json agency_doc = KazakhLeaflet();
  agency_doc["visibility"] = "agency";
  const long long own = CreateDocument(mlsp, agency_doc);
  const long long shared = CreateDocument(mlsp, [] {
    json d = KazakhLeaflet();
    d["language"] = "ru";
    return d;
  }());
  const long long open = CreateDocument(fwa, EnglishGuidance());
  const std::string base = "/api/v1/library/documents/";

  EXPECT_EQ(mlsp.http->Get(base + std::to_string(own), mlsp.Headers(false)).status, 200);
  EXPECT_EQ(fwa.http->Get(base + std::to_string(own), fwa.Headers(false)).status, 404);
  EXPECT_EQ(mfa.http->Get(base + std::to_string(own), mfa.Headers(false)).status, 404);
  EXPECT_EQ(fwa.http->Get(base + std::to_string(own) + "/versions", fwa.Headers(false)).status,
            404);
  EXPECT_EQ(mfa.http->Get(base + std::to_string(shared), mfa.Headers(false)).status, 200);

  auto list = fwa.http->Get("/api/v1/library/documents", fwa.Headers(false));
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(list.Json()["items"].size(), 2u);
  list = fwa.http->Get("/api/v1/library/documents?language=ru&tag=sector%3Aagriculture",
                       fwa.Headers(false));
  ASSERT_EQ(list.Json()["items"].size(), 1u);
  EXPECT_EQ(list.Json()["items"][0]["id"], shared);
  EXPECT_FALSE(list.Json()["items"][0].contains("body"));

  HttpClient anonymous(server_->port());
  auto pub = anonymous.Get("/api/v1/public/library/documents");
  ASSERT_EQ(pub.status, 200);
  ASSERT_EQ(pub.Json()["items"].size(), 1u);
  EXPECT_EQ(pub.Json()["items"][0]["id"], open);
  EXPECT_FALSE(pub.Json()["items"][0].contains("created_by"));
  EXPECT_EQ(anonymous.Get("/api/v1/public/library/documents/" + std::to_string(open)).status, 200);
  EXPECT_EQ(anonymous.Get("/api/v1/public/library/documents/" + std::to_string(shared)).status,
            404);
  // Signed in or not, the public routes show public documents only.
  EXPECT_EQ(mlsp.http->Get("/api/v1/public/library/documents/" + std::to_string(own),
                           mlsp.Headers(false))
                .status,
            404);

  // The partner may read the shared document but not revise it; an auditor writes nothing.
  EXPECT_EQ(fwa.http->Send("PATCH", base + std::to_string(shared), {{"title", "x"}}, fwa.Headers())
                .status,
            403);
  Browser auditor = SignIn("mlsp.auditor");
  EXPECT_EQ(auditor.http
                ->Send("POST", "/api/v1/library/documents", KazakhLeaflet(), auditor.Headers())
                .status,
            403);
}

TEST_P(LibraryServerTest, VersionsAndTheRenderedPage) {
  Start();
  Browser mlsp = SignIn("mlsp.officer");
  const long long id = CreateDocument(mlsp, KazakhLeaflet());
  const std::string base = "/api/v1/library/documents/" + std::to_string(id);
  auto r = mlsp.http->Send("PATCH", base,
                           {{"title", "Жадынама 2026"}, {"body", "Жаңа мәтін."}, {"base_version", 1}},
                           mlsp.Headers());
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Json()["version"], 2);
  r = mlsp.http->Send("PATCH", base, {{"title", "Again"}, {"base_version", 1}}, mlsp.Headers());
  EXPECT_EQ(r.status, 409) << r.body;

  r = mlsp.http->Get(base + "/versions", mlsp.Headers(false));
  ASSERT_EQ(r.status, 200);
  ASSERT_EQ(r.Json()["items"].size(), 2u);
  EXPECT_EQ(r.Json()["items"][0]["title"], KazakhLeaflet()["title"]);
  r = mlsp.http->Get(base + "/versions/1", mlsp.Headers(false));
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.Json()["body"], KazakhLeaflet()["body"]);
  EXPECT_EQ(mlsp.http->Get(base + "/versions/3", mlsp.Headers(false)).status, 404);

  // Translations name each other.
  json en = EnglishGuidance();
  en["translation_of"] = id;
  en["visibility"] = "shared";
  const long long translation = CreateDocument(mlsp, en);
  r = mlsp.http->Get(base, mlsp.Headers(false));
  ASSERT_EQ(r.Json()["translations"].size(), 1u);
  EXPECT_EQ(r.Json()["translations"][0]["id"], translation);
  EXPECT_EQ(r.Json()["translations"][0]["language"], "en");

  r = mlsp.http->Get(base + "/html", mlsp.Headers(false));
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("content-type"), "text/html; charset=utf-8");
  EXPECT_NE(r.Header("content-security-policy").find("sandbox"), std::string::npos);
  EXPECT_NE(r.Header("content-security-policy").find("default-src 'none'"), std::string::npos);
  EXPECT_EQ(r.Header("x-content-type-options"), "nosniff");
  EXPECT_NE(r.body.find("<h1>Жадынама 2026</h1>"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("<p>Жаңа мәтін.</p>"), std::string::npos) << r.body;

  EXPECT_EQ(Count("audit_events WHERE action = 'library.update' AND object_id = '" +
                  std::to_string(id) + "'"),
            1);
}

TEST_P(LibraryServerTest, BadDocumentsAreRefusedAndNothingIsWritten) {
  Start();
  Browser mlsp = SignIn("mlsp.officer");
  const long long id = CreateDocument(mlsp, KazakhLeaflet());
  const auto before = Written();
  struct Case {
    const char* name;
    const char* field;
    json value;
    int status;
  };
  const std::vector<Case> cases = {
      {"script", "body", "Hi\n\n<script>alert(document.cookie)</script>", 422},
      {"inline HTML", "body", "Hi <img src=x onerror=alert(1)>", 422},
      {"javascript link", "body", "[click](javascript:alert(1))", 422},
      {"data link", "body", "[x](data:text/html,<script>alert(1)</script>)", 422},
      {"markup title", "title", "<b>bold</b>", 422},
      {"bad language", "language", "de", 422},
      {"unknown ILO code", "tags", {"ilo:no_such_indicator"}, 422},
      {"bad visibility", "visibility", "everyone", 422},
      {"wrong type", "tags", "ilo:deception", 400},
      {"empty title", "title", "", 400},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    json doc = KazakhLeaflet();
    doc[c.field] = c.value;
    auto r = mlsp.http->Send("POST", "/api/v1/library/documents", doc, mlsp.Headers());
    EXPECT_EQ(r.status, c.status) << r.body;
    EXPECT_EQ(r.Header("content-type"), "application/problem+json");
    // The same on revision.
    r = mlsp.http->Send("PATCH", "/api/v1/library/documents/" + std::to_string(id),
                        {{c.field, c.value}}, mlsp.Headers());
    EXPECT_EQ(r.status, c.status) << r.body;
  }
  json unknown = KazakhLeaflet();
  unknown["x"] = 1;
  auto r = mlsp.http->Send("POST", "/api/v1/library/documents", unknown, mlsp.Headers());
  EXPECT_EQ(r.status, 400);
  json html = KazakhLeaflet();
  html["body"] = "line 1\n\nline 3 <b>x</b>";
  r = mlsp.http->Send("POST", "/api/v1/library/documents", html, mlsp.Headers());
  EXPECT_NE(r.Json().value("detail", "").find("line 3"), std::string::npos) << r.body;
  EXPECT_EQ(Written(), before);
}

TEST_P(LibraryServerTest, AttachmentsAreTypedByContentAndStoredOnce) {
  Start();
  Browser mlsp = SignIn("mlsp.officer");
  Browser fwa = SignIn("fwa.officer");
  const long long a = CreateDocument(mlsp, KazakhLeaflet());
  const long long b = CreateDocument(mlsp, EnglishGuidance());
  const std::string base = "/api/v1/library/documents/" + std::to_string(a);
  const std::string pdf = std::string("%PDF-1.4\n\x00\xff\xfe binary", 19) + "\n%%EOF\n";

  auto r = mlsp.http->Request("POST", base + "/attachments?name=leaflet.pdf", pdf, mlsp.Headers());
  ASSERT_EQ(r.status, 201) << r.body;
  const std::string href = r.Json()["href"];
  EXPECT_EQ(r.Json()["media_type"], "application/pdf");
  r = mlsp.http->Request("POST",
                         "/api/v1/library/documents/" + std::to_string(b) +
                             "/attachments?name=copy.pdf",
                         pdf, mlsp.Headers());
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(Count("library_blobs"), 1);
  EXPECT_EQ(Count("library_attachments"), 2);

  r = fwa.http->Get(href, fwa.Headers(false));  // shared document: the partner downloads it
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body, pdf);
  EXPECT_EQ(r.Header("content-type"), "application/pdf");
  EXPECT_EQ(r.Header("content-disposition"), "attachment; filename=\"leaflet.pdf\"");
  r = mlsp.http->Get(base, mlsp.Headers(false));
  ASSERT_EQ(r.Json()["attachments"].size(), 1u);

  const auto before = Written();
  struct Bad {
    const char* name;
    std::string file, content;
    int status;
  };
  const std::vector<Bad> bad = {
      {"ELF named .pdf", "report.pdf", std::string("\x7f" "ELF\x02\x01\x01\x00\x00\x00", 10), 415},
      {"HTML named .pdf", "report.pdf", "<html><script>alert(1)</script></html>", 415},
      {"HTML named .txt", "notes.txt", "<!doctype html><p>hi", 415},
      {"text named .png", "photo.png", "plain words", 415},
      {"exe", "tool.exe", "MZ", 415},
      {"no name", "", "text", 400},
      {"too large", "big.txt",
       std::string(library::LibraryService::kMaxAttachmentBytes + 1, 'a'), 413},
  };
  for (const Bad& x : bad) {
    SCOPED_TRACE(x.name);
    r = mlsp.http->Request("POST", base + "/attachments?name=" + Encode(x.file), x.content,
                           mlsp.Headers());
    EXPECT_EQ(r.status, x.status) << r.body;
  }
  // Only the owning agency attaches.
  r = fwa.http->Request("POST", base + "/attachments?name=a.txt", "text", fwa.Headers());
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(Written(), before);
  EXPECT_EQ(Count("audit_events WHERE action = 'library.attach'"), 2);
}

INSTANTIATE_TEST_SUITE_P(Backends, LibraryServerTest,
                         ::testing::ValuesIn(kenes::testing::BackendNames()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace kenes::api
