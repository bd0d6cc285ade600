#include "cases/cases_service.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <nlohmann/json.hpp>

#include "audit/audit_log.h"
#include "auth/policy.h"
#include "core/content_type.h"
#include "core/crypto.h"
#include "core/utf8.h"
#include "registry/registry_service.h"

namespace kenes::cases {

using core::ErrorCode;
using core::Fail;
using Json = nlohmann::json;

namespace {

constexpr const char* kCaseColumns =
    "id, agency, reference, source, status, language, created_at, due_at, indicators, categories,"
    " provider_name, employer_name, location, what_happened, contact, worker_name, date_of_birth,"
    " assigned_to, closed_reason, worker_id";

const std::vector<std::string> kStatuses = {"new", "triaged", "investigating", "action_taken",
                                            "closed"};
const std::vector<std::string> kMinimalFields = {"worker_name", "date_of_birth", "provider_name",
                                                 "indicators", "what_happened"};

using auth::IsLabourAgency;

core::Error Denied(auth::Decision d, const char* what = "no such case") {
  return auth::DeniedError(d, "your roles do not allow this on cases", what);
}

// Free text from the public or an officer: well-formed, bounded, no markup that could run.
core::Status CheckText(const char* field, const std::string& v, std::size_t max, bool required) {
  return core::CheckPlainText(field, v, max, required);
}

std::string DueAt(core::TimePoint created) {
  // Triage within two working days (Monday to Friday).
  using namespace std::chrono;
  auto day = floor<days>(created);
  const auto time_of_day = created - day;
  int added = 0;
  while (added < 2) {
    day += days{1};
    const weekday wd{day};
    if (wd != Saturday && wd != Sunday) ++added;
  }
  return core::FormatUtc(day + time_of_day);
}

std::string PublicStatusOf(const std::string& status) {
  if (status == "new" || status == "triaged") return "received";
  if (status == "closed") return "closed";
  return "in_progress";
}

}  // namespace

CasesService::CasesService(store::Database& db, const core::Clock& clock,
                           const registry::DataKey* key)
    : db_(db), clock_(clock), key_(key) {}

core::Status CasesService::NeedKey() const { return registry::RequireKey(key_); }

core::Result<long long> CasesService::Reseal(store::Conn& c, const registry::DataKey& from,
                                             const registry::DataKey& to) {
  long long total = 0;
  auto fixed = [](std::string context) {
    return [context](const std::vector<std::string>&) { return context; };
  };
  struct Column {
    const char* table;
    std::vector<std::string> ids;
    const char* column;
    std::function<std::string(const std::vector<std::string>&)> context;
  };
  const std::vector<Column> columns = {
      {"cases", {"id"}, "what_happened", fixed("cases.what_happened")},
      {"cases", {"id"}, "contact", fixed("cases.contact")},
      {"cases", {"id"}, "worker_name", fixed("cases.worker_name")},
      {"cases", {"id"}, "date_of_birth", fixed("cases.date_of_birth")},
      {"case_notes", {"case_id", "seq"}, "body", fixed("cases.note")},
      {"referrals", {"id"}, "snapshot", fixed("referrals.snapshot")},
      {"referral_messages", {"referral_id", "seq"}, "body", fixed("referrals.message")},
  };
  for (const Column& col : columns) {
    auto n = registry::ResealColumn(c, from, to, col.table, col.ids, col.column, col.context);
    if (!n) return n;
    total += *n;
  }
  // Attachments are keyed by their content hash (text), bound as the context.
  std::vector<std::pair<std::string, std::string>> blobs;
  {
    soci::rowset<soci::row> rows = c.sql().prepare
                                   << "SELECT sha256, content FROM attachment_blobs";
    for (const auto& r : rows) blobs.emplace_back(store::GetText(r, 0), store::GetText(r, 1));
  }
  for (const auto& [hash, sealed] : blobs) {
    auto plain = from.Open(sealed, "attachments." + hash);
    if (!plain) {
      return Fail(ErrorCode::kUnavailable, "attachment " + hash + ": " + plain.error().message);
    }
    const std::string resealed = to.Seal(*plain, "attachments." + hash);
    c.sql() << "UPDATE attachment_blobs SET content = :c WHERE sha256 = :h", soci::use(resealed),
        soci::use(hash);
    ++total;
  }
  return total;
}

std::vector<store::Migration> CasesService::Migrations() {
  return {{600,
           "cases_and_referrals",
           {"CREATE TABLE cases ("
            " id {{id}},"
            " agency TEXT NOT NULL,"
            " reference TEXT NOT NULL UNIQUE,"
            " secret_hash TEXT NOT NULL,"
            " source TEXT NOT NULL,"
            " status TEXT NOT NULL,"
            " language TEXT NOT NULL,"
            " created_at TEXT NOT NULL,"
            " due_at TEXT NOT NULL,"
            " indicators TEXT NOT NULL,"
            " categories TEXT NOT NULL,"
            " provider_name TEXT NOT NULL,"
            " employer_name TEXT NOT NULL,"
            " location TEXT NOT NULL,"
            " what_happened TEXT NOT NULL,"
            " contact TEXT NOT NULL,"
            " worker_name TEXT NOT NULL,"
            " date_of_birth TEXT NOT NULL,"
            " assigned_to BIGINT,"
            " closed_reason TEXT NOT NULL)",
            "CREATE INDEX cases_agency ON cases(agency, id)",
            "CREATE TABLE case_events ("
            " case_id BIGINT NOT NULL REFERENCES cases(id),"
            " seq BIGINT NOT NULL,"
            " at TEXT NOT NULL,"
            " kind TEXT NOT NULL,"
            " actor TEXT NOT NULL,"
            " detail TEXT NOT NULL,"
            " PRIMARY KEY (case_id, seq))",
            "CREATE TABLE referrals ("
            " id {{id}},"
            " case_id BIGINT NOT NULL REFERENCES cases(id),"
            " from_agency TEXT NOT NULL,"
            " to_agency TEXT NOT NULL,"
            " purpose TEXT NOT NULL,"
            " legal_basis TEXT NOT NULL,"
            " fields TEXT NOT NULL,"
            " consent INTEGER NOT NULL,"
            " override_reason TEXT NOT NULL,"
            " status TEXT NOT NULL,"
            " created_by BIGINT NOT NULL,"
            " created_at TEXT NOT NULL,"
            " snapshot TEXT NOT NULL)",
            "CREATE INDEX referrals_to ON referrals(to_agency, id)",
            "CREATE TABLE referral_messages ("
            " referral_id BIGINT NOT NULL REFERENCES referrals(id),"
            " seq BIGINT NOT NULL,"
            " from_agency TEXT NOT NULL,"
            " author TEXT NOT NULL,"
            " at TEXT NOT NULL,"
            " body TEXT NOT NULL,"
            " PRIMARY KEY (referral_id, seq))"}},
          {601,
           "case_subjects_and_notes",
           {"ALTER TABLE cases ADD COLUMN worker_id BIGINT",
            "CREATE INDEX cases_provider ON cases(agency, provider_name)",
            "CREATE TABLE case_notes ("
            " case_id BIGINT NOT NULL REFERENCES cases(id),"
            " seq BIGINT NOT NULL,"
            " at TEXT NOT NULL,"
            " author TEXT NOT NULL,"
            " body TEXT NOT NULL,"
            " PRIMARY KEY (case_id, seq))"}},
          {602,
           "case_attachments",
           {"CREATE TABLE attachment_blobs ("
            " sha256 TEXT PRIMARY KEY,"
            " content TEXT NOT NULL)",
            "CREATE TABLE case_attachments ("
            " case_id BIGINT NOT NULL REFERENCES cases(id),"
            " seq BIGINT NOT NULL,"
            " sha256 TEXT NOT NULL REFERENCES attachment_blobs(sha256),"
            " name TEXT NOT NULL,"
            " media_type TEXT NOT NULL,"
            " size BIGINT NOT NULL,"
            " at TEXT NOT NULL,"
            " author TEXT NOT NULL,"
            " PRIMARY KEY (case_id, seq))"}},
          {603,
           "case_subject_links",
           {"CREATE TABLE case_subject_links ("
            " case_id BIGINT NOT NULL REFERENCES cases(id),"
            " seq BIGINT NOT NULL,"
            " kind TEXT NOT NULL,"
            " ref_id BIGINT NOT NULL,"
            " role TEXT NOT NULL,"
            " at TEXT NOT NULL,"
            " author TEXT NOT NULL,"
            " PRIMARY KEY (case_id, seq),"
            " UNIQUE (case_id, kind, ref_id, role))",
            "CREATE INDEX case_subject_links_ref ON case_subject_links(kind, ref_id)"}},
          {604,
           "referral_linkage_pairs",
           {"ALTER TABLE referrals ADD COLUMN pair_ref TEXT NOT NULL DEFAULT ''"}}};
}

namespace {

struct Sealer {
  const registry::DataKey& key;
  std::string Seal(const std::string& v, const char* context) const {
    return v.empty() ? std::string() : key.Seal(v, context);
  }
  std::string Open(const std::string& v, const char* context) const {
    if (v.empty()) return {};
    auto plain = key.Open(v, context);
    if (!plain) throw core::Failure(plain.error());
    return *plain;
  }
};

void AppendEvent(store::Conn& c, long long case_id, const std::string& kind,
                 const std::string& actor, const Json& detail, core::TimePoint at) {
  long long seq = 0;
  c.sql() << "SELECT COALESCE(MAX(seq), 0) FROM case_events WHERE case_id = :c", soci::use(case_id),
      soci::into(seq);
  ++seq;
  const std::string when = core::FormatUtc(at), text = detail.dump();
  c.sql() << "INSERT INTO case_events (case_id, seq, at, kind, actor, detail)"
             " VALUES (:c, :s, :a, :k, :u, :d)",
      soci::use(case_id), soci::use(seq), soci::use(when), soci::use(kind), soci::use(actor),
      soci::use(text);
}

// One case row; the sealed columns stay empty when `s` is null (exports without personal data).
Case FromRow(const soci::row& r, const Sealer* s, core::TimePoint now) {
  Case k;
  k.id = store::GetInt(r, 0);
  k.agency = store::GetText(r, 1);
  k.reference = store::GetText(r, 2);
  k.source = store::GetText(r, 3);
  k.status = store::GetText(r, 4);
  k.language = store::GetText(r, 5);
  k.created_at = store::GetText(r, 6);
  k.due_at = store::GetText(r, 7);
  const auto due = core::ParseUtc(k.due_at);
  k.overdue = k.status == "new" && due && now > *due;
  const Json flags = Json::parse(store::GetText(r, 8), nullptr, false);
  if (flags.is_object()) {
    for (const auto& [code, strength] : flags.items()) k.indicators[code] = strength;
  }
  const Json cats = Json::parse(store::GetText(r, 9), nullptr, false);
  if (cats.is_array()) {
    for (const auto& c : cats) k.categories.push_back(c.get<std::string>());
  }
  k.risk = ScoreRisk(k.indicators);
  k.provider_name = store::GetText(r, 10);
  k.employer_name = store::GetText(r, 11);
  k.location = store::GetText(r, 12);
  if (s != nullptr) {
    k.what_happened = s->Open(store::GetText(r, 13), "cases.what_happened");
    k.contact = s->Open(store::GetText(r, 14), "cases.contact");
    k.worker_name = s->Open(store::GetText(r, 15), "cases.worker_name");
    k.date_of_birth = s->Open(store::GetText(r, 16), "cases.date_of_birth");
  }
  if (!store::IsNull(r, 17)) k.assigned_to = store::GetInt(r, 17);
  k.closed_reason = store::GetText(r, 18);
  if (!store::IsNull(r, 19)) k.worker_id = store::GetInt(r, 19);
  return k;
}

core::Result<Case> LoadCase(store::Conn& c, const auth::Principal& who, long long id,
                            auth::Action action, const Sealer& s, core::TimePoint now) {
  soci::rowset<soci::row> rows =
      (c.sql().prepare << "SELECT " << kCaseColumns << " FROM cases WHERE id = :id", soci::use(id));
  for (const auto& r : rows) {
    const auth::Decision d = auth::Authorize(who, action, {store::GetText(r, 1), std::nullopt});
    if (d != auth::Decision::kAllow) return tl::unexpected(Denied(d));
    return FromRow(r, &s, now);
  }
  if (!auth::MayPerform(who, action)) return tl::unexpected(Denied(auth::Decision::kForbidden));
  return Fail(ErrorCode::kNotFound, "no such case");
}

void LoadTimeline(store::Conn& c, Case& k, const Sealer& s) {
  soci::rowset<soci::row> files =
      (c.sql().prepare << "SELECT seq, name, media_type, sha256, at, author, size FROM"
                          " case_attachments WHERE case_id = :c ORDER BY seq",
       soci::use(k.id));
  for (const auto& r : files) {
    k.attachments.push_back({store::GetInt(r, 0), store::GetText(r, 1), store::GetText(r, 2),
                             store::GetText(r, 3), store::GetText(r, 4), store::GetText(r, 5),
                             store::GetInt(r, 6)});
  }
  soci::rowset<soci::row> subjects =
      (c.sql().prepare
           << "SELECT l.seq, l.kind, l.ref_id, l.role, COALESCE(p.name, o.name, ''), l.at,"
              " l.author FROM case_subject_links l"
              " LEFT JOIN providers p ON l.kind = 'provider' AND p.id = l.ref_id"
              " LEFT JOIN organisations o ON l.kind = 'organisation' AND o.id = l.ref_id"
              " WHERE l.case_id = :c ORDER BY l.seq",
       soci::use(k.id));
  for (const auto& r : subjects) {
    k.subjects.push_back({store::GetInt(r, 0), store::GetText(r, 1), store::GetInt(r, 2),
                          store::GetText(r, 3), store::GetText(r, 4), store::GetText(r, 5),
                          store::GetText(r, 6)});
  }
  soci::rowset<soci::row> notes =
      (c.sql().prepare << "SELECT at, author, body FROM case_notes WHERE case_id = :c ORDER BY seq",
       soci::use(k.id));
  for (const auto& r : notes) {
    k.notes.push_back(
        {store::GetText(r, 0), store::GetText(r, 1), s.Open(store::GetText(r, 2), "cases.note")});
  }
  soci::rowset<soci::row> rows =
      (c.sql().prepare << "SELECT at, kind, actor, detail FROM case_events WHERE case_id = :c"
                          " ORDER BY seq",
       soci::use(k.id));
  for (const auto& r : rows) {
    k.timeline.push_back(
        {store::GetText(r, 0), store::GetText(r, 1), store::GetText(r, 2), store::GetText(r, 3)});
  }
}

std::string ActorName(const auth::Principal& who) { return who.system ? "system" : who.username; }

void FindDuplicates(store::Conn& c, Case& k, core::TimePoint now) {
  const std::string since = core::FormatUtc(now - std::chrono::hours(24 * 30));
  const long long worker = k.worker_id.value_or(-1);
  std::string provider = k.provider_name;
  std::transform(provider.begin(), provider.end(), provider.begin(),
                 [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  soci::rowset<soci::row> rows =
      (c.sql().prepare << "SELECT id FROM cases WHERE agency = :a AND id <> :id AND status <> "
                          "'closed' AND created_at >= :s AND (worker_id = :w OR (:p <> '' AND "
                          "LOWER(provider_name) = :p2)) ORDER BY id",
       soci::use(k.agency), soci::use(k.id), soci::use(since), soci::use(worker),
       soci::use(provider), soci::use(provider));
  for (const auto& r : rows) k.possible_duplicates.push_back(store::GetInt(r, 0));
  // The same worker, provider or organisation linked as a subject of another open case.
  soci::rowset<soci::row> linked =
      (c.sql().prepare << "SELECT DISTINCT c.id FROM cases c JOIN case_subject_links l ON"
                          " l.case_id = c.id JOIN case_subject_links mine ON mine.case_id = :id"
                          " AND mine.kind = l.kind AND mine.ref_id = l.ref_id WHERE c.agency = :a"
                          " AND c.id <> :id2 AND c.status <> 'closed' AND c.created_at >= :s"
                          " ORDER BY c.id",
       soci::use(k.id), soci::use(k.agency), soci::use(k.id), soci::use(since));
  for (const auto& r : linked) k.possible_duplicates.push_back(store::GetInt(r, 0));
  std::sort(k.possible_duplicates.begin(), k.possible_duplicates.end());
  k.possible_duplicates.erase(
      std::unique(k.possible_duplicates.begin(), k.possible_duplicates.end()),
      k.possible_duplicates.end());
}

}  // namespace

core::Result<PublicReceipt> CasesService::SubmitPublicReport(const PublicReport& in,
                                                             const std::string& address,
                                                             const std::string& request_id) {
  if (auto ok = NeedKey(); !ok) return tl::unexpected(ok.error());
  if (in.language != "kk" && in.language != "ru" && in.language != "en") {
    return Fail(ErrorCode::kInvalidArgument, "language must be kk, ru or en", "invalid-field");
  }
  const std::string recipient = in.recipient.empty() ? "uk-fwa" : in.recipient;
  if (!IsLabourAgency(recipient)) {
    return Fail(ErrorCode::kInvalidArgument, "recipient must be uk-fwa or kz-mlsp",
                "invalid-field");
  }
  for (const auto& [field, value, max, required] :
       {std::tuple<const char*, const std::string*, std::size_t, bool>{
            "what_happened", &in.what_happened, 5000, true},
        {"provider_name", &in.provider_name, 200, false},
        {"location", &in.location, 200, false},
        {"contact", &in.contact, 200, false}}) {
    if (auto ok = CheckText(field, *value, max, required); !ok) return tl::unexpected(ok.error());
  }
  if (in.categories.size() > 20) {
    return Fail(ErrorCode::kInvalidArgument, "too many categories", "invalid-field");
  }
  for (const std::string& c : in.categories) {
    if (!IsCategory(c)) {
      return Fail(ErrorCode::kInvalidArgument, "unknown category '" + c.substr(0, 40) + "'",
                  "invalid-field");
    }
  }
  const auto now = clock_.Now();
  {
    std::lock_guard lock(limiter_mutex_);
    auto& times = recent_reports_[address];
    while (!times.empty() && now - times.front() > std::chrono::hours(1)) times.pop_front();
    if (times.size() >= 5) {
      return tl::unexpected(core::Error{ErrorCode::kTooManyRequests,
                                        "too many reports from this address; try again later",
                                        "too-many-reports", 3600});
    }
    times.push_back(now);
  }
  PublicReceipt receipt{"R-" + core::RandomToken(9), core::RandomToken(18)};
  // A bot filled the hidden field: it gets an answer that looks the same, and nothing is kept.
  if (!in.honeypot.empty()) return receipt;
  const Sealer s{*key_};
  const IndicatorFlags suggested = SuggestedIndicators(in.categories);
  return db_.Write([&](store::Conn& c) -> core::Result<PublicReceipt> {
    const std::string created = core::FormatUtc(now), due = DueAt(now);
    const std::string secret_hash = core::Sha256Hex(receipt.secret);
    const std::string indicators = Json(suggested).dump();
    const std::string categories = Json(in.categories).dump();
    const std::string what = s.Seal(in.what_happened, "cases.what_happened");
    const std::string contact = s.Seal(in.contact, "cases.contact");
    long long id = 0;
    c.sql() << "INSERT INTO cases (agency, reference, secret_hash, source, status, language,"
               " created_at, due_at, indicators, categories, provider_name, employer_name,"
               " location, what_happened, contact, worker_name, date_of_birth, closed_reason)"
               " VALUES (:a, :r, :h, 'public_report', 'new', :l, :c, :d, :i, :cat, :p, '', :loc,"
               " :w, :ct, '', '', '') RETURNING id",
        soci::use(recipient), soci::use(receipt.reference), soci::use(secret_hash),
        soci::use(in.language), soci::use(created), soci::use(due), soci::use(indicators),
        soci::use(categories), soci::use(in.provider_name), soci::use(in.location), soci::use(what),
        soci::use(contact), soci::into(id);
    AppendEvent(c, id, "opened", "public", {{"source", "public_report"}, {"language", in.language}},
                now);
    audit::Append(
        c, audit::Actor{std::nullopt, "public", "", request_id},
        {"case.public_report",
         "case",
         std::to_string(id),
         {{"agency", recipient}, {"language", in.language}, {"categories", in.categories}}},
        now);
    return receipt;
  });
}

core::Result<std::string> CasesService::PublicStatus(const std::string& reference,
                                                     const std::string& secret) {
  return db_.Read([&](store::Conn& c) -> core::Result<std::string> {
    std::string status, hash;
    c.sql() << "SELECT status, secret_hash FROM cases WHERE reference = :r", soci::use(reference),
        soci::into(status), soci::into(hash);
    if (!c.sql().got_data() || !core::ConstantTimeEquals(hash, core::Sha256Hex(secret))) {
      return Fail(ErrorCode::kNotFound, "no report with this reference and secret");
    }
    return PublicStatusOf(status);
  });
}

core::Result<Case> CasesService::Create(const auth::Principal& who, const NewCase& n,
                                        const std::string& request_id) {
  const auth::Decision d =
      auth::Authorize(who, auth::Action::kCaseWrite, {who.agency, std::nullopt});
  if (d != auth::Decision::kAllow) return tl::unexpected(Denied(d));
  if (auto ok = NeedKey(); !ok) return tl::unexpected(ok.error());
  static const std::vector<std::string> kSources = {"hotline", "officer", "payroll_finding",
                                                    "partner_referral"};
  if (std::find(kSources.begin(), kSources.end(), n.source) == kSources.end()) {
    return Fail(ErrorCode::kInvalidArgument,
                "source must be hotline, officer, payroll_finding or partner_referral",
                "invalid-field");
  }
  if (n.language != "kk" && n.language != "ru" && n.language != "en") {
    return Fail(ErrorCode::kInvalidArgument, "language must be kk, ru or en", "invalid-field");
  }
  for (const auto& [field, value, max, required] :
       {std::tuple<const char*, const std::string*, std::size_t, bool>{
            "what_happened", &n.what_happened, 5000, true},
        {"worker_name", &n.worker_name, 200, false},
        {"date_of_birth", &n.date_of_birth, 10, false},
        {"provider_name", &n.provider_name, 200, false},
        {"employer_name", &n.employer_name, 200, false},
        {"location", &n.location, 200, false}}) {
    if (auto ok = CheckText(field, *value, max, required); !ok) return tl::unexpected(ok.error());
  }
  for (const std::string& c : n.categories) {
    if (!IsCategory(c)) {
      return Fail(ErrorCode::kInvalidArgument, "unknown category '" + c.substr(0, 40) + "'",
                  "invalid-field");
    }
  }
  for (const auto& [code, strength] : n.indicators) {
    if (!IsIndicator(code) || (strength != "strong" && strength != "medium")) {
      return Fail(ErrorCode::kInvalidArgument,
                  "indicator '" + code.substr(0, 40) +
                      "' must be a known code flagged strong or "
                      "medium",
                  "invalid-field");
    }
  }
  const Sealer s{*key_};
  return db_.Write([&](store::Conn& c) -> core::Result<Case> {
    if (n.worker_id) {
      std::string agency;
      c.sql() << "SELECT agency FROM workers WHERE id = :id", soci::use(*n.worker_id),
          soci::into(agency);
      if (!c.sql().got_data() || agency != who.agency) {
        return Fail(ErrorCode::kNotFound, "no such worker in your agency's registry");
      }
    }
    const auto now = clock_.Now();
    IndicatorFlags flags = SuggestedIndicators(n.categories);
    for (const auto& [code, strength] : n.indicators) flags[code] = strength;
    const std::string reference = "C-" + core::RandomToken(9);
    const std::string created = core::FormatUtc(now), due = DueAt(now);
    const std::string indicators = Json(flags).dump(), categories = Json(n.categories).dump();
    const std::string what = s.Seal(n.what_happened, "cases.what_happened");
    const std::string name = s.Seal(n.worker_name, "cases.worker_name");
    const std::string dob = s.Seal(n.date_of_birth, "cases.date_of_birth");
    const long long worker = n.worker_id.value_or(0);
    soci::indicator worker_ind = n.worker_id ? soci::i_ok : soci::i_null;
    long long id = 0;
    c.sql() << "INSERT INTO cases (agency, reference, secret_hash, source, status, language,"
               " created_at, due_at, indicators, categories, provider_name, employer_name,"
               " location, what_happened, contact, worker_name, date_of_birth, closed_reason,"
               " worker_id) VALUES (:a, :r, '', :src, 'new', :l, :c, :d, :i, :cat, :p, :e, :loc,"
               " :w, '', :n, :dob, '', :wid) RETURNING id",
        soci::use(who.agency), soci::use(reference), soci::use(n.source), soci::use(n.language),
        soci::use(created), soci::use(due), soci::use(indicators), soci::use(categories),
        soci::use(n.provider_name), soci::use(n.employer_name), soci::use(n.location),
        soci::use(what), soci::use(name), soci::use(dob), soci::use(worker, worker_ind),
        soci::into(id);
    AppendEvent(c, id, "opened", ActorName(who), {{"source", n.source}}, now);
    audit::Append(c, who.ToActor(request_id),
                  {"case.create",
                   "case",
                   std::to_string(id),
                   {{"source", n.source}, {"with_worker", n.worker_id.has_value()}}},
                  now);
    auto k = LoadCase(c, who, id, auth::Action::kCaseRead, s, now);
    if (k) {
      LoadTimeline(c, *k, s);
      FindDuplicates(c, *k, now);
    }
    return k;
  });
}

core::Result<Case> CasesService::AddNote(const auth::Principal& who, long long id,
                                         const std::string& text, const std::string& request_id) {
  if (auto ok = NeedKey(); !ok) return tl::unexpected(ok.error());
  if (auto ok = CheckText("note", text, 5000, true); !ok) return tl::unexpected(ok.error());
  const Sealer s{*key_};
  return db_.Write([&](store::Conn& c) -> core::Result<Case> {
    auto k = LoadCase(c, who, id, auth::Action::kCaseWrite, s, clock_.Now());
    if (!k) return k;
    long long seq = 0;
    c.sql() << "SELECT COALESCE(MAX(seq), 0) FROM case_notes WHERE case_id = :c", soci::use(id),
        soci::into(seq);
    ++seq;
    const std::string at = core::FormatUtc(clock_.Now()), author = ActorName(who),
                      body = s.Seal(text, "cases.note");
    c.sql()
        << "INSERT INTO case_notes (case_id, seq, at, author, body) VALUES (:c, :s, :a, :u, :b)",
        soci::use(id), soci::use(seq), soci::use(at), soci::use(author), soci::use(body);
    AppendEvent(c, id, "note", author, {{"note", seq}}, clock_.Now());
    audit::Append(c, who.ToActor(request_id),
                  {"case.note", "case", std::to_string(id), {{"note", seq}}}, clock_.Now());
    auto updated = LoadCase(c, who, id, auth::Action::kCaseRead, s, clock_.Now());
    if (updated) LoadTimeline(c, *updated, s);
    return updated;
  });
}

core::Result<Case> CasesService::AddSubject(const auth::Principal& who, long long id,
                                            const std::string& kind, long long ref_id,
                                            const std::string& role,
                                            const std::string& request_id) {
  if (auto ok = NeedKey(); !ok) return tl::unexpected(ok.error());
  static const std::map<std::string, std::vector<std::string>> kRoles = {
      {"worker", {"worker"}},
      {"provider", {"provider", "scheme_operator"}},
      {"organisation", {"employer", "recruitment_agency"}}};
  const auto roles = kRoles.find(kind);
  if (roles == kRoles.end()) {
    return Fail(ErrorCode::kInvalidArgument, "kind must be worker, provider or organisation",
                "invalid-field");
  }
  if (std::find(roles->second.begin(), roles->second.end(), role) == roles->second.end()) {
    return Fail(ErrorCode::kInvalidArgument,
                "role '" + role.substr(0, 40) + "' does not fit a subject of kind " + kind,
                "invalid-field");
  }
  const Sealer s{*key_};
  return db_.Write([&](store::Conn& c) -> core::Result<Case> {
    auto k = LoadCase(c, who, id, auth::Action::kCaseWrite, s, clock_.Now());
    if (!k) return k;
    // The record must exist; a worker must be one of the case's own agency.
    std::string found, org_kind;
    soci::indicator ind = soci::i_null;
    if (kind == "worker") {
      c.sql() << "SELECT agency FROM workers WHERE id = :r", soci::use(ref_id),
          soci::into(found, ind);
      if (!c.sql().got_data() || ind == soci::i_null || found != k->agency) {
        return Fail(ErrorCode::kNotFound, "no such worker in the agency's registry");
      }
    } else if (kind == "provider") {
      c.sql() << "SELECT name FROM providers WHERE id = :r", soci::use(ref_id),
          soci::into(found, ind);
      if (!c.sql().got_data() || ind == soci::i_null) {
        return Fail(ErrorCode::kNotFound, "no such provider");
      }
    } else {
      c.sql() << "SELECT kind FROM organisations WHERE id = :r", soci::use(ref_id),
          soci::into(org_kind, ind);
      if (!c.sql().got_data() || ind == soci::i_null) {
        return Fail(ErrorCode::kNotFound, "no such organisation");
      }
      if ((org_kind == "employer") != (role == "employer")) {
        return Fail(ErrorCode::kInvalidArgument,
                    "an employer is linked as employer, a Kazakh agency as recruitment_agency",
                    "invalid-field");
      }
    }
    long long existing = 0;
    c.sql() << "SELECT COUNT(*) FROM case_subject_links WHERE case_id = :c AND kind = :k AND"
               " ref_id = :r AND role = :ro",
        soci::use(id), soci::use(kind), soci::use(ref_id), soci::use(role), soci::into(existing);
    if (existing > 0) {
      return Fail(ErrorCode::kConflict, "this subject is on the case already", "duplicate-subject");
    }
    long long seq = 0;
    c.sql() << "SELECT COALESCE(MAX(seq), 0) FROM case_subject_links WHERE case_id = :c",
        soci::use(id), soci::into(seq);
    ++seq;
    const std::string at = core::FormatUtc(clock_.Now()), author = ActorName(who);
    c.sql() << "INSERT INTO case_subject_links (case_id, seq, kind, ref_id, role, at, author)"
               " VALUES (:c, :s, :k, :r, :ro, :a, :u)",
        soci::use(id), soci::use(seq), soci::use(kind), soci::use(ref_id), soci::use(role),
        soci::use(at), soci::use(author);
    const Json detail = {{"kind", kind}, {"ref_id", ref_id}, {"role", role}};
    AppendEvent(c, id, "subject", author, detail, clock_.Now());
    audit::Append(c, who.ToActor(request_id), {"case.subject", "case", std::to_string(id), detail},
                  clock_.Now());
    auto updated = LoadCase(c, who, id, auth::Action::kCaseRead, s, clock_.Now());
    if (updated) LoadTimeline(c, *updated, s);
    return updated;
  });
}

core::Result<Case> CasesService::Attach(const auth::Principal& who, long long id,
                                        const std::string& name, std::string_view content,
                                        const std::string& request_id) {
  if (auto ok = NeedKey(); !ok) return tl::unexpected(ok.error());
  if (auto ok = CheckText("name", name, 200, true); !ok) return tl::unexpected(ok.error());
  const auto sniffed = core::CheckUpload(name, content, kMaxAttachmentBytes);
  if (!sniffed) return tl::unexpected(sniffed.error());
  const std::string& type = *sniffed;
  const std::string hash = core::Sha256Hex(content);
  const Sealer s{*key_};
  return db_.Write([&](store::Conn& c) -> core::Result<Case> {
    auto k = LoadCase(c, who, id, auth::Action::kCaseWrite, s, clock_.Now());
    if (!k) return k;
    long long present = 0;
    c.sql() << "SELECT COUNT(*) FROM attachment_blobs WHERE sha256 = :h", soci::use(hash),
        soci::into(present);
    if (present == 0) {
      const std::string sealed = key_->Seal(content, "attachments." + hash);
      c.sql() << "INSERT INTO attachment_blobs (sha256, content) VALUES (:h, :c)", soci::use(hash),
          soci::use(sealed);
    }
    long long seq = 0;
    c.sql() << "SELECT COALESCE(MAX(seq), 0) FROM case_attachments WHERE case_id = :c",
        soci::use(id), soci::into(seq);
    ++seq;
    const std::string at = core::FormatUtc(clock_.Now()), author = ActorName(who);
    const long long size = static_cast<long long>(content.size());
    c.sql() << "INSERT INTO case_attachments (case_id, seq, sha256, name, media_type, size, at,"
               " author) VALUES (:c, :s, :h, :n, :t, :z, :a, :u)",
        soci::use(id), soci::use(seq), soci::use(hash), soci::use(name), soci::use(type),
        soci::use(size), soci::use(at), soci::use(author);
    AppendEvent(c, id, "attachment", author, {{"attachment", seq}, {"type", type}, {"size", size}},
                clock_.Now());
    audit::Append(c, who.ToActor(request_id),
                  {"case.attach",
                   "case",
                   std::to_string(id),
                   {{"attachment", seq}, {"sha256", hash}, {"size", size}}},
                  clock_.Now());
    auto updated = LoadCase(c, who, id, auth::Action::kCaseRead, s, clock_.Now());
    if (updated) LoadTimeline(c, *updated, s);
    return updated;
  });
}

core::Result<CasesService::File> CasesService::GetAttachment(const auth::Principal& who,
                                                             long long id, long long seq,
                                                             const std::string& request_id) {
  if (auto ok = NeedKey(); !ok) return tl::unexpected(ok.error());
  const Sealer s{*key_};
  return db_.Write([&](store::Conn& c) -> core::Result<File> {
    auto k = LoadCase(c, who, id, auth::Action::kCaseRead, s, clock_.Now());
    if (!k) return tl::unexpected(k.error());
    File f;
    std::string hash, sealed;
    c.sql() << "SELECT a.name, a.media_type, a.sha256, b.content FROM case_attachments a JOIN"
               " attachment_blobs b ON b.sha256 = a.sha256 WHERE a.case_id = :c AND a.seq = :s",
        soci::use(id), soci::use(seq), soci::into(f.name), soci::into(f.media_type),
        soci::into(hash), soci::into(sealed);
    if (!c.sql().got_data()) return Fail(ErrorCode::kNotFound, "no such attachment");
    auto plain = key_->Open(sealed, "attachments." + hash);
    if (!plain) return tl::unexpected(plain.error());
    f.content = std::move(*plain);
    audit::Append(c, who.ToActor(request_id),
                  {"case.attachment.read", "case", std::to_string(id), {{"attachment", seq}}},
                  clock_.Now());
    return f;
  });
}

core::Result<std::vector<Case>> CasesService::List(const auth::Principal& who,
                                                   const std::string& status,
                                                   const std::string& request_id, long long before,
                                                   int limit) {
  if (auto ok = NeedKey(); !ok) return tl::unexpected(ok.error());
  if (!auth::MayPerform(who, auth::Action::kCaseRead)) {
    return tl::unexpected(Denied(auth::Decision::kForbidden));
  }
  limit = std::clamp(limit, 1, kMaxListed);
  const Sealer s{*key_};
  return db_.Write([&](store::Conn& c) -> core::Result<std::vector<Case>> {
    std::vector<Case> out;
    soci::rowset<soci::row> rows =
        (c.sql().prepare << "SELECT " << kCaseColumns
                         << " FROM cases WHERE agency = :a AND (:s = '' OR status = :s2)"
                            " AND (:b = 0 OR id < :b2) ORDER BY id DESC LIMIT :n",
         soci::use(who.agency), soci::use(status), soci::use(status), soci::use(before),
         soci::use(before), soci::use(limit));
    for (const auto& r : rows) out.push_back(FromRow(r, &s, clock_.Now()));
    audit::Append(c, who.ToActor(request_id), {"case.list", "case", "", {{"returned", out.size()}}},
                  clock_.Now());
    return out;
  });
}

core::Result<Case> CasesService::Get(const auth::Principal& who, long long id,
                                     const std::string& request_id) {
  if (auto ok = NeedKey(); !ok) return tl::unexpected(ok.error());
  const Sealer s{*key_};
  return db_.Write([&](store::Conn& c) -> core::Result<Case> {
    auto k = LoadCase(c, who, id, auth::Action::kCaseRead, s, clock_.Now());
    if (!k) return k;
    LoadTimeline(c, *k, s);
    FindDuplicates(c, *k, clock_.Now());
    audit::Append(c, who.ToActor(request_id), {"case.read", "case", std::to_string(id), {}},
                  clock_.Now());
    return k;
  });
}

core::Result<Case> CasesService::Update(const auth::Principal& who, long long id,
                                        const CaseUpdate& u, const std::string& request_id) {
  if (auto ok = NeedKey(); !ok) return tl::unexpected(ok.error());
  if (u.indicators) {
    for (const auto& [code, strength] : *u.indicators) {
      if (!IsIndicator(code)) {
        return Fail(ErrorCode::kInvalidArgument, "unknown indicator '" + code.substr(0, 40) + "'",
                    "invalid-field");
      }
      if (strength != "strong" && strength != "medium") {
        return Fail(ErrorCode::kInvalidArgument,
                    "indicator " + code + " must be flagged strong or medium", "invalid-field");
      }
    }
  }
  if (u.categories) {
    for (const std::string& c : *u.categories) {
      if (!IsCategory(c)) {
        return Fail(ErrorCode::kInvalidArgument, "unknown category '" + c.substr(0, 40) + "'",
                    "invalid-field");
      }
    }
  }
  for (const auto& [field, value] :
       {std::pair<const char*, const std::optional<std::string>*>{"worker_name", &u.worker_name},
        {"date_of_birth", &u.date_of_birth},
        {"employer_name", &u.employer_name},
        {"closed_reason", &u.closed_reason}}) {
    if (*value) {
      if (auto ok = CheckText(field, **value, 500, false); !ok) return tl::unexpected(ok.error());
    }
  }
  const Sealer s{*key_};
  return db_.Write([&](store::Conn& c) -> core::Result<Case> {
    auto k = LoadCase(c, who, id, auth::Action::kCaseWrite, s, clock_.Now());
    if (!k) return k;
    const auto now = clock_.Now();
    const std::string actor = ActorName(who);
    Json changed = Json::array();
    if (u.status && *u.status != k->status) {
      const auto from = std::find(kStatuses.begin(), kStatuses.end(), k->status);
      const auto to = std::find(kStatuses.begin(), kStatuses.end(), *u.status);
      if (to == kStatuses.end()) {
        return Fail(ErrorCode::kInvalidArgument, "unknown status '" + u.status->substr(0, 40) + "'",
                    "invalid-field");
      }
      // One step forward at a time; closing is allowed from any open state.
      const bool closing = *u.status == "closed";
      if (k->status == "closed" || (!closing && to != from + 1)) {
        return Fail(ErrorCode::kUnprocessable,
                    "a case cannot go from " + k->status + " to " + *u.status,
                    "workflow-forbidden");
      }
      if (closing) {
        if (auth::Authorize(who, auth::Action::kCaseSupervise, {k->agency, std::nullopt}) !=
            auth::Decision::kAllow) {
          return Fail(ErrorCode::kPermissionDenied, "only a supervisor closes a case");
        }
        if (!u.closed_reason || u.closed_reason->empty()) {
          return Fail(ErrorCode::kUnprocessable, "closing a case needs closed_reason",
                      "workflow-forbidden");
        }
        c.sql() << "UPDATE cases SET closed_reason = :r WHERE id = :id",
            soci::use(*u.closed_reason), soci::use(id);
      }
      c.sql() << "UPDATE cases SET status = :s WHERE id = :id", soci::use(*u.status), soci::use(id);
      AppendEvent(c, id, "status", actor, {{"from", k->status}, {"to", *u.status}}, now);
      changed.push_back("status");
    }
    if (u.indicators) {
      const std::string text = Json(*u.indicators).dump();
      c.sql() << "UPDATE cases SET indicators = :i WHERE id = :id", soci::use(text), soci::use(id);
      const Risk risk = ScoreRisk(*u.indicators);
      AppendEvent(c, id, "classified", actor,
                  {{"indicators", *u.indicators}, {"risk", risk.level}, {"score", risk.score}},
                  now);
      changed.push_back("indicators");
    }
    if (u.categories) {
      const std::string text = Json(*u.categories).dump();
      c.sql() << "UPDATE cases SET categories = :c WHERE id = :id", soci::use(text), soci::use(id);
      AppendEvent(c, id, "categorised", actor, {{"categories", *u.categories}}, now);
      changed.push_back("categories");
    }
    if (u.assigned_to) {
      if (auth::Authorize(who, auth::Action::kCaseSupervise, {k->agency, std::nullopt}) !=
          auth::Decision::kAllow) {
        return Fail(ErrorCode::kPermissionDenied, "only a supervisor assigns a case");
      }
      c.sql() << "UPDATE cases SET assigned_to = :a WHERE id = :id", soci::use(*u.assigned_to),
          soci::use(id);
      AppendEvent(c, id, "assigned", actor, {{"to", *u.assigned_to}}, now);
      changed.push_back("assigned_to");
    }
    for (const auto& [column, value] :
         {std::pair<const char*, const std::optional<std::string>*>{"worker_name", &u.worker_name},
          {"date_of_birth", &u.date_of_birth}}) {
      if (!*value) continue;
      const std::string sealed =
          s.Seal(**value, column[0] == 'w' ? "cases.worker_name" : "cases.date_of_birth");
      c.sql() << "UPDATE cases SET " << column << " = :v WHERE id = :id", soci::use(sealed),
          soci::use(id);
      changed.push_back(column);
    }
    if (u.employer_name) {
      c.sql() << "UPDATE cases SET employer_name = :v WHERE id = :id", soci::use(*u.employer_name),
          soci::use(id);
      changed.push_back("employer_name");
    }
    audit::Append(c, who.ToActor(request_id),
                  {"case.update", "case", std::to_string(id), {{"changed", changed}}}, now);
    auto updated = LoadCase(c, who, id, auth::Action::kCaseRead, s, now);
    if (updated) LoadTimeline(c, *updated, s);
    return updated;
  });
}

core::Result<Dashboard> CasesService::GetDashboard(const auth::Principal& who) {
  if (!auth::MayPerform(who, auth::Action::kCaseAggregate)) {
    return tl::unexpected(Denied(auth::Decision::kForbidden));
  }
  return db_.Read([&](store::Conn& c) -> core::Result<Dashboard> {
    Dashboard d;
    std::map<std::string, ProviderRisk> providers;
    soci::rowset<soci::row> rows =
        (c.sql().prepare << "SELECT status, created_at, indicators, categories, provider_name"
                            " FROM cases WHERE agency = :a",
         soci::use(who.agency));
    for (const auto& r : rows) {
      const std::string status = store::GetText(r, 0);
      ++d.by_status[status];
      ++d.by_month[store::GetText(r, 1).substr(0, 7)];
      IndicatorFlags flags;
      const Json ind = Json::parse(store::GetText(r, 2), nullptr, false);
      if (ind.is_object()) {
        for (const auto& [code, strength] : ind.items()) {
          ++d.by_indicator[code];
          flags[code] = strength;
        }
      }
      const Json cats = Json::parse(store::GetText(r, 3), nullptr, false);
      if (cats.is_array()) {
        for (const auto& cat : cats) ++d.by_category[cat.get<std::string>()];
      }
      const std::string provider = store::GetText(r, 4);
      if (status != "closed" && !provider.empty()) {
        ProviderRisk& p = providers[provider];
        p.provider = provider;
        ++p.open_cases;
        p.risk_points += ScoreRisk(flags).score;
      }
    }
    for (auto& [name, p] : providers) d.providers.push_back(p);
    std::sort(d.providers.begin(), d.providers.end(),
              [](const ProviderRisk& a, const ProviderRisk& b) {
                return a.risk_points != b.risk_points ? a.risk_points > b.risk_points
                       : a.open_cases != b.open_cases ? a.open_cases > b.open_cases
                                                      : a.provider < b.provider;
              });
    return d;
  });
}

core::Result<Table> CasesService::ExportCases(const auth::Principal& who, const std::string& status,
                                              const std::string& request_id) {
  if (!auth::MayPerform(who, auth::Action::kCaseAggregate)) {
    return tl::unexpected(Denied(auth::Decision::kForbidden));
  }
  const bool personal = auth::Authorize(who, auth::Action::kCaseRead, {who.agency, std::nullopt}) ==
                        auth::Decision::kAllow;
  if (personal) {
    if (auto ok = NeedKey(); !ok) return tl::unexpected(ok.error());
  }
  return db_.Write([&](store::Conn& c) -> core::Result<Table> {
    Table t;
    t.push_back({"id", "reference", "status", "created_at", "due_at", "overdue", "language",
                 "source", "provider_name", "employer_name", "location", "indicators", "categories",
                 "risk_level", "risk_score"});
    if (personal) {
      for (const char* col : {"worker_name", "date_of_birth", "contact", "what_happened"}) {
        t[0].push_back(col);
      }
    }
    // Without the personal columns nothing is opened (and no key is needed).
    std::optional<Sealer> sealer;
    if (personal) sealer.emplace(Sealer{*key_});
    const auto now = clock_.Now();
    soci::rowset<soci::row> rows =
        (c.sql().prepare << "SELECT " << kCaseColumns
                         << " FROM cases WHERE agency = :a AND (:s = '' OR status = :s2)"
                            " ORDER BY id",
         soci::use(who.agency), soci::use(status), soci::use(status));
    for (const auto& r : rows) {
      const Case k = FromRow(r, sealer ? &*sealer : nullptr, now);
      std::string indicators, categories;
      for (const auto& [code, strength] : k.indicators) {
        indicators += (indicators.empty() ? "" : "; ") + code + " (" + strength + ")";
      }
      for (const auto& cat : k.categories) categories += (categories.empty() ? "" : "; ") + cat;
      std::vector<std::string> row = {
          std::to_string(k.id), k.reference,  k.status,
          k.created_at,         k.due_at,     k.overdue ? "yes" : "no",
          k.language,           k.source,     k.provider_name,
          k.employer_name,      k.location,   indicators,
          categories,           k.risk.level, std::to_string(k.risk.score)};
      if (personal) {
        for (const std::string* v :
             {&k.worker_name, &k.date_of_birth, &k.contact, &k.what_happened}) {
          row.push_back(*v);
        }
      }
      t.push_back(std::move(row));
    }
    audit::Append(c, who.ToActor(request_id),
                  {"case.export",
                   "case",
                   "",
                   {{"rows", t.size() - 1}, {"personal", personal}, {"status", status}}},
                  now);
    return t;
  });
}

namespace {

std::string SnapshotValue(const Case& k, const std::string& field) {
  if (field == "worker_name") return k.worker_name;
  if (field == "date_of_birth") return k.date_of_birth;
  if (field == "provider_name") return k.provider_name;
  if (field == "employer_name") return k.employer_name;
  if (field == "location") return k.location;
  if (field == "indicators") return Json(k.indicators).dump();
  if (field == "categories") return Json(k.categories).dump();
  if (field == "what_happened") return k.what_happened;
  if (field == "contact") return k.contact;
  return {};
}

constexpr const char* kReferralColumns =
    "id, case_id, from_agency, to_agency, purpose, legal_basis, fields, consent, override_reason,"
    " status, created_at, snapshot, pair_ref";

// Loads a referral for one of its parties; the partner's copy has no case id.
core::Result<Referral> LoadReferral(store::Conn& c, const auth::Principal& who, long long id,
                                    auth::Action action, const Sealer& s) {
  soci::rowset<soci::row> rows =
      (c.sql().prepare << "SELECT " << kReferralColumns << " FROM referrals WHERE id = :id",
       soci::use(id));
  for (const auto& r : rows) {
    Referral ref;
    ref.id = store::GetInt(r, 0);
    ref.from_agency = store::GetText(r, 2);
    ref.to_agency = store::GetText(r, 3);
    const auth::Decision a = auth::Authorize(who, action, {ref.from_agency, std::nullopt});
    const auth::Decision b = auth::Authorize(who, action, {ref.to_agency, std::nullopt});
    if (a != auth::Decision::kAllow && b != auth::Decision::kAllow) {
      return tl::unexpected(Denied(a, "no such referral"));
    }
    if (who.agency == ref.from_agency || who.system) ref.case_id = store::GetInt(r, 1);
    ref.purpose = store::GetText(r, 4);
    ref.legal_basis = store::GetText(r, 5);
    const Json fields = Json::parse(store::GetText(r, 6), nullptr, false);
    if (fields.is_array()) {
      for (const auto& f : fields) ref.fields.push_back(f.get<std::string>());
    }
    ref.consent = store::GetInt(r, 7) != 0;
    ref.override_reason = store::GetText(r, 8);
    ref.status = store::GetText(r, 9);
    ref.created_at = store::GetText(r, 10);
    ref.pair_ref = store::GetText(r, 12);
    const Json snapshot =
        Json::parse(s.Open(store::GetText(r, 11), "referrals.snapshot"), nullptr, false);
    if (snapshot.is_object()) {
      for (const auto& [f, v] : snapshot.items()) ref.snapshot[f] = v.get<std::string>();
    }
    soci::rowset<soci::row> messages =
        (c.sql().prepare << "SELECT from_agency, author, at, body FROM referral_messages"
                            " WHERE referral_id = :r ORDER BY seq",
         soci::use(id));
    for (const auto& m : messages) {
      ref.messages.push_back({store::GetText(m, 0), store::GetText(m, 1), store::GetText(m, 2),
                              s.Open(store::GetText(m, 3), "referrals.message")});
    }
    return ref;
  }
  if (!auth::MayPerform(who, action)) {
    return tl::unexpected(Denied(auth::Decision::kForbidden, "no such referral"));
  }
  return Fail(ErrorCode::kNotFound, "no such referral");
}

}  // namespace

core::Result<Referral> CasesService::Refer(const auth::Principal& who, long long case_id,
                                           const NewReferral& n, const std::string& request_id) {
  if (auto ok = NeedKey(); !ok) return tl::unexpected(ok.error());
  const std::vector<std::string> fields = n.fields.value_or(kMinimalFields);
  if (fields.empty()) {
    return Fail(ErrorCode::kInvalidArgument, "fields must name at least one field",
                "invalid-field");
  }
  for (const std::string& f : fields) {
    if (std::find(std::begin(kShareableFields), std::end(kShareableFields), f) ==
        std::end(kShareableFields)) {
      return Fail(ErrorCode::kInvalidArgument, "'" + f.substr(0, 40) + "' is not a shareable field",
                  "invalid-field");
    }
  }
  if (auto ok = CheckText("purpose", n.purpose, 500, true); !ok) return tl::unexpected(ok.error());
  if (auto ok = CheckText("legal_basis", n.legal_basis, 500, true); !ok) {
    return tl::unexpected(ok.error());
  }
  if (auto ok = CheckText("override_reason", n.override_reason, 500, false); !ok) {
    return tl::unexpected(ok.error());
  }
  const Sealer s{*key_};
  return db_.Write([&](store::Conn& c) -> core::Result<Referral> {
    auto k = LoadCase(c, who, case_id, auth::Action::kCaseWrite, s, clock_.Now());
    if (!k) return tl::unexpected(k.error());
    if (!IsLabourAgency(n.to_agency) || n.to_agency == k->agency) {
      return Fail(ErrorCode::kInvalidArgument, "to_agency must be the partner labour agency",
                  "invalid-field");
    }
    if (!n.consent) {
      if (n.override_reason.empty()) {
        return Fail(ErrorCode::kUnprocessable,
                    "without the worker's consent a referral needs a supervisor's override_reason",
                    "consent-required");
      }
      if (auth::Authorize(who, auth::Action::kCaseSupervise, {k->agency, std::nullopt}) !=
          auth::Decision::kAllow) {
        return Fail(ErrorCode::kPermissionDenied, "only a supervisor overrides consent");
      }
    }
    Json snapshot = Json::object();
    for (const std::string& f : fields) snapshot[f] = SnapshotValue(*k, f);
    const std::string sealed = s.Seal(snapshot.dump(), "referrals.snapshot");
    const std::string fields_text = Json(fields).dump();
    const std::string now = core::FormatUtc(clock_.Now());
    const int consent = n.consent ? 1 : 0;
    long long id = 0;
    c.sql() << "INSERT INTO referrals (case_id, from_agency, to_agency, purpose, legal_basis,"
               " fields, consent, override_reason, status, created_by, created_at, snapshot,"
               " pair_ref) VALUES (:c, :f, :t, :p, :l, :fl, :co, :o, 'sent', :u, :at, :s, :pr)"
               " RETURNING id",
        soci::use(case_id), soci::use(k->agency), soci::use(n.to_agency), soci::use(n.purpose),
        soci::use(n.legal_basis), soci::use(fields_text), soci::use(consent),
        soci::use(n.override_reason), soci::use(who.user_id), soci::use(now), soci::use(sealed),
        soci::use(n.pair_ref), soci::into(id);
    AppendEvent(c, case_id, "referred", ActorName(who),
                {{"referral", id}, {"to", n.to_agency}, {"fields", fields}, {"consent", n.consent}},
                clock_.Now());
    audit::Append(c, who.ToActor(request_id),
                  {"referral.create",
                   "referral",
                   std::to_string(id),
                   {{"case", case_id},
                    {"to", n.to_agency},
                    {"fields", fields},
                    {"consent", n.consent},
                    {"override", !n.consent},
                    {"pair_ref", n.pair_ref}}},
                  clock_.Now());
    return LoadReferral(c, who, id, auth::Action::kCaseRead, s);
  });
}

core::Result<Referral> CasesService::GetReferral(const auth::Principal& who, long long id,
                                                 const std::string& request_id) {
  if (auto ok = NeedKey(); !ok) return tl::unexpected(ok.error());
  const Sealer s{*key_};
  return db_.Write([&](store::Conn& c) -> core::Result<Referral> {
    auto r = LoadReferral(c, who, id, auth::Action::kCaseRead, s);
    if (!r) return r;
    audit::Append(c, who.ToActor(request_id), {"referral.read", "referral", std::to_string(id), {}},
                  clock_.Now());
    return r;
  });
}

core::Result<std::vector<Referral>> CasesService::ListReferrals(const auth::Principal& who) {
  if (auto ok = NeedKey(); !ok) return tl::unexpected(ok.error());
  if (!auth::MayPerform(who, auth::Action::kCaseRead)) {
    return tl::unexpected(Denied(auth::Decision::kForbidden, "no such referral"));
  }
  const Sealer s{*key_};
  return db_.Read([&](store::Conn& c) -> core::Result<std::vector<Referral>> {
    std::vector<long long> ids;
    soci::rowset<soci::row> rows =
        (c.sql().prepare << "SELECT id FROM referrals WHERE from_agency = :a OR to_agency = :b"
                            " ORDER BY id DESC LIMIT 500",
         soci::use(who.agency), soci::use(who.agency));
    for (const auto& r : rows) ids.push_back(store::GetInt(r, 0));
    std::vector<Referral> out;
    for (const long long id : ids) {
      auto r = LoadReferral(c, who, id, auth::Action::kCaseRead, s);
      if (r) out.push_back(std::move(*r));
    }
    return out;
  });
}

core::Result<Referral> CasesService::Respond(const auth::Principal& who, long long id,
                                             const std::string& action, const std::string& reason,
                                             const std::string& request_id) {
  if (auto ok = NeedKey(); !ok) return tl::unexpected(ok.error());
  if (auto ok = CheckText("reason", reason, 1000, false); !ok) return tl::unexpected(ok.error());
  const Sealer s{*key_};
  return db_.Write([&](store::Conn& c) -> core::Result<Referral> {
    auto r = LoadReferral(c, who, id, auth::Action::kCaseWrite, s);
    if (!r) return r;
    const bool sender = who.agency == r->from_agency;
    std::string next;
    // The one state machine for hand-overs: sent → accepted | declined | info_requested (the
    // partner); info_requested → sent when the sender answers; revoked by the sender any time
    // before a decline.
    if (action == "revoke") {
      if (!sender) return Fail(ErrorCode::kPermissionDenied, "only the sender revokes");
      if (r->status == "declined" || r->status == "revoked") {
        return Fail(ErrorCode::kUnprocessable, "the referral is already " + r->status,
                    "workflow-forbidden");
      }
      next = "revoked";
    } else if (action == "accept" || action == "decline" || action == "request_info") {
      if (sender) return Fail(ErrorCode::kPermissionDenied, "only the partner agency answers");
      if (r->status != "sent") {
        return Fail(ErrorCode::kUnprocessable,
                    "a referral that is " + r->status + " cannot be answered that way",
                    "workflow-forbidden");
      }
      next = action == "accept" ? "accepted" : action == "decline" ? "declined" : "info_requested";
    } else {
      return Fail(ErrorCode::kInvalidArgument,
                  "action must be accept, decline, request_info or revoke", "invalid-field");
    }
    if ((next == "declined" || next == "revoked") && reason.empty()) {
      return Fail(ErrorCode::kUnprocessable, "a reason is required to " + action,
                  "workflow-forbidden");
    }
    c.sql() << "UPDATE referrals SET status = :s WHERE id = :id", soci::use(next), soci::use(id);
    if (!reason.empty()) {
      long long seq = static_cast<long long>(r->messages.size()) + 1;
      const std::string now = core::FormatUtc(clock_.Now()),
                        body = s.Seal(reason, "referrals.message");
      const std::string author = ActorName(who);
      c.sql() << "INSERT INTO referral_messages (referral_id, seq, from_agency, author, at, body)"
                 " VALUES (:r, :s, :f, :a, :t, :b)",
          soci::use(id), soci::use(seq), soci::use(who.agency), soci::use(author), soci::use(now),
          soci::use(body);
    }
    audit::Append(
        c, who.ToActor(request_id),
        {"referral." + action, "referral", std::to_string(id), {{"from", r->status}, {"to", next}}},
        clock_.Now());
    return LoadReferral(c, who, id, auth::Action::kCaseRead, s);
  });
}

core::Result<Referral> CasesService::AddMessage(const auth::Principal& who, long long id,
                                                const std::string& body,
                                                const std::string& request_id) {
  if (auto ok = NeedKey(); !ok) return tl::unexpected(ok.error());
  if (auto ok = CheckText("body", body, 5000, true); !ok) return tl::unexpected(ok.error());
  const Sealer s{*key_};
  return db_.Write([&](store::Conn& c) -> core::Result<Referral> {
    auto r = LoadReferral(c, who, id, auth::Action::kCaseWrite, s);
    if (!r) return r;
    if (r->status == "declined" || r->status == "revoked") {
      return Fail(ErrorCode::kUnprocessable, "the referral is " + r->status, "workflow-forbidden");
    }
    const long long seq = static_cast<long long>(r->messages.size()) + 1;
    const std::string now = core::FormatUtc(clock_.Now()),
                      sealed = s.Seal(body, "referrals.message");
    const std::string author = ActorName(who);
    c.sql() << "INSERT INTO referral_messages (referral_id, seq, from_agency, author, at, body)"
               " VALUES (:r, :s, :f, :a, :t, :b)",
        soci::use(id), soci::use(seq), soci::use(who.agency), soci::use(author), soci::use(now),
        soci::use(sealed);
    // The sender answering a request for information puts the referral back to the partner.
    if (who.agency == r->from_agency && r->status == "info_requested") {
      c.sql() << "UPDATE referrals SET status = 'sent' WHERE id = :id", soci::use(id);
    }
    audit::Append(c, who.ToActor(request_id),
                  {"referral.message", "referral", std::to_string(id), {{"seq", seq}}},
                  clock_.Now());
    return LoadReferral(c, who, id, auth::Action::kCaseRead, s);
  });
}

}  // namespace kenes::cases
