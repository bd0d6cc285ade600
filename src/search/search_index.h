// One full-text index over the records people look for: library documents, Dialogue meetings,
// agreements and commitments. Each module puts its records in (Upsert) inside its own write
// transaction, so the index never disagrees with the records. SQLite uses FTS5, PostgreSQL its
// full-text search (tsvector + GIN); both answer the same queries with ranked results and
// highlighted snippets, and only show a principal what each entry's visibility allows.
// Thread-safe: the store is.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/principal.h"
#include "core/error.h"
#include "store/database.h"

namespace kenes::search {

enum class Visibility {
  kAgency,  // the owning agency only
  kShared,  // every agency of the cooperation
  kPublic,  // also people without an account
};

std::string_view VisibilityName(Visibility v);
std::optional<Visibility> ParseVisibility(std::string_view name);  // agency, shared, public

struct Entry {
  std::string kind;  // "document", "meeting", "agreement", "commitment"
  long long id = 0;
  std::string agency;  // owner
  Visibility visibility = Visibility::kShared;
  std::string language;  // kk, ru, en, or empty
  std::string title;
  std::string body;  // plain text
};

// The words of `text` as both backends index and query them: runs of letters, digits and marks,
// each NFKC-case-folded with ICU (and ё read as е), so that "Еңбек", "ЕҢБЕК" and "еңбек" are one
// term whatever the database's locale. Invalid UTF-8 bytes separate words.
std::vector<std::string> Terms(std::string_view text);

// `text` HTML-escaped, with the words that match `terms` in <mark>…</mark>: a window of about 30
// words around the first match (the start of `text` when nothing matches), "…" where cut.
// `last_is_prefix`: the last term also matches words that start with it.
std::string Snippet(std::string_view text, const std::vector<std::string>& terms,
                    bool last_is_prefix);

// Adds or replaces (kind, id). REQUIRES: `conn` is inside Database::Write.
void Upsert(store::Conn& conn, const Entry& entry);
// Removes (kind, id) if present. REQUIRES: `conn` is inside Database::Write.
void Remove(store::Conn& conn, const std::string& kind, long long id);

struct Hit {
  std::string kind;
  long long id = 0;
  std::string title;
  std::string snippet;  // HTML-escaped text with the matches in <mark>…</mark>
  double rank = 0;      // higher is better
};

class SearchService {
 public:
  explicit SearchService(store::Database& db);

  static constexpr std::size_t kMaxQueryBytes = 500;
  static constexpr int kMaxLimit = 100;

  // Hits for `query` that `who` may see (nullptr: anonymous, public entries only; the system
  // principal sees everything), best first; title matches weigh more than body matches. The
  // query is plain words, never search-engine syntax: every entry holding all of them matches
  // (the last also as a prefix unless followed by a space). `kinds` empty: every kind. `limit` is
  // clamped to [1, kMaxLimit]. Errors: kInvalidArgument for an empty or over-long query or a
  // malformed kind.
  core::Result<std::vector<Hit>> Search(const auth::Principal* who, const std::string& query,
                                        const std::vector<std::string>& kinds, int limit) const;

  // Schema of this module (versions 700-799).
  static std::vector<store::Migration> Migrations();

 private:
  store::Database& db_;
};

}  // namespace kenes::search
