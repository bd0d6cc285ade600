// The expertise and best-practice library shared under the MoU: documents in Markdown with
// versions, translations, tags, visibility and attachments. Thread-safe: the store is.
#pragma once

#include <vector>

#include "core/clock.h"
#include "store/database.h"

namespace kenes::library {

class LibraryService {
 public:
  LibraryService(store::Database& db, const core::Clock& clock);

  static std::vector<store::Migration> Migrations();

 private:
  store::Database& db_;
  const core::Clock& clock_;
};

}  // namespace kenes::library
