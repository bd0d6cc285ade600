#include "library/library_service.h"

namespace kenes::library {

LibraryService::LibraryService(store::Database& db, const core::Clock& clock)
    : db_(db), clock_(clock) {}

std::vector<store::Migration> LibraryService::Migrations() { return {}; }

}  // namespace kenes::library
