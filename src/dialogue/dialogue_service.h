// The Kazakhstan–UK Strategic Dialogue record: meetings with their co-chairs, delegations, areas
// and side engagements; agreements as instrument + party actions + domestic procedure steps (the
// treaty-database model), with the displayed status derived from the actions and never typed in;
// commitments with dated progress updates and sub-commitments; indicators as dated series. The
// foreign ministries edit, everyone else reads; every change is audited and indexed for search.
// Thread-safe: the store is.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "auth/principal.h"
#include "core/clock.h"
#include "core/error.h"
#include "dialogue/briefing.h"
#include "store/database.h"

namespace kenes::dialogue {

struct Source {
  std::string url;
  std::string title;  // publisher, headline
};

struct Area {
  std::string code;  // "labour_migration"
  std::string name_en, name_ru, name_kk;
};

struct Person {
  std::string side;  // KZ or UK
  std::string name, title;
};

struct Meeting {
  long long id = 0;
  std::optional<int> number;  // 8 for the 8th; unknown for some early sessions
  bool number_inferred = false;
  std::string date;  // YYYY-MM-DD
  bool date_approximate = false;
  std::string city, country;  // country: KZ or UK
  std::string format;         // in_person, virtual, hybrid
  std::string status;         // held, planned
  std::vector<Person> co_chairs;
  std::vector<Person> delegations;
  std::vector<std::string> areas;
  std::string summary, outcomes;
  std::vector<Source> sources;
  bool illustrative = false;
  // Read only: agreements signed at it, engagements on its margins.
  std::vector<long long> agreements_signed, engagements;
};

struct PartyAction {
  long long id = 0;
  std::string party;   // KZ, UK
  std::string action;  // signature, ratification, approval, entry_into_force, termination
  std::string date, note;
};

struct ProcedureStep {
  long long id = 0;
  std::string party;
  std::string step;  // see ProcedureSteps(party)
  std::string date, note;
};

struct PartyStatus {
  std::string party;
  std::string state;          // not_signed, signed, ratified, approved, in_force, terminated
  std::string next_step;      // what comes next on this side, in words
  std::string next_step_key;  // the same as a key of briefing_text.cc ("" for nothing)
};

struct Agreement {
  long long id = 0;
  std::string title;
  std::string kind;  // treaty, agreement, memorandum_of_understanding, joint_statement, roadmap
  std::vector<std::string> parties;           // KZ, UK
  std::vector<std::string> signatory_bodies;  // "MLSP", "GLAA"
  std::vector<std::string> areas;
  std::optional<long long> meeting_id;  // signed at
  std::string summary;
  std::vector<Source> sources;
  bool illustrative = false;
  // Derived.
  std::string status;        // not_signed, partly_signed, signed, partly_ratified, ratified,
                             // in_force, terminated
  std::string status_label;  // "Signed; awaiting ratification by KZ and UK"
  std::vector<PartyStatus> party_status;
  std::vector<PartyAction> actions;
  std::vector<ProcedureStep> steps;
};

inline constexpr const char* kCommitmentStatuses[] = {"not_started", "limited", "substantial",
                                                      "complete", "dropped"};

struct ProgressUpdate {
  long long id = 0;
  std::string date, status, text, evidence_url, author;
};

struct Commitment {
  long long id = 0;
  long long meeting_id = 0;
  std::optional<long long> parent_id;
  std::string area, text, owner_agency, owner_person, due_date, status;
  bool illustrative = false;
  std::vector<Source> sources;
  std::vector<ProgressUpdate> updates;
  // Derived.
  bool overdue = false;
  int progress_percent = 0;  // own status, or the mean of the sub-commitments'
  std::vector<long long> children;
};

struct Engagement {
  long long id = 0;
  std::optional<long long> meeting_id;
  std::string date;
  std::string kind;  // parliamentary, expert, business, government, other
  std::string title, people, organisations, notes;
  std::vector<Source> sources;
  bool illustrative = false;
};

struct IndicatorValue {
  long long id = 0;
  std::string as_of;
  double value = 0;
  std::string source, note;
  bool illustrative = false;
};

struct Indicator {
  long long id = 0;
  std::string code, name, unit, description;
  std::vector<IndicatorValue> values;  // oldest first
};

// The domestic procedure a side follows before ratifying, in order.
const std::vector<std::string>& ProcedureSteps(const std::string& party);

class DialogueService {
 public:
  DialogueService(store::Database& db, const core::Clock& clock);

