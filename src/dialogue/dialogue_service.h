// The Strategic Dialogue record. Thread-safe: the store is.
#pragma once

#include <vector>

#include "core/clock.h"
#include "store/database.h"

namespace kenes::dialogue {

class DialogueService {
 public:
  DialogueService(store::Database& db, const core::Clock& clock);

  static std::vector<store::Migration> Migrations();

 private:
  store::Database& db_;
  const core::Clock& clock_;
};

}  // namespace kenes::dialogue
