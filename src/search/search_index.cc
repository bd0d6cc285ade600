#include "search/search_index.h"

#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <cstdint>

#include "core/utf8.h"

namespace kenes::search {

using core::ErrorCode;
using core::Fail;

std::string_view VisibilityName(Visibility v) {
  switch (v) {
    case Visibility::kAgency:
      return "agency";
    case Visibility::kShared:
      return "shared";
    case Visibility::kPublic:
      return "public";
  }
  return "agency";
}

std::optional<Visibility> ParseVisibility(std::string_view name) {
  for (Visibility v : {Visibility::kAgency, Visibility::kShared, Visibility::kPublic}) {
    if (VisibilityName(v) == name) return v;
  }
  return std::nullopt;
}

namespace {

// One word of a text: its bytes [begin, end) and its folded form.
struct Token {
  std::size_t begin = 0, end = 0;
  std::string folded;
};

bool IsWordChar(UChar32 c) {
  return (U_GET_GC_MASK(c) & (U_GC_L_MASK | U_GC_N_MASK | U_GC_M_MASK)) != 0;
}

std::string Fold(std::string_view word) {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* nfkc_cf = icu::Normalizer2::getNFKCCasefoldInstance(status);
  const icu::UnicodeString in = icu::UnicodeString::fromUTF8(
      icu::StringPiece(word.data(), static_cast<int32_t>(word.size())));
  icu::UnicodeString out = U_SUCCESS(status) ? nfkc_cf->normalize(in, status) : in;
  if (U_FAILURE(status)) out = in;
  // Russian writes ё and е interchangeably; Kazakh has no ё of its own.
  out.findAndReplace(icu::UnicodeString(static_cast<UChar32>(0x451)),
                     icu::UnicodeString(static_cast<UChar32>(0x435)));
  std::string utf8;
  out.toUTF8String(utf8);
  // Folding can yield characters that are not word characters (rare compatibility forms): the
  // backends would split there, so keep only word characters.
  std::string clean;
  clean.reserve(utf8.size());
  std::int32_t i = 0;
  const auto n = static_cast<std::int32_t>(utf8.size());
  while (i < n) {
    const std::int32_t start = i;
    UChar32 c = 0;
    U8_NEXT(utf8.data(), i, n, c);
    if (c >= 0 && IsWordChar(c)) clean.append(utf8, start, i - start);
  }
  return clean;
}

std::vector<Token> Tokenize(std::string_view text) {
  std::vector<Token> out;
  std::int32_t i = 0;
  const auto n = static_cast<std::int32_t>(std::min<std::size_t>(text.size(), INT32_MAX));
  std::int32_t word_start = -1;
  auto close = [&](std::int32_t end) {
    if (word_start < 0) return;
    std::string folded = Fold(text.substr(static_cast<std::size_t>(word_start),
                                          static_cast<std::size_t>(end - word_start)));
    if (!folded.empty()) {
      out.push_back(
          {static_cast<std::size_t>(word_start), static_cast<std::size_t>(end), std::move(folded)});
    }
    word_start = -1;
  };
  while (i < n) {
    const std::int32_t at = i;
    UChar32 c = 0;
    U8_NEXT(text.data(), i, n, c);
    if (c >= 0 && IsWordChar(c)) {
      if (word_start < 0) word_start = at;
    } else {
      close(at);
    }
  }
  close(n);
  return out;
}

// `text` HTML-escaped, with runs of white space as one space when `collapse_space`.
void AppendEscaped(std::string& out, std::string_view text, bool collapse_space) {
  if (!collapse_space) {
    core::AppendHtmlEscaped(out, text);
    return;
  }
  std::string collapsed;
  bool space = false;
  for (const char c : text) {
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
      space = true;
      continue;
    }
    if (space) collapsed += ' ';
    space = false;
    collapsed += c;
  }
  if (space) collapsed += ' ';
  core::AppendHtmlEscaped(out, collapsed);
}

bool Matches(const std::string& word, const std::vector<std::string>& terms, bool last_is_prefix) {
  for (std::size_t t = 0; t < terms.size(); ++t) {
    if (word == terms[t]) return true;
    if (last_is_prefix && t + 1 == terms.size() && word.starts_with(terms[t])) return true;
  }
  return false;
}

// The folded text both backends index: the terms separated by single spaces.
std::string IndexText(std::string_view text) {
  std::string out;
  for (const Token& t : Tokenize(text)) {
    if (!out.empty()) out += ' ';
    out += t.folded;
  }
  return out;
}

bool ValidKind(const std::string& kind) {
  return !kind.empty() && kind.size() <= 32 && std::all_of(kind.begin(), kind.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || c == '_';
  });
}

}  // namespace

std::vector<std::string> Terms(std::string_view text) {
  std::vector<std::string> out;
  for (Token& t : Tokenize(text)) out.push_back(std::move(t.folded));
  return out;
}