  // Schema of this module (versions 900-999), with the eight founding areas.
  static std::vector<store::Migration> Migrations();

  core::Result<std::vector<Area>> ListAreas(const auth::Principal& who) const;
  core::Result<Area> AddArea(const auth::Principal& who, const Area& a,
                             const std::string& request_id);

  // Errors: kInvalidArgument (a malformed field, an unknown area), kConflict (the number is
  // taken), kUnprocessable (dates that contradict each other).
  core::Result<Meeting> CreateMeeting(const auth::Principal& who, const Meeting& m,
                                      const std::string& request_id);
  core::Result<std::vector<Meeting>> ListMeetings(const auth::Principal& who) const;
  core::Result<Meeting> GetMeeting(const auth::Principal& who, long long id) const;
  // Replaces every field of meeting `id` with `m`'s, through the same rules as CreateMeeting
  // (so a planned meeting whose day has come is recorded as held with its outcomes). Also
  // kUnprocessable when a commitment agreed at it would fall due before its new date.
  core::Result<Meeting> UpdateMeeting(const auth::Principal& who, long long id, const Meeting& m,
                                      const std::string& request_id);

  core::Result<Agreement> CreateAgreement(const auth::Principal& who, const Agreement& a,
                                          const std::string& request_id);
  core::Result<std::vector<Agreement>> ListAgreements(const auth::Principal& who) const;
  core::Result<Agreement> GetAgreement(const auth::Principal& who, long long id) const;
  // kUnprocessable, with the reason, for an action out of order or a date that contradicts the
  // record (ratified before signed, in force before ratified, before the signature, future).
  core::Result<Agreement> RecordAction(const auth::Principal& who, long long agreement_id,
                                       const PartyAction& action, const std::string& request_id);
  core::Result<Agreement> RecordStep(const auth::Principal& who, long long agreement_id,
                                     const ProcedureStep& step, const std::string& request_id);

  core::Result<Commitment> CreateCommitment(const auth::Principal& who, const Commitment& c,
                                            const std::string& request_id);
  core::Result<std::vector<Commitment>> ListCommitments(const auth::Principal& who) const;
  core::Result<Commitment> GetCommitment(const auth::Principal& who, long long id) const;
  // Replaces the area, text, owners, due date, sources and illustrative flag of commitment `id`;
  // the meeting, the parent and the status (which moves by AddProgress) stay.
  core::Result<Commitment> UpdateCommitment(const auth::Principal& who, long long id,
                                            const Commitment& k, const std::string& request_id);
  core::Result<Commitment> AddProgress(const auth::Principal& who, long long commitment_id,
                                       const ProgressUpdate& u, const std::string& request_id);

  core::Result<Engagement> CreateEngagement(const auth::Principal& who, const Engagement& e,
                                            const std::string& request_id);
  core::Result<std::vector<Engagement>> ListEngagements(const auth::Principal& who) const;
  core::Result<Engagement> GetEngagement(const auth::Principal& who, long long id) const;

  core::Result<Indicator> CreateIndicator(const auth::Principal& who, const Indicator& i,
                                          const std::string& request_id);
  core::Result<std::vector<Indicator>> ListIndicators(const auth::Principal& who) const;
  core::Result<Indicator> GetIndicator(const auth::Principal& who, long long id) const;
  core::Result<Indicator> AddIndicatorValue(const auth::Principal& who, long long indicator_id,
                                            const IndicatorValue& v, const std::string& request_id);

  // The pack for the next meeting, as of today.
  // `lang` (en, ru, kk) chooses the pack's words and labels; what people typed stays as typed.
  // Errors: kInvalidArgument for another language.
  core::Result<BriefingPack> Briefing(const auth::Principal& who,
                                      const std::string& lang = "en") const;

  // Loads a record in the JSON form of src/app/demo/dialogue.json (areas, key dates, meetings,
  // agreements with their actions and steps, commitments with updates and sub-commitments,
  // engagements, indicators) in one transaction: all or nothing, through the same rules as the
  // API. Records whose natural key exists are skipped, so loading twice changes nothing. Returns
  // how many records were added.
  core::Result<int> Import(const auth::Principal& who, const nlohmann::json& record,
                           const std::string& request_id);

 private:
  store::Database& db_;
  const core::Clock& clock_;
};

}  // namespace kenes::dialogue
