// Labour-rights cases and the referrals between the two agencies. A worker's public report opens
// a case for the recipient agency; officers classify it by the ILO indicators and categories and
// move it through the workflow; a referral shares an allow-listed snapshot of one case with the
// partner agency, which sees those fields and nothing else. Free text, contact details and the
// worker's name and date of birth are sealed under the data key; every step is audited and on
// the case's timeline. Thread-safe: the store is, and the public-report limiter locks.
#pragma once

#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "auth/principal.h"
#include "cases/export.h"
#include "cases/taxonomy.h"
#include "core/clock.h"
#include "core/error.h"
#include "registry/personal_data.h"
#include "store/database.h"

namespace kenes::cases {

struct PublicReport {
  std::string language;   // kk, ru, en
  std::string recipient;  // uk-fwa (default) or kz-mlsp
  std::string what_happened;
  std::vector<std::string> categories;
  std::string provider_name, location, contact;
  std::string honeypot;  // a field people never see: bots fill it
};

struct PublicReceipt {
  std::string reference;
  std::string secret;  // shown once; stored hashed
};

// A case an officer opens (hotline call, own finding, payroll finding, partner's referral).
struct NewCase {
  std::string source;  // hotline, officer, payroll_finding, partner_referral
  std::string language = "en";
  std::string what_happened;
  std::optional<long long> worker_id;  // a worker in the agency's registry
  std::string worker_name, date_of_birth;
  std::string provider_name, employer_name, location;
  std::vector<std::string> categories;
  IndicatorFlags indicators;
};

struct TimelineEvent {
  std::string at, kind, actor;
  std::string detail;  // JSON, no personal data
};

struct Case {
  long long id = 0;
  std::string agency, reference, source, status, language, created_at, due_at;
  bool overdue = false;
  IndicatorFlags indicators;
  std::vector<std::string> categories;
  Risk risk;
  std::string provider_name, employer_name, location;
  // Sealed at rest.
  std::string what_happened, contact, worker_name, date_of_birth;
  std::optional<long long> assigned_to;
  std::optional<long long> worker_id;
  std::string closed_reason;
  std::vector<TimelineEvent> timeline;
  struct Note {
    std::string at, author, body;
  };
  std::vector<Note> notes;
  struct Attachment {
    long long seq = 0;
    std::string name, media_type, sha256, at, author;
    long long size = 0;
  };
  std::vector<Attachment> attachments;
  // Who the case is about besides the reported names: registry workers (several may be), the
  // labour provider, the employer or farm, the Kazakh recruitment agency.
  struct Subject {
    long long seq = 0;
    std::string kind;  // worker, provider, organisation
    long long ref_id = 0;
    std::string role;  // worker, provider, scheme_operator, employer, recruitment_agency
    std::string name;  // provider or organisation name; "" for workers (their names are sealed)
    std::string at, author;
  };
  std::vector<Subject> subjects;
  // Open cases of the agency from the last 30 days about the same worker or provider.
  std::vector<long long> possible_duplicates;
};

struct CaseUpdate {
  std::optional<std::string> status;
  std::optional<IndicatorFlags> indicators;
  std::optional<std::vector<std::string>> categories;
  std::optional<long long> assigned_to;
  std::optional<std::string> closed_reason;
  std::optional<std::string> worker_name, date_of_birth, employer_name;
};

inline constexpr const char* kShareableFields[] = {
    "worker_name", "date_of_birth", "provider_name", "employer_name", "location",
    "indicators",  "categories",    "what_happened", "contact"};

struct NewReferral {
  std::string to_agency, purpose, legal_basis;
  std::optional<std::vector<std::string>> fields;  // default: the minimum
  bool consent = false;
  std::string override_reason;  // a supervisor's, when the worker did not consent
  // A linkage pair (opaque reference shared by both agencies) that says which of the partner's
  // own records the case is about; the caller checks it belongs to a project of both agencies.
  std::string pair_ref;
};

struct ReferralMessage {
  std::string from_agency, author, at, body;
};

struct Referral {
  long long id = 0;
  std::string from_agency, to_agency, purpose, legal_basis, status, created_at;
  std::vector<std::string> fields;
  bool consent = false;
  std::string override_reason;
  std::optional<long long> case_id;             // the sender's only
  std::string pair_ref;                         // "" when not referred from a linkage pair
  std::map<std::string, std::string> snapshot;  // field -> value (JSON text for lists)
  std::vector<ReferralMessage> messages;
};

struct ProviderRisk {
  std::string provider;
  long long open_cases = 0;
  long long risk_points = 0;  // sum of the open cases' risk scores
};

// Aggregates without personal data.
struct Dashboard {
  std::map<std::string, long long> by_status, by_indicator, by_category, by_month;
  std::vector<ProviderRisk> providers;  // most risk first
};

class CasesService {
 public:
  // `key` may be null: then nothing personal can be stored or read (503). REQUIRES: db, clock
  // and key outlive this object.
  CasesService(store::Database& db, const core::Clock& clock, const registry::DataKey* key);