std::string Snippet(std::string_view text, const std::vector<std::string>& terms,
                    bool last_is_prefix) {
  constexpr std::size_t kBefore = 8, kWords = 30;
  const std::vector<Token> tokens = Tokenize(text);
  std::size_t first = 0;
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    if (Matches(tokens[i].folded, terms, last_is_prefix)) {
      first = i;
      break;
    }
  }
  const std::size_t from = first > kBefore ? first - kBefore : 0;
  const std::size_t to = std::min(tokens.size(), from + kWords);
  std::string out;
  if (from > 0) out += "… ";
  std::size_t pos = from > 0 ? tokens[from].begin : 0;
  for (std::size_t i = from; i < to; ++i) {
    AppendEscaped(out, text.substr(pos, tokens[i].begin - pos), true);
    const std::string_view word = text.substr(tokens[i].begin, tokens[i].end - tokens[i].begin);
    if (Matches(tokens[i].folded, terms, last_is_prefix)) {
      out += "<mark>";
      AppendEscaped(out, word, false);
      out += "</mark>";
    } else {
      AppendEscaped(out, word, false);
    }
    pos = tokens[i].end;
  }
  if (to < tokens.size()) {
    out += " …";
  } else if (pos < text.size()) {
    AppendEscaped(out, text.substr(pos), true);
  }
  // Trim the spaces collapsing may leave at the edges.
  while (!out.empty() && out.back() == ' ') out.pop_back();
  const std::size_t lead = out.find_first_not_of(' ');
  return lead == std::string::npos ? std::string() : out.substr(lead);
}

void Upsert(store::Conn& conn, const Entry& e) {
  const std::string visibility(VisibilityName(e.visibility));
  const std::string title_terms = IndexText(e.title), body_terms = IndexText(e.body);
  auto& sql = conn.sql();
  long long row_id = 0;
  sql << "SELECT id FROM search_entries WHERE kind = :k AND ref_id = :r", soci::use(e.kind),
      soci::use(e.id), soci::into(row_id);
  if (sql.got_data()) {
    sql << "UPDATE search_entries SET agency = :a, visibility = :v, language = :l, title = :t,"
           " body = :b, title_terms = :tt, body_terms = :bt WHERE id = :id",
        soci::use(e.agency), soci::use(visibility), soci::use(e.language), soci::use(e.title),
        soci::use(e.body), soci::use(title_terms), soci::use(body_terms), soci::use(row_id);
  } else {
    sql << "INSERT INTO search_entries (kind, ref_id, agency, visibility, language, title, body,"
           " title_terms, body_terms) VALUES (:k, :r, :a, :v, :l, :t, :b, :tt, :bt) RETURNING id",
        soci::use(e.kind), soci::use(e.id), soci::use(e.agency), soci::use(visibility),
        soci::use(e.language), soci::use(e.title), soci::use(e.body), soci::use(title_terms),
        soci::use(body_terms), soci::into(row_id);
  }
  if (conn.backend() == store::Backend::kSqlite) {
    // PostgreSQL computes its tsvector column itself; the FTS5 table is kept by hand.
    sql << "DELETE FROM search_fts WHERE rowid = :id", soci::use(row_id);
    sql << "INSERT INTO search_fts (rowid, title, body) VALUES (:id, :t, :b)", soci::use(row_id),
        soci::use(title_terms), soci::use(body_terms);
  }
}

void Remove(store::Conn& conn, const std::string& kind, long long id) {
  auto& sql = conn.sql();
  long long row_id = 0;
  sql << "SELECT id FROM search_entries WHERE kind = :k AND ref_id = :r", soci::use(kind),
      soci::use(id), soci::into(row_id);
  if (!sql.got_data()) return;
  if (conn.backend() == store::Backend::kSqlite) {
    sql << "DELETE FROM search_fts WHERE rowid = :id", soci::use(row_id);
  }
  sql << "DELETE FROM search_entries WHERE id = :id", soci::use(row_id);
}

SearchService::SearchService(store::Database& db) : db_(db) {}

