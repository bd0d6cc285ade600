#include "search/search_index.h"

namespace kenes::search {

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

void Upsert(store::Conn&, const Entry&) {}
void Remove(store::Conn&, const std::string&, long long) {}

SearchService::SearchService(store::Database& db) : db_(db) {}

core::Result<std::vector<Hit>> SearchService::Search(const auth::Principal*, const std::string&,
                                                     const std::vector<std::string>&, int) const {
  return core::Fail(core::ErrorCode::kUnavailable, "search is not built yet");
}

std::vector<store::Migration> SearchService::Migrations() { return {}; }

}  // namespace kenes::search
