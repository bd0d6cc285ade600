// One full-text index over the records people look for: library documents, Dialogue meetings,
// agreements and commitments. Each module puts its records in (Upsert) inside its own write
// transaction, so the index never disagrees with the records. SQLite uses FTS5, PostgreSQL its
// full-text search (tsvector + GIN); both answer the same queries with ranked results and
// highlighted snippets, and only show a principal what each entry's visibility allows.
// Thread-safe: the store is.
#pragma once

#include <string>
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

  // Hits for `query` that `who` may see (nullptr: anonymous, public entries only), best first.
  // `kinds` empty: every kind. Errors: kInvalidArgument for an empty or over-long query.
  core::Result<std::vector<Hit>> Search(const auth::Principal* who, const std::string& query,
                                        const std::vector<std::string>& kinds, int limit) const;

  static std::vector<store::Migration> Migrations();

 private:
  store::Database& db_;
};

}  // namespace kenes::search