  // Re-seals every sealed value of this module from `from` to `to` (key rotation; inside the
  // caller's transaction). Returns how many values.
  static core::Result<long long> Reseal(store::Conn& c, const registry::DataKey& from,
                                        const registry::DataKey& to);

  // Schema of this module (versions 600-699).
  static std::vector<store::Migration> Migrations();

  // No account. Errors: kInvalidArgument (a field that breaks the form's rules), kTooManyRequests
  // (more than 5 reports an hour from one address), kUnavailable (no data key).
  core::Result<PublicReceipt> SubmitPublicReport(const PublicReport& report,
                                                 const std::string& address,
                                                 const std::string& request_id);
  // The coarse status for a reference and its secret; any wrong pair is kNotFound.
  core::Result<std::string> PublicStatus(const std::string& reference, const std::string& secret);

  // Errors: kInvalidArgument (unknown source, codes or bad text), kNotFound (worker_id not in the
  // agency's registry).
  core::Result<Case> Create(const auth::Principal& who, const NewCase& n,
                            const std::string& request_id);
  // A note on the case's timeline (sealed: notes name people).
  core::Result<Case> AddNote(const auth::Principal& who, long long id, const std::string& text,
                             const std::string& request_id);

  // Stores a file on the case by the SHA-256 of its content (sealed; one copy per content). The
  // type is sniffed from the bytes: PDF, PNG, JPEG, GIF, ZIP-based office files or UTF-8 text;
  // anything else is kUnsupportedMedia. Larger than kMaxAttachmentBytes: kInvalidArgument.
  static constexpr std::size_t kMaxAttachmentBytes = 10 << 20;
  // Adds a subject: `kind` worker (a registry worker of the case's agency), provider (the
  // provider register) or organisation (an employer/farm or Kazakh agency); `role` must fit the
  // kind (worker: worker; provider: provider or scheme_operator; organisation: employer for an
  // employer, recruitment_agency for a Kazakh agency). Adding the same subject twice is
  // kConflict. Errors also: kInvalidArgument (kind/role), kNotFound (the case or the record).
  core::Result<Case> AddSubject(const auth::Principal& who, long long id, const std::string& kind,
                                long long ref_id, const std::string& role,
                                const std::string& request_id);
  core::Result<Case> Attach(const auth::Principal& who, long long id, const std::string& name,
                            std::string_view content, const std::string& request_id);
  struct File {
    std::string name, media_type, content;
  };
  core::Result<File> GetAttachment(const auth::Principal& who, long long id, long long seq,
                                   const std::string& request_id);

  // The agency's cases, newest first: `status` ("" for any), those with an id below `before`
  // (0 for the newest), at most `limit` (1-500).
  static constexpr int kMaxListed = 500;
  core::Result<std::vector<Case>> List(const auth::Principal& who, const std::string& status,
                                       const std::string& request_id, long long before = 0,
                                       int limit = kMaxListed);
  core::Result<Case> Get(const auth::Principal& who, long long id, const std::string& request_id);
  // Classify, assign, move through the workflow (new → triaged → investigating → action_taken →
  // closed; closing needs a supervisor and a reason). Errors: kUnprocessable for a jump the
  // workflow forbids, kInvalidArgument for unknown codes.
  core::Result<Case> Update(const auth::Principal& who, long long id, const CaseUpdate& update,
                            const std::string& request_id);

  // Counts for the agency's cases (analysts too: nothing personal).
  core::Result<Dashboard> GetDashboard(const auth::Principal& who);
  // The agency's cases as a table; the personal columns only for roles that may read cases.
  // Audited.
  core::Result<Table> ExportCases(const auth::Principal& who, const std::string& status,
                                  const std::string& request_id);

  core::Result<Referral> Refer(const auth::Principal& who, long long case_id, const NewReferral& r,
                               const std::string& request_id);
  // Either party; the partner sees the snapshot of the chosen fields and nothing else.
  core::Result<Referral> GetReferral(const auth::Principal& who, long long id,
                                     const std::string& request_id);
  core::Result<std::vector<Referral>> ListReferrals(const auth::Principal& who);
  // accept, decline, request_info (the partner); revoke (the sender). `reason` is required to
  // decline or revoke.
  core::Result<Referral> Respond(const auth::Principal& who, long long id,
                                 const std::string& action, const std::string& reason,
                                 const std::string& request_id);
  core::Result<Referral> AddMessage(const auth::Principal& who, long long id,
                                    const std::string& body, const std::string& request_id);

 private:
  core::Status NeedKey() const;

  store::Database& db_;
  const core::Clock& clock_;
  const registry::DataKey* key_;
  std::mutex limiter_mutex_;
  std::map<std::string, std::deque<core::TimePoint>> recent_reports_;
};

}  // namespace kenes::cases
