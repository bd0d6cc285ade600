#include "dialogue/dialogue_service.h"

namespace kenes::dialogue {

DialogueService::DialogueService(store::Database& db, const core::Clock& clock)
    : db_(db), clock_(clock) {}

std::vector<store::Migration> DialogueService::Migrations() { return {}; }

}  // namespace kenes::dialogue