core::Result<std::vector<Hit>> SearchService::Search(const auth::Principal* who,
                                                     const std::string& query,
                                                     const std::vector<std::string>& kinds,
                                                     int limit) const {
  if (query.find_first_not_of(" \t\r\n") == std::string::npos) {
    return Fail(ErrorCode::kInvalidArgument, "the query is empty", "invalid-query");
  }
  if (query.size() > kMaxQueryBytes) {
    return Fail(ErrorCode::kInvalidArgument,
                "the query is longer than " + std::to_string(kMaxQueryBytes) + " bytes",
                "invalid-query");
  }
  if (!core::IsValidUtf8(query)) {
    return Fail(ErrorCode::kInvalidArgument, "the query is not valid UTF-8", "invalid-query");
  }
  std::string kind_filter;
  for (const std::string& k : kinds) {
    if (!ValidKind(k)) {
      return Fail(ErrorCode::kInvalidArgument, "kind must be lower-case letters", "invalid-query");
    }
    kind_filter += (kind_filter.empty() ? "'" : ", '") + k + "'";  // checked: [a-z_] only
  }
  std::vector<std::string> terms = Terms(query);
  // Only punctuation or operators: nothing can match.
  if (terms.empty()) return std::vector<Hit>{};
  if (terms.size() > 16) terms.resize(16);
  const unsigned char last_char = static_cast<unsigned char>(query.back());
  const bool prefix = !(last_char == ' ' || last_char == '\t' || last_char == '\n');
  limit = std::clamp(limit, 1, kMaxLimit);

  // Terms are letters, digits and marks only, so quoting them leaves no syntax to inject.
  const bool sqlite = db_.backend() == store::Backend::kSqlite;
  std::string match;
  for (std::size_t i = 0; i < terms.size(); ++i) {
    const bool p = prefix && i + 1 == terms.size();
    if (sqlite) {
      match += (i > 0 ? " \"" : "\"") + terms[i] + (p ? "\"*" : "\"");
    } else {
      match += (i > 0 ? " & '" : "'") + terms[i] + (p ? "':*" : "'");
    }
  }

  std::string where;
  std::string agency;
  if (who == nullptr) {
    where = " AND e.visibility = 'public'";
  } else if (!who->system) {
    where = " AND (e.visibility IN ('public', 'shared') OR e.agency = :agency)";
    agency = who->agency;
  }
  if (!kind_filter.empty()) where += " AND e.kind IN (" + kind_filter + ")";

  std::string sql_text;
  if (sqlite) {
    // bm25 is lower for better matches; a title term counts ten times a body term.
    sql_text =
        "SELECT e.kind, e.ref_id, e.title, e.body, -bm25(search_fts, 10.0, 1.0) AS score"
        " FROM search_fts JOIN search_entries e ON e.id = search_fts.rowid"
        " WHERE search_fts MATCH :q" +
        where + " ORDER BY score DESC, e.id LIMIT :n";
  } else {
    // Weights D, C, B, A: titles are A, bodies B.
    sql_text =
        "SELECT e.kind, e.ref_id, e.title, e.body,"
        " ts_rank_cd('{0.1, 0.2, 0.3, 1.0}'::float4[], e.tsv, q) AS score"
        " FROM search_entries e, to_tsquery('simple', :q) q"
        " WHERE e.tsv @@ q" +
        where + " ORDER BY score DESC, e.id LIMIT :n";
  }
  return db_.Read([&](store::Conn& c) -> core::Result<std::vector<Hit>> {
    std::vector<Hit> hits;
    soci::row row;
    soci::statement st =
        agency.empty() ? (c.sql().prepare << sql_text, soci::use(match, "q"), soci::use(limit, "n"),
                          soci::into(row))
                       : (c.sql().prepare << sql_text, soci::use(match, "q"),
                          soci::use(agency, "agency"), soci::use(limit, "n"), soci::into(row));
    if (st.execute(true)) {
      do {
        Hit h;
        h.kind = store::GetText(row, 0);
        h.id = store::GetInt(row, 1);
        h.title = store::GetText(row, 2);
        const std::string body = store::GetText(row, 3);
        h.snippet = Snippet(body.empty() ? h.title : body, terms, prefix);
        h.rank = store::GetReal(row, 4);
        hits.push_back(std::move(h));
      } while (st.fetch());
    }
    return hits;
  });
}

std::vector<store::Migration> SearchService::Migrations() {
  return {{700,
           "search_entries",
           {"CREATE TABLE search_entries ("
            " id {{id}},"
            " kind TEXT NOT NULL,"
            " ref_id BIGINT NOT NULL,"
            " agency TEXT NOT NULL,"
            " visibility TEXT NOT NULL,"
            " language TEXT NOT NULL,"
            " title TEXT NOT NULL,"
            " body TEXT NOT NULL,"
            " title_terms TEXT NOT NULL,"
            " body_terms TEXT NOT NULL,"
            " UNIQUE (kind, ref_id))",
            // Words are split and folded in C++ (Terms), so the tokenizers only split on spaces
            // and both backends see the same words.
            "{{sqlite}}CREATE VIRTUAL TABLE search_fts USING fts5(title, body,"
            " tokenize = \"unicode61 remove_diacritics 0 categories 'L* N* Co M*'\")",
            "{{postgresql}}ALTER TABLE search_entries ADD COLUMN tsv tsvector GENERATED ALWAYS AS"
            " (setweight(to_tsvector('simple', title_terms), 'A') ||"
            " setweight(to_tsvector('simple', body_terms), 'B')) STORED",
            "{{postgresql}}CREATE INDEX search_entries_tsv ON search_entries USING GIN (tsv)"}}};
}

}  // namespace kenes::search
