#include "library/library_service.h"

#include <cmark.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <nlohmann/json.hpp>

#include "audit/audit_log.h"
#include "auth/policy.h"
#include "cases/taxonomy.h"
#include "core/content_type.h"
#include "core/crypto.h"
#include "core/utf8.h"

namespace kenes::library {

using core::ErrorCode;
using core::Fail;
using Json = nlohmann::json;
using search::Visibility;

const std::vector<std::string_view>& Sectors() {
  static const std::vector<std::string_view> v = {
      "agriculture", "horticulture", "food_processing", "construction", "hospitality",   "care",
      "cleaning",    "logistics",    "manufacturing",   "fishing",      "domestic_work", "other"};
  return v;
}

const std::vector<std::string_view>& Audiences() {
  static const std::vector<std::string_view> v = {"workers",    "employers",  "labour_providers",
                                                  "recruiters", "inspectors", "officers",
                                                  "trainers",   "public"};
  return v;
}

core::Status CheckTag(const std::string& tag) {
  const std::size_t colon = tag.find(':');
  if (colon != std::string::npos) {
    const std::string_view kind = std::string_view(tag).substr(0, colon);
    const std::string_view code = std::string_view(tag).substr(colon + 1);
    auto in = [&](const std::vector<std::string_view>& list) {
      return std::find(list.begin(), list.end(), code) != list.end();
    };
    if ((kind == "ilo" && cases::IsIndicator(code)) || (kind == "sector" && in(Sectors())) ||
        (kind == "audience" && in(Audiences()))) {
      return {};
    }
  }
  return Fail(ErrorCode::kUnprocessable,
              "unknown tag '" + tag.substr(0, 60) +
                  "': tags are ilo:<ILO indicator code>, sector:<code> or audience:<code>",
              "invalid-tag");
}

namespace {

struct NodeFree {
  void operator()(cmark_node* n) const { cmark_node_free(n); }
};
struct IterFree {
  void operator()(cmark_iter* i) const { cmark_iter_free(i); }
};

// The scheme of a link destination, lower-cased; "" for a relative reference (no ':' before the
// first '/', '?' or '#').
std::string SchemeOf(const std::string& url) {
  const std::size_t colon = url.find(':');
  if (colon == std::string::npos) return "";
  const std::size_t other = url.find_first_of("/?#");
  if (other != std::string::npos && other < colon) return "";
  std::string scheme = url.substr(0, colon);
  std::transform(scheme.begin(), scheme.end(), scheme.begin(),
                 [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  return scheme;
}

bool IsBlock(cmark_node_type t) {
  return t >= CMARK_NODE_FIRST_BLOCK && t <= CMARK_NODE_LAST_BLOCK;
}

}  // namespace

core::Result<RenderedMarkdown> RenderMarkdown(std::string_view markdown) {
  std::unique_ptr<cmark_node, NodeFree> root(cmark_parse_document(
      markdown.data(), markdown.size(), CMARK_OPT_DEFAULT | CMARK_OPT_VALIDATE_UTF8));
  if (!root) return Fail(ErrorCode::kInternal, "the Markdown parser failed");
  RenderedMarkdown out;
  std::unique_ptr<cmark_iter, IterFree> it(cmark_iter_new(root.get()));
  cmark_event_type ev = CMARK_EVENT_NONE;
  while ((ev = cmark_iter_next(it.get())) != CMARK_EVENT_DONE) {
    cmark_node* node = cmark_iter_get_node(it.get());
    const cmark_node_type type = cmark_node_get_type(node);
    const std::string line = std::to_string(cmark_node_get_start_line(node));
    if (ev == CMARK_EVENT_EXIT) {
      if (IsBlock(type) && !out.plain_text.empty() && out.plain_text.back() != '\n') {
        out.plain_text += '\n';
      }
      continue;
    }
    switch (type) {
      case CMARK_NODE_HTML_BLOCK:
      case CMARK_NODE_HTML_INLINE:
        return Fail(ErrorCode::kUnprocessable,
                    "the body holds raw HTML at line " + line +
                        "; write Markdown only (escape a literal '<' as '\\<')",
                    "unsafe-markdown");
      case CMARK_NODE_LINK:
      case CMARK_NODE_IMAGE: {
        const char* url = cmark_node_get_url(node);
        const std::string scheme = SchemeOf(url == nullptr ? "" : url);
        if (!scheme.empty() && scheme != "http" && scheme != "https" && scheme != "mailto") {
          return Fail(ErrorCode::kUnprocessable,
                      std::string(type == CMARK_NODE_LINK ? "a link" : "an image") + " at line " +
                          line + " uses the scheme '" + scheme.substr(0, 30) +
                          ":'; only http, https, mailto and relative links are allowed",
                      "unsafe-markdown");
        }
        break;
      }
      case CMARK_NODE_TEXT:
      case CMARK_NODE_CODE:
      case CMARK_NODE_CODE_BLOCK:
        if (const char* text = cmark_node_get_literal(node)) out.plain_text += text;
        break;
      case CMARK_NODE_SOFTBREAK:
      case CMARK_NODE_LINEBREAK:
        out.plain_text += ' ';
        break;
      default:
        break;
    }
  }
  // Safe rendering (the default since cmark 0.29) drops raw HTML and dangerous URLs: a second
  // line of defence behind the checks above.
  char* html = cmark_render_html(root.get(), CMARK_OPT_DEFAULT);
  if (html == nullptr) return Fail(ErrorCode::kInternal, "the Markdown renderer failed");
  out.html = html;
  cmark_get_default_mem_allocator()->free(html);
  return out;
}

namespace {

constexpr const char* kDocumentColumns =
    "d.id, d.agency, d.visibility, d.language, d.title, d.summary, d.body, d.tags,"
    " d.translation_of, d.version, d.created_at, d.created_by, d.updated_at, d.updated_by,"
    " d.translation_group";

std::string ActorName(const auth::Principal& who) { return who.system ? "system" : who.username; }

bool IsLanguage(const std::string& l) {
  return std::any_of(std::begin(kLanguages), std::end(kLanguages),
                     [&](const char* k) { return l == k; });
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  return s;
}

// Plain text (titles, summaries, file names): bounded, well-formed, no control characters and
// nothing a browser would read as markup.
core::Status CheckPlain(const char* field, const std::string& v, std::size_t max, bool required,
                        bool multiline) {
  auto bad = [&](ErrorCode code, const std::string& why, const char* type) {
    return Fail(code, std::string(field) + " " + why, type);
  };
  // The common checks; the markup rule below is stricter than the common one (a 422).
  if (auto ok = core::CheckPlainText(field, v, max, required, core::Markup::kAllowed); !ok) {
    return ok;
  }
  for (const char c : v) {
    if ((!multiline && (c == '\n' || c == '\r' || c == '\t')) || c == 0x7f) {
      return bad(ErrorCode::kInvalidArgument, "holds control characters", "invalid-field");
    }
  }
  const std::string lower = Lower(v);
  for (std::size_t i = lower.find('<'); i != std::string::npos; i = lower.find('<', i + 1)) {
    const char next = i + 1 < lower.size() ? lower[i + 1] : ' ';
    if ((next >= 'a' && next <= 'z') || next == '/' || next == '!' || next == '?') {
      return bad(ErrorCode::kUnprocessable, "holds HTML markup; write plain text", "unsafe-markup");
    }
  }
  if (lower.find("javascript:") != std::string::npos) {
    return bad(ErrorCode::kUnprocessable, "holds a javascript: URL", "unsafe-markup");
  }
  return {};
}

// The body's size and characters, then its Markdown. Returns its plain text.
core::Result<std::string> CheckBody(const std::string& body) {
  if (body.empty()) return Fail(ErrorCode::kInvalidArgument, "body is required", "invalid-field");
  if (body.size() > LibraryService::kMaxBodyBytes) {
    return Fail(ErrorCode::kInvalidArgument,
                "body is longer than " + std::to_string(LibraryService::kMaxBodyBytes) + " bytes",
                "invalid-field");
  }
  if (!core::IsValidUtf8(body)) {
    return Fail(ErrorCode::kInvalidArgument, "body is not valid UTF-8", "invalid-field");
  }
  for (const char c : body) {
    if ((static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\r' && c != '\t') ||
        c == 0x7f) {
      return Fail(ErrorCode::kInvalidArgument, "body holds control characters", "invalid-field");
    }
  }
  auto md = RenderMarkdown(body);
  if (!md) return tl::unexpected(md.error());
  return std::move(md->plain_text);
}

core::Status CheckLanguage(const std::string& language) {
  if (IsLanguage(language)) return {};
  return Fail(ErrorCode::kUnprocessable,
              "language '" + language.substr(0, 20) + "' is not one of kk, ru, en",
              "invalid-language");
}

// Sorted, without duplicates.
core::Result<std::vector<std::string>> CheckTags(std::vector<std::string> tags) {
  std::sort(tags.begin(), tags.end());
  tags.erase(std::unique(tags.begin(), tags.end()), tags.end());
  if (tags.size() > LibraryService::kMaxTags) {
    return Fail(ErrorCode::kInvalidArgument,
                "at most " + std::to_string(LibraryService::kMaxTags) + " tags", "invalid-field");
  }
  for (const std::string& t : tags) {
    if (auto ok = CheckTag(t); !ok) return tl::unexpected(ok.error());
  }
  return tags;
}

bool MaySee(const auth::Principal* who, const std::string& agency, Visibility v) {
  if (v == Visibility::kPublic) return true;
  if (who == nullptr) return false;
  if (auth::Authorize(*who, auth::Action::kLibraryRead, {agency, std::nullopt}) !=
      auth::Decision::kAllow) {
    return false;
  }
  return v == Visibility::kShared || who->system || who->agency == agency;
}

// Bound values of the visibility condition (see kVisible).
struct Reader {
  int signed_in = 0;  // may read shared documents
  int all = 0;        // the system principal
  std::string agency;

  explicit Reader(const auth::Principal* who) {
    if (who == nullptr) return;
    if (who->system) {
      all = 1;
      return;
    }
    if (!auth::MayPerform(*who, auth::Action::kLibraryRead)) return;
    signed_in = 1;
    agency = who->agency;
  }
};
constexpr const char* kVisible =
    "(d.visibility = 'public' OR (:signed_in = 1 AND d.visibility = 'shared')"
    " OR (:signed_in2 = 1 AND d.agency = :agency) OR :all_docs = 1)";

std::vector<std::string> ParseTags(const std::string& text) {
  std::vector<std::string> out;
  const Json j = Json::parse(text, nullptr, false);
  if (j.is_array()) {
    for (const auto& t : j) {
      if (t.is_string()) out.push_back(t.get<std::string>());
    }
  }
  return out;
}

Visibility VisibilityOf(const std::string& s) {
  return search::ParseVisibility(s).value_or(Visibility::kAgency);
}

Document FromRow(const soci::row& r, long long* group) {
  Document d;
  d.id = store::GetInt(r, 0);
  d.agency = store::GetText(r, 1);
  d.visibility = VisibilityOf(store::GetText(r, 2));
  d.language = store::GetText(r, 3);
  d.title = store::GetText(r, 4);
  d.summary = store::GetText(r, 5);
  d.body = store::GetText(r, 6);
  d.tags = ParseTags(store::GetText(r, 7));
  if (!store::IsNull(r, 8)) d.translation_of = store::GetInt(r, 8);
  d.version = store::GetInt(r, 9);
  d.created_at = store::GetText(r, 10);
  d.created_by = store::GetText(r, 11);
  d.updated_at = store::GetText(r, 12);
  d.updated_by = store::GetText(r, 13);
  if (group != nullptr) *group = store::GetInt(r, 14);
  return d;
}

// The document if `who` may see it; kNotFound otherwise.
core::Result<Document> LoadVisible(store::Conn& c, const auth::Principal* who, long long id,
                                   long long* group = nullptr) {
  soci::rowset<soci::row> rows = (c.sql().prepare << "SELECT " << kDocumentColumns
                                                  << " FROM library_documents d WHERE d.id = :id",
                                  soci::use(id));
  for (const auto& r : rows) {
    Document d = FromRow(r, group);
    if (MaySee(who, d.agency, d.visibility)) return d;
  }
  return Fail(ErrorCode::kNotFound, "no such document");
}

void LoadDetails(store::Conn& c, const auth::Principal* who, long long group, Document& d) {
  soci::rowset<soci::row> rows =
      (c.sql().prepare << "SELECT id, language, title, agency, visibility FROM library_documents"
                          " WHERE translation_group = :g AND id <> :id ORDER BY id",
       soci::use(group), soci::use(d.id));
  for (const auto& r : rows) {
    if (MaySee(who, store::GetText(r, 3), VisibilityOf(store::GetText(r, 4)))) {
      d.translations.push_back({store::GetInt(r, 0), store::GetText(r, 1), store::GetText(r, 2)});
    }
  }
  soci::rowset<soci::row> files =
      (c.sql().prepare << "SELECT a.sha256, a.name, b.media_type, a.at, a.author, b.size FROM"
                          " library_attachments a JOIN library_blobs b ON b.sha256 = a.sha256"
                          " WHERE a.document_id = :d ORDER BY a.at, a.sha256",
       soci::use(d.id));
  for (const auto& r : files) {
    d.attachments.push_back({store::GetText(r, 0), store::GetText(r, 1), store::GetText(r, 2),
                             store::GetText(r, 3), store::GetText(r, 4), store::GetInt(r, 5)});
  }
}

// What the search index holds for a document: its summary, body text and tags (with the
// indicators' names in all three languages, so that "Удержание заработной платы" finds
// documents tagged ilo:withholding_wages).
search::Entry IndexEntry(const Document& d, const std::string& body_text) {
  std::string text = d.summary + "\n" + body_text;
  for (const std::string& tag : d.tags) {
    text += "\n" + tag;
    if (tag.starts_with("ilo:")) {
      for (const auto& code : cases::Indicators()) {
        if (code.code == std::string_view(tag).substr(4)) {
          text +=
              " " + std::string(code.en) + " " + std::string(code.ru) + " " + std::string(code.kk);
        }
      }
    }
  }
  return {"document", d.id, d.agency, d.visibility, d.language, d.title, text};
}

void WriteTags(store::Conn& c, long long id, const std::vector<std::string>& tags) {
  c.sql() << "DELETE FROM library_document_tags WHERE document_id = :d", soci::use(id);
  for (const std::string& t : tags) {
    c.sql() << "INSERT INTO library_document_tags (document_id, tag) VALUES (:d, :t)",
        soci::use(id), soci::use(t);
  }
}

void WriteVersion(store::Conn& c, const Document& d) {
  const std::string visibility(search::VisibilityName(d.visibility)), tags = Json(d.tags).dump();
  c.sql() << "INSERT INTO library_versions (document_id, version, language, title, summary, body,"
             " visibility, tags, at, author) VALUES (:d, :v, :l, :t, :s, :b, :vis, :tags, :at,"
             " :au)",
      soci::use(d.id), soci::use(d.version), soci::use(d.language), soci::use(d.title),
      soci::use(d.summary), soci::use(d.body), soci::use(visibility), soci::use(tags),
      soci::use(d.updated_at), soci::use(d.updated_by);
}

// Is `language` taken by another document of the translation group?
core::Status CheckGroupLanguage(store::Conn& c, long long group, long long self,
                                const std::string& language) {
  long long n = 0;
  c.sql() << "SELECT COUNT(*) FROM library_documents WHERE translation_group = :g AND id <> :id"
             " AND language = :l",
      soci::use(group), soci::use(self), soci::use(language), soci::into(n);
  if (n == 0) return {};
  return Fail(ErrorCode::kUnprocessable,
              "this translation group already has a document in '" + language + "'",
              "translation-exists");
}

constexpr char kBase64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// Files are kept as base64 text: both backends store it the same way, NUL bytes and all.
std::string Base64(std::string_view in) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(in[i]) << 16) |
                       (static_cast<unsigned char>(in[i + 1]) << 8) |
                       static_cast<unsigned char>(in[i + 2]);
    out += kBase64[(v >> 18) & 63];
    out += kBase64[(v >> 12) & 63];
    out += kBase64[(v >> 6) & 63];
    out += kBase64[v & 63];
  }
  if (i < in.size()) {
    unsigned v = static_cast<unsigned char>(in[i]) << 16;
    if (i + 1 < in.size()) v |= static_cast<unsigned char>(in[i + 1]) << 8;
    out += kBase64[(v >> 18) & 63];
    out += kBase64[(v >> 12) & 63];
    out += i + 1 < in.size() ? kBase64[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::string FromBase64(std::string_view in) {
  std::string out;
  out.reserve(in.size() / 4 * 3);
  unsigned v = 0;
  int bits = 0;
  for (const char c : in) {
    const char* p = c == '\0' ? nullptr : std::strchr(kBase64, c);
    if (p == nullptr) continue;  // '=' padding
    v = (v << 6) | static_cast<unsigned>(p - kBase64);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((v >> bits) & 0xff);
    }
  }
  return out;
}

// What a file's extension promises; nullopt for extensions the library does not take.
std::optional<std::string_view> TypeForExtension(const std::string& ext) {
  static const std::vector<std::pair<std::string_view, std::string_view>> kTypes = {
      {"pdf", "application/pdf"},
      {"png", "image/png"},
      {"jpg", "image/jpeg"},
      {"jpeg", "image/jpeg"},
      {"gif", "image/gif"},
      {"docx", "application/zip"},
      {"xlsx", "application/zip"},
      {"pptx", "application/zip"},
      {"odt", "application/zip"},
      {"ods", "application/zip"},
      {"odp", "application/zip"},
      {"zip", "application/zip"},
      {"txt", "text/plain; charset=utf-8"},
      {"md", "text/plain; charset=utf-8"},
      {"csv", "text/plain; charset=utf-8"}};
  for (const auto& [e, type] : kTypes) {
    if (e == ext) return type;
  }
  return std::nullopt;
}

// Text a browser could run as a page or image (HTML, SVG, XML), whatever it is named.
bool LooksLikeMarkup(std::string_view content) {
  std::string head = Lower(std::string(content.substr(0, 4096)));
  if (head.starts_with("\xef\xbb\xbf")) head.erase(0, 3);
  const std::size_t start = head.find_first_not_of(" \t\r\n");
  if (start != std::string::npos && head[start] == '<') return true;
  return head.find("<script") != std::string::npos || head.find("<html") != std::string::npos ||
         head.find("<svg") != std::string::npos;
}

bool IsSha256(const std::string& s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

core::Error WriteDenied(auth::Decision d) {
  return auth::DeniedError(d, "your roles do not allow writing library documents",
                           "no such document");
}

}  // namespace

LibraryService::LibraryService(store::Database& db, const core::Clock& clock)
    : db_(db), clock_(clock) {}

std::vector<store::Migration> LibraryService::Migrations() {
  return {{800,
           "library_documents",
           {"CREATE TABLE library_documents ("
            " id {{id}},"
            " agency TEXT NOT NULL,"
            " visibility TEXT NOT NULL,"
            " language TEXT NOT NULL,"
            " title TEXT NOT NULL,"
            " summary TEXT NOT NULL,"
            " body TEXT NOT NULL,"
            " tags TEXT NOT NULL,"
            " translation_of BIGINT REFERENCES library_documents(id),"
            " translation_group BIGINT NOT NULL,"
            " version BIGINT NOT NULL,"
            " created_at TEXT NOT NULL,"
            " created_by TEXT NOT NULL,"
            " updated_at TEXT NOT NULL,"
            " updated_by TEXT NOT NULL)",
            "CREATE INDEX library_documents_group ON library_documents(translation_group)",
            "CREATE INDEX library_documents_updated ON library_documents(updated_at, id)",
            "CREATE TABLE library_document_tags ("
            " document_id BIGINT NOT NULL REFERENCES library_documents(id),"
            " tag TEXT NOT NULL,"
            " PRIMARY KEY (document_id, tag))",
            "CREATE INDEX library_document_tags_tag ON library_document_tags(tag)",
            "CREATE TABLE library_versions ("
            " document_id BIGINT NOT NULL REFERENCES library_documents(id),"
            " version BIGINT NOT NULL,"
            " language TEXT NOT NULL,"
            " title TEXT NOT NULL,"
            " summary TEXT NOT NULL,"
            " body TEXT NOT NULL,"
            " visibility TEXT NOT NULL,"
            " tags TEXT NOT NULL,"
            " at TEXT NOT NULL,"
            " author TEXT NOT NULL,"
            " PRIMARY KEY (document_id, version))",
            // Content-addressed: one row per distinct file, base64 text.
            "CREATE TABLE library_blobs ("
            " sha256 TEXT PRIMARY KEY,"
            " media_type TEXT NOT NULL,"
            " size BIGINT NOT NULL,"
            " content TEXT NOT NULL)",
            "CREATE TABLE library_attachments ("
            " document_id BIGINT NOT NULL REFERENCES library_documents(id),"
            " sha256 TEXT NOT NULL REFERENCES library_blobs(sha256),"
            " name TEXT NOT NULL,"
            " at TEXT NOT NULL,"
            " author TEXT NOT NULL,"
            " PRIMARY KEY (document_id, sha256))"}}};
}

core::Result<Document> LibraryService::Create(const auth::Principal& who, const NewDocument& n,
                                              const std::string& request_id) {
  const auth::Decision allowed =
      auth::Authorize(who, auth::Action::kLibraryWrite, {who.agency, std::nullopt});
  if (allowed != auth::Decision::kAllow) return tl::unexpected(WriteDenied(allowed));
  if (auto ok = CheckPlain("title", n.title, kMaxTitleBytes, true, false); !ok) {
    return tl::unexpected(ok.error());
  }
  if (auto ok = CheckPlain("summary", n.summary, kMaxSummaryBytes, false, true); !ok) {
    return tl::unexpected(ok.error());
  }
  if (auto ok = CheckLanguage(n.language); !ok) return tl::unexpected(ok.error());
  auto body_text = CheckBody(n.body);
  if (!body_text) return tl::unexpected(body_text.error());
  auto tags = CheckTags(n.tags);
  if (!tags) return tl::unexpected(tags.error());

  return db_.Write([&](store::Conn& c) -> core::Result<Document> {
    long long group = 0;
    if (n.translation_of) {
      auto original = LoadVisible(c, &who, *n.translation_of, &group);
      if (!original) {
        return Fail(ErrorCode::kNotFound, "translation_of: no such document", "not-found");
      }
      if (auto ok = CheckGroupLanguage(c, group, 0, n.language); !ok) {
        return tl::unexpected(ok.error());
      }
    }
    Document d;
    d.agency = who.agency;
    d.visibility = n.visibility;
    d.language = n.language;
    d.title = n.title;
    d.summary = n.summary;
    d.body = n.body;
    d.tags = *tags;
    d.translation_of = n.translation_of;
    d.version = 1;
    d.created_at = d.updated_at = core::FormatUtc(clock_.Now());
    d.created_by = d.updated_by = ActorName(who);
    const std::string visibility(search::VisibilityName(d.visibility)),
        tag_text = Json(d.tags).dump();
    long long translation_of = n.translation_of.value_or(0);
    soci::indicator translation_ind = n.translation_of ? soci::i_ok : soci::i_null;
    c.sql() << "INSERT INTO library_documents (agency, visibility, language, title, summary, body,"
               " tags, translation_of, translation_group, version, created_at, created_by,"
               " updated_at, updated_by) VALUES (:a, :vis, :l, :t, :s, :b, :tags, :tr, :g, 1, :ca,"
               " :cb, :ua, :ub) RETURNING id",
        soci::use(d.agency), soci::use(visibility), soci::use(d.language), soci::use(d.title),
        soci::use(d.summary), soci::use(d.body), soci::use(tag_text),
        soci::use(translation_of, translation_ind), soci::use(group), soci::use(d.created_at),
        soci::use(d.created_by), soci::use(d.updated_at), soci::use(d.updated_by), soci::into(d.id);
    if (group == 0) {
      group = d.id;
      c.sql() << "UPDATE library_documents SET translation_group = :g WHERE id = :id",
          soci::use(group), soci::use(d.id);
    }
    WriteTags(c, d.id, d.tags);
    WriteVersion(c, d);
    search::Upsert(c, IndexEntry(d, *body_text));
    Json detail = {{"version", 1}, {"language", d.language}, {"visibility", visibility}};
    if (d.translation_of) detail["translation_of"] = *d.translation_of;
    audit::Append(c, who.ToActor(request_id),
                  {"library.create", "library_document", std::to_string(d.id), detail},
                  clock_.Now());
    LoadDetails(c, &who, group, d);
    return d;
  });
}

core::Result<Document> LibraryService::Update(const auth::Principal& who, long long id,
                                              const DocumentUpdate& u,
                                              const std::string& request_id) {
  if (!auth::MayPerform(who, auth::Action::kLibraryWrite)) {
    return tl::unexpected(WriteDenied(auth::Decision::kForbidden));
  }
  if (u.title) {
    if (auto ok = CheckPlain("title", *u.title, kMaxTitleBytes, true, false); !ok) {
      return tl::unexpected(ok.error());
    }
  }
  if (u.summary) {
    if (auto ok = CheckPlain("summary", *u.summary, kMaxSummaryBytes, false, true); !ok) {
      return tl::unexpected(ok.error());
    }
  }
  if (u.language) {
    if (auto ok = CheckLanguage(*u.language); !ok) return tl::unexpected(ok.error());
  }
  if (u.body) {
    if (auto ok = CheckBody(*u.body); !ok) return tl::unexpected(ok.error());
  }
  std::optional<std::vector<std::string>> tags;
  if (u.tags) {
    auto checked = CheckTags(*u.tags);
    if (!checked) return tl::unexpected(checked.error());
    tags = std::move(*checked);
  }

  return db_.Write([&](store::Conn& c) -> core::Result<Document> {
    long long group = 0;
    auto loaded = LoadVisible(c, &who, id, &group);
    if (!loaded) return loaded;
    Document d = std::move(*loaded);
    if (auth::Authorize(who, auth::Action::kLibraryWrite, {d.agency, std::nullopt}) !=
        auth::Decision::kAllow) {
      return Fail(ErrorCode::kPermissionDenied,
                  "only the owning agency's writers may revise this document", "forbidden");
    }
    if (u.base_version && *u.base_version != d.version) {
      return Fail(ErrorCode::kConflict,
                  "the document is at version " + std::to_string(d.version) + ", not " +
                      std::to_string(*u.base_version) + "; reload and try again",
                  "stale-version");
    }
    std::vector<std::string> changed;
    auto set = [&](auto& field, const auto& value, const char* name) {
      if (field != value) {
        field = value;
        changed.emplace_back(name);
      }
    };
    if (u.title) set(d.title, *u.title, "title");
    if (u.summary) set(d.summary, *u.summary, "summary");
    if (u.body) set(d.body, *u.body, "body");
    if (u.language) set(d.language, *u.language, "language");
    if (u.visibility) set(d.visibility, *u.visibility, "visibility");
    if (tags) set(d.tags, *tags, "tags");
    if (changed.empty()) {
      LoadDetails(c, &who, group, d);
      return d;  // nothing to record
    }
    if (u.language) {
      if (auto ok = CheckGroupLanguage(c, group, d.id, d.language); !ok) {
        return tl::unexpected(ok.error());
      }
    }
    ++d.version;
    d.updated_at = core::FormatUtc(clock_.Now());
    d.updated_by = ActorName(who);
    const std::string visibility(search::VisibilityName(d.visibility)),
        tag_text = Json(d.tags).dump();
    c.sql() << "UPDATE library_documents SET visibility = :vis, language = :l, title = :t,"
               " summary = :s, body = :b, tags = :tags, version = :v, updated_at = :ua,"
               " updated_by = :ub WHERE id = :id",
        soci::use(visibility), soci::use(d.language), soci::use(d.title), soci::use(d.summary),
        soci::use(d.body), soci::use(tag_text), soci::use(d.version), soci::use(d.updated_at),
        soci::use(d.updated_by), soci::use(d.id);
    if (tags) WriteTags(c, d.id, d.tags);
    WriteVersion(c, d);
    auto md = RenderMarkdown(d.body);
    if (!md) return tl::unexpected(md.error());
    search::Upsert(c, IndexEntry(d, md->plain_text));
    audit::Append(c, who.ToActor(request_id),
                  {"library.update",
                   "library_document",
                   std::to_string(d.id),
                   {{"version", d.version}, {"fields", changed}, {"visibility", visibility}}},
                  clock_.Now());
    LoadDetails(c, &who, group, d);
    return d;
  });
}

core::Result<Document> LibraryService::Get(const auth::Principal* who, long long id) const {
  return db_.Read([&](store::Conn& c) -> core::Result<Document> {
    long long group = 0;
    auto d = LoadVisible(c, who, id, &group);
    if (d) LoadDetails(c, who, group, *d);
    return d;
  });
}

core::Result<std::vector<Document>> LibraryService::List(const auth::Principal* who,
                                                         const ListFilter& f) const {
  if (f.language) {
    if (auto ok = CheckLanguage(*f.language); !ok) return tl::unexpected(ok.error());
  }
  if (f.tag) {
    if (auto ok = CheckTag(*f.tag); !ok) return tl::unexpected(ok.error());
  }
  const Reader reader(who);
  const std::string language = f.language.value_or(""), tag = f.tag.value_or(""),
                    visibility = f.visibility ? std::string(search::VisibilityName(*f.visibility))
                                              : std::string();
  const int limit = std::clamp(f.limit, 1, 500);
  return db_.Read([&](store::Conn& c) -> core::Result<std::vector<Document>> {
    std::vector<Document> out;
    soci::rowset<soci::row> rows =
        (c.sql().prepare << "SELECT " << kDocumentColumns << " FROM library_documents d WHERE "
                         << kVisible
                         << " AND (:lang = '' OR d.language = :lang2)"
                            " AND (:vis = '' OR d.visibility = :vis2)"
                            " AND (:tag = '' OR EXISTS (SELECT 1 FROM library_document_tags t"
                            " WHERE t.document_id = d.id AND t.tag = :tag2))"
                            " ORDER BY d.updated_at DESC, d.id DESC LIMIT :n",
         soci::use(reader.signed_in, "signed_in"), soci::use(reader.signed_in, "signed_in2"),
         soci::use(reader.agency, "agency"), soci::use(reader.all, "all_docs"),
         soci::use(language, "lang"), soci::use(language, "lang2"), soci::use(visibility, "vis"),
         soci::use(visibility, "vis2"), soci::use(tag, "tag"), soci::use(tag, "tag2"),
         soci::use(limit, "n"));
    for (const auto& r : rows) {
      Document d = FromRow(r, nullptr);
      d.body.clear();
      out.push_back(std::move(d));
    }
    return out;
  });
}

core::Result<std::vector<Version>> LibraryService::Versions(const auth::Principal* who,
                                                            long long id) const {
  return db_.Read([&](store::Conn& c) -> core::Result<std::vector<Version>> {
    if (auto d = LoadVisible(c, who, id); !d) return tl::unexpected(d.error());
    std::vector<Version> out;
    soci::rowset<soci::row> rows =
        (c.sql().prepare << "SELECT version, language, title, summary, visibility, tags, at, author"
                            " FROM library_versions WHERE document_id = :d ORDER BY version",
         soci::use(id));
    for (const auto& r : rows) {
      out.push_back({id, store::GetInt(r, 0), store::GetText(r, 1), store::GetText(r, 2),
                     store::GetText(r, 3), "", VisibilityOf(store::GetText(r, 4)),
                     ParseTags(store::GetText(r, 5)), store::GetText(r, 6), store::GetText(r, 7)});
    }
    return out;
  });
}

core::Result<Version> LibraryService::GetVersion(const auth::Principal* who, long long id,
                                                 long long version) const {
  return db_.Read([&](store::Conn& c) -> core::Result<Version> {
    if (auto d = LoadVisible(c, who, id); !d) return tl::unexpected(d.error());
    soci::rowset<soci::row> rows =
        (c.sql().prepare << "SELECT version, language, title, summary, body, visibility, tags, at,"
                            " author FROM library_versions WHERE document_id = :d AND version = :v",
         soci::use(id), soci::use(version));
    for (const auto& r : rows) {
      return Version{id,
                     store::GetInt(r, 0),
                     store::GetText(r, 1),
                     store::GetText(r, 2),
                     store::GetText(r, 3),
                     store::GetText(r, 4),
                     VisibilityOf(store::GetText(r, 5)),
                     ParseTags(store::GetText(r, 6)),
                     store::GetText(r, 7),
                     store::GetText(r, 8)};
    }
    return Fail(ErrorCode::kNotFound, "no such version");
  });
}

core::Result<std::string> LibraryService::RenderHtml(const auth::Principal* who,
                                                     long long id) const {
  auto d = Get(who, id);
  if (!d) return tl::unexpected(d.error());
  auto md = RenderMarkdown(d->body);
  if (!md) return tl::unexpected(md.error());
  // The title and summary went through CheckPlain; escape them anyway.
  auto escape = [](const std::string& v) {
    std::string out;
    core::AppendHtmlEscaped(out, v);
    return out;
  };
  std::string page = "<!DOCTYPE html>\n<html lang=\"" + d->language +
                     "\">\n<head>\n<meta charset=\"utf-8\">\n<title>" + escape(d->title) +
                     "</title>\n</head>\n<body>\n<article>\n<h1>" + escape(d->title) + "</h1>\n";
  if (!d->summary.empty()) page += "<p><em>" + escape(d->summary) + "</em></p>\n";
  page += md->html + "</article>\n</body>\n</html>\n";
  return page;
}

core::Result<Attachment> LibraryService::Attach(const auth::Principal& who, long long id,
                                                const std::string& name, std::string_view content,
                                                const std::string& request_id) {
  if (!auth::MayPerform(who, auth::Action::kLibraryWrite)) {
    return tl::unexpected(WriteDenied(auth::Decision::kForbidden));
  }
  if (auto ok = CheckPlain("name", name, 200, true, false); !ok) return tl::unexpected(ok.error());
  const auto sniffed = core::CheckUpload(name, content, kMaxAttachmentBytes);
  if (!sniffed) return tl::unexpected(sniffed.error());
  const std::string& type = *sniffed;
  if (type.starts_with("text/") && LooksLikeMarkup(content)) {
    return Fail(ErrorCode::kUnsupportedMedia, "HTML, SVG and XML files are not accepted",
                "unsupported-file-type");
  }
  const std::size_t dot = name.rfind('.');
  if (dot != std::string::npos) {
    const std::string ext = Lower(name.substr(dot + 1));
    const auto promised = TypeForExtension(ext);
    if (!promised) {
      return Fail(ErrorCode::kUnsupportedMedia,
                  "files named ." + ext.substr(0, 10) + " are not accepted",
                  "unsupported-file-type");
    }
    if (*promised != type) {
      return Fail(ErrorCode::kUnsupportedMedia,
                  "the file is named ." + ext + " but its content is " + type,
                  "unsupported-file-type");
    }
  }
  const std::string hash = core::Sha256Hex(content);
  const long long size = static_cast<long long>(content.size());

  return db_.Write([&](store::Conn& c) -> core::Result<Attachment> {
    auto d = LoadVisible(c, &who, id);
    if (!d) return tl::unexpected(d.error());
    if (auth::Authorize(who, auth::Action::kLibraryWrite, {d->agency, std::nullopt}) !=
        auth::Decision::kAllow) {
      return Fail(ErrorCode::kPermissionDenied,
                  "only the owning agency's writers may attach files to this document",
                  "forbidden");
    }
    Attachment a{hash, name, type, core::FormatUtc(clock_.Now()), ActorName(who), size};
    {
      std::string existing_name, existing_at, existing_author;
      c.sql() << "SELECT name, at, author FROM library_attachments WHERE document_id = :d AND"
                 " sha256 = :h",
          soci::use(id), soci::use(hash), soci::into(existing_name), soci::into(existing_at),
          soci::into(existing_author);
      if (c.sql().got_data()) {
        a.name = existing_name;
        a.at = existing_at;
        a.author = existing_author;
        return a;  // already there: nothing changes
      }
    }
    long long present = 0;
    c.sql() << "SELECT COUNT(*) FROM library_blobs WHERE sha256 = :h", soci::use(hash),
        soci::into(present);
    if (present == 0) {
      const std::string encoded = Base64(content);
      c.sql() << "INSERT INTO library_blobs (sha256, media_type, size, content) VALUES (:h, :t,"
                 " :z, :c)",
          soci::use(hash), soci::use(type), soci::use(size), soci::use(encoded);
    }
    c.sql() << "INSERT INTO library_attachments (document_id, sha256, name, at, author) VALUES"
               " (:d, :h, :n, :a, :u)",
        soci::use(id), soci::use(hash), soci::use(a.name), soci::use(a.at), soci::use(a.author);
    audit::Append(c, who.ToActor(request_id),
                  {"library.attach",
                   "library_document",
                   std::to_string(id),
                   {{"sha256", hash}, {"size", size}, {"type", type}, {"new_blob", present == 0}}},
                  clock_.Now());
    return a;
  });
}

core::Result<LibraryService::File> LibraryService::GetAttachment(const auth::Principal* who,
                                                                 long long id,
                                                                 const std::string& sha256) const {
  return db_.Read([&](store::Conn& c) -> core::Result<File> {
    if (auto d = LoadVisible(c, who, id); !d) return tl::unexpected(d.error());
    if (!IsSha256(sha256)) return Fail(ErrorCode::kNotFound, "no such attachment");
    File f;
    std::string encoded;
    c.sql() << "SELECT a.name, b.media_type, b.content FROM library_attachments a JOIN"
               " library_blobs b ON b.sha256 = a.sha256 WHERE a.document_id = :d AND"
               " a.sha256 = :h",
        soci::use(id), soci::use(sha256), soci::into(f.name), soci::into(f.media_type),
        soci::into(encoded);
    if (!c.sql().got_data()) return Fail(ErrorCode::kNotFound, "no such attachment");
    f.content = FromBase64(encoded);
    return f;
  });
}

}  // namespace kenes::library
