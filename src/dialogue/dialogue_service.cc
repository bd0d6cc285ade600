#include "dialogue/dialogue_service.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <functional>
#include <map>
#include <set>
#include <tuple>

#include "audit/audit_log.h"
#include "auth/policy.h"
#include "core/utf8.h"
#include "dialogue/briefing_text.h"
#include "search/search_index.h"

namespace kenes::dialogue {

using core::ErrorCode;
using core::Fail;
using nlohmann::json;

namespace {

// Validation inside a transaction throws, so that the whole write rolls back; the public methods
// turn the throw into their error result.
[[noreturn]] void Reject(ErrorCode code, const std::string& message,
                         const std::string& type = "invalid-field") {
  throw core::Failure(core::Error{code, message, type, {}});
}

template <typename F>
auto Guard(F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const core::Failure& e) {
    return tl::unexpected(e.error());
  }
}

void CheckText(const std::string& field, const std::string& v, size_t max, bool required) {
  // Records of diplomacy quote documents verbatim: angle brackets are text here, escaped on output.
  if (auto ok = core::CheckPlainText(field, v, max, required, core::Markup::kAllowed); !ok) {
    throw core::Failure(ok.error());
  }
}

void CheckDate(const std::string& field, const std::string& v, bool required) {
  if (v.empty()) {
    if (required) Reject(ErrorCode::kInvalidArgument, field + " is required (YYYY-MM-DD)");
    return;
  }
  if (v.size() != 10 || !core::ParseUtc(v)) {
    Reject(ErrorCode::kInvalidArgument, field + " '" + v + "' is not a date (YYYY-MM-DD)",
           "invalid-date");
  }
}

void CheckOneOf(const std::string& field, const std::string& v,
                std::initializer_list<const char*> allowed) {
  std::string list;
  for (const char* a : allowed) {
    if (v == a) return;
    list += (list.empty() ? "" : ", ") + std::string(a);
  }
  Reject(ErrorCode::kInvalidArgument, field + " '" + v + "' is not one of: " + list);
}

void CheckSources(const std::vector<Source>& sources) {
  for (const auto& s : sources) {
    CheckText("source url", s.url, 1000, true);
    if (s.url.rfind("https://", 0) != 0 && s.url.rfind("http://", 0) != 0) {
      Reject(ErrorCode::kInvalidArgument, "source url '" + s.url + "' must be http(s)");
    }
    CheckText("source title", s.title, 300, false);
  }
}

void CheckParty(const std::string& field, const std::string& party) {
  CheckOneOf(field, party, {"KZ", "UK"});
}

const char* const kRatifiable[] = {"treaty", "agreement"};
bool Ratifiable(const std::string& kind) {
  return std::find(std::begin(kRatifiable), std::end(kRatifiable), kind) != std::end(kRatifiable);
}

// The label of `key` in `lang`, or `fallback` when there is none (a code added later).
std::string Label(std::string_view lang, const std::string& key, std::string fallback) {
  std::string s = Say(lang, key);
  if (s != key) return s;
  std::replace(fallback.begin(), fallback.end(), '_', ' ');
  return fallback;
}

std::string KindLabel(const std::string& kind, std::string_view lang = "en") {
  return Label(lang, "kind." + kind, kind);
}

std::string Today(const core::Clock& clock) { return core::FormatUtc(clock.Now()).substr(0, 10); }

json ToJson(const std::vector<std::string>& v) { return json(v); }
std::vector<std::string> StringsFrom(const std::string& text) {
  const json j = json::parse(text, nullptr, false);
  std::vector<std::string> out;
  if (j.is_array()) {
    for (const auto& x : j) {
      if (x.is_string()) out.push_back(x.get<std::string>());
    }
  }
  return out;
}

// --- Who may write -------------------------------------------------------------------------

core::Status MayWrite(const auth::Principal& who) {
  if (auth::MayPerform(who, auth::Action::kDialogueWrite)) return {};
  return Fail(ErrorCode::kPermissionDenied,
              "only the foreign ministries' desk officers edit the Strategic Dialogue record");
}
core::Status MayRead(const auth::Principal& who) {
  if (auth::MayPerform(who, auth::Action::kDialogueRead)) return {};
  return Fail(ErrorCode::kPermissionDenied, "your roles do not allow reading the Dialogue record");
}
void RequireWrite(const auth::Principal& who) {
  if (auto ok = MayWrite(who); !ok) throw core::Failure(ok.error());
}

void Audit(store::Conn& c, const auth::Principal& who, const std::string& request_id,
           const std::string& action, const std::string& type, long long id, json detail,
           core::TimePoint now) {
  audit::Append(c, who.ToActor(request_id), {action, type, std::to_string(id), std::move(detail)},
                now);
}

// --- Sources ---------------------------------------------------------------------------------

// Replaces the sources of record `id` of `kind` with `sources`.
void SaveSources(store::Conn& c, const std::string& kind, long long id,
                 const std::vector<Source>& sources) {
  c.sql() << "DELETE FROM dialogue_sources WHERE owner_kind = :k AND owner_id = :i",
      soci::use(kind), soci::use(id);
  long long seq = 0;
  for (const auto& s : sources) {
    ++seq;
    c.sql() << "INSERT INTO dialogue_sources (owner_kind, owner_id, seq, url, title)"
               " VALUES (:k, :i, :s, :u, :t)",
        soci::use(kind), soci::use(id), soci::use(seq), soci::use(s.url), soci::use(s.title);
  }
}

std::vector<Source> LoadSources(store::Conn& c, const std::string& kind, long long id) {
  std::vector<Source> out;
  soci::rowset<soci::row> rows =
      (c.sql().prepare << "SELECT url, title FROM dialogue_sources WHERE owner_kind = :k AND"
                          " owner_id = :i ORDER BY seq",
       soci::use(kind), soci::use(id));
  for (const auto& r : rows) out.push_back({store::GetText(r, 0), store::GetText(r, 1)});
  return out;
}

// --- Areas -----------------------------------------------------------------------------------

std::vector<Area> LoadAreas(store::Conn& c) {
  std::vector<Area> out;
  soci::rowset<soci::row> rows = c.sql().prepare << "SELECT code, name_en, name_ru, name_kk FROM"
                                                    " dialogue_areas ORDER BY position, code";
  for (const auto& r : rows) {
    out.push_back(
        {store::GetText(r, 0), store::GetText(r, 1), store::GetText(r, 2), store::GetText(r, 3)});
  }
  return out;
}

void CheckAreas(store::Conn& c, const std::vector<std::string>& codes) {
  std::set<std::string> known;
  for (const auto& a : LoadAreas(c)) known.insert(a.code);
  for (const auto& code : codes) {
    if (known.count(code) == 0) {
      Reject(ErrorCode::kInvalidArgument,
             "unknown cooperation area '" + code + "' (add it to the list of areas first)",
             "unknown-area");
    }
  }
}

// --- Meetings --------------------------------------------------------------------------------

std::string MeetingLabel(const Meeting& m, std::string_view lang = "en") {
  const std::string date = m.date_approximate
                               ? Fill(Say(lang, "meeting.about"), {{"month", m.date.substr(0, 7)}})
                               : m.date;
  return Fill(Say(lang, "meeting.label"),
              {{"name", MeetingName(lang, m.number.value_or(0), m.number_inferred)},
               {"city", m.city},
               {"date", date}});
}

std::optional<Meeting> LoadMeeting(store::Conn& c, long long id) {
  soci::rowset<soci::row> rows =
      (c.sql().prepare << "SELECT id, number, number_inferred, date, date_approximate, city,"
                          " country, format, status, areas, summary, outcomes, illustrative"
                          " FROM dialogue_meetings WHERE id = :i",
       soci::use(id));
  std::optional<Meeting> out;
  for (const auto& r : rows) {
    Meeting m;
    m.id = store::GetInt(r, 0);
    if (!store::IsNull(r, 1)) m.number = static_cast<int>(store::GetInt(r, 1));
    m.number_inferred = store::GetInt(r, 2) != 0;
    m.date = store::GetText(r, 3);
    m.date_approximate = store::GetInt(r, 4) != 0;
    m.city = store::GetText(r, 5);
    m.country = store::GetText(r, 6);
    m.format = store::GetText(r, 7);
    m.status = store::GetText(r, 8);
    m.areas = StringsFrom(store::GetText(r, 9));
    m.summary = store::GetText(r, 10);
    m.outcomes = store::GetText(r, 11);
    m.illustrative = store::GetInt(r, 12) != 0;
    out = std::move(m);
  }
  if (!out) return out;
  soci::rowset<soci::row> people =
      (c.sql().prepare << "SELECT role, side, name, title FROM dialogue_meeting_people WHERE"
                          " meeting_id = :i ORDER BY seq",
       soci::use(id));
  for (const auto& r : people) {
    Person p{store::GetText(r, 1), store::GetText(r, 2), store::GetText(r, 3)};
    (store::GetText(r, 0) == "co_chair" ? out->co_chairs : out->delegations).push_back(p);
  }
  out->sources = LoadSources(c, "meeting", id);
  soci::rowset<soci::row> signed_here =
      (c.sql().prepare << "SELECT id FROM dialogue_agreements WHERE meeting_id = :i ORDER BY id",
       soci::use(id));
  for (const auto& r : signed_here) out->agreements_signed.push_back(store::GetInt(r, 0));
  soci::rowset<soci::row> side =
      (c.sql().prepare << "SELECT id FROM dialogue_engagements WHERE meeting_id = :i ORDER BY id",
       soci::use(id));
  for (const auto& r : side) out->engagements.push_back(store::GetInt(r, 0));
  return out;
}

std::vector<long long> Ids(store::Conn& c, const std::string& sql) {
  std::vector<long long> ids;
  soci::rowset<soci::row> rows = c.sql().prepare << sql;
  for (const auto& r : rows) ids.push_back(store::GetInt(r, 0));
  return ids;
}

void IndexMeeting(store::Conn& c, const Meeting& m) {
  std::string body = m.summary + "\n" + m.outcomes + "\n" + m.city;
  for (const auto& p : m.co_chairs) body += "\n" + p.name + " " + p.title;
  for (const auto& p : m.delegations) body += "\n" + p.name + " " + p.title;
  search::Upsert(c, {"meeting", m.id, "kz-mfa", search::Visibility::kShared, "en",
                     "Strategic Dialogue: " + MeetingLabel(m), body});
}

// The rules a meeting keeps, new (`self` 0) or edited (`self` its id, left out of the
// comparisons with the other meetings).
void CheckMeeting(store::Conn& c, const Meeting& m, const std::string& today, long long self) {
  if (m.number && (*m.number < 1 || *m.number > 1000)) {
    Reject(ErrorCode::kInvalidArgument, "number must be from 1 to 1000");
  }
  CheckDate("date", m.date, true);
  CheckText("city", m.city, 100, true);
  CheckParty("country", m.country);
  CheckOneOf("format", m.format, {"in_person", "virtual", "hybrid"});
  CheckOneOf("status", m.status, {"held", "planned"});
  CheckText("summary", m.summary, 20000, false);
  CheckText("outcomes", m.outcomes, 20000, false);
  CheckSources(m.sources);
  for (const auto* list : {&m.co_chairs, &m.delegations}) {
    for (const auto& p : *list) {
      CheckParty("side", p.side);
      CheckText("name", p.name, 200, true);
      CheckText("title", p.title, 300, false);
    }
  }
  if (m.co_chairs.size() > 2) Reject(ErrorCode::kInvalidArgument, "a meeting has two co-chairs");
  CheckAreas(c, m.areas);
  if (m.status == "held" && m.date > today) {
    Reject(ErrorCode::kUnprocessable,
           "a meeting held on " + m.date + " is in the future; record it as planned",
           "contradictory-dates");
  }
  if (m.status == "planned" && m.date < today) {
    Reject(ErrorCode::kUnprocessable,
           "a planned meeting cannot be dated in the past (" + m.date + "); record it as held",
           "contradictory-dates");
  }
  if (m.number) {
    long long taken = 0;
    c.sql() << "SELECT COUNT(*) FROM dialogue_meetings WHERE number = :n AND id <> :i",
        soci::use(*m.number), soci::use(self), soci::into(taken);
    if (taken > 0) {
      Reject(ErrorCode::kConflict, "the " + Ordinal(*m.number) + " meeting is already recorded",
             "duplicate-meeting");
    }
    // Numbered meetings follow one another in time.
    soci::rowset<soci::row> rows =
        (c.sql().prepare << "SELECT number, date FROM dialogue_meetings WHERE number IS NOT NULL"
                            " AND id <> :i",
         soci::use(self));
    for (const auto& r : rows) {
      const int n = static_cast<int>(store::GetInt(r, 0));
      const std::string d = store::GetText(r, 1);
      if ((n < *m.number && d >= m.date) || (n > *m.number && d <= m.date)) {
        Reject(ErrorCode::kUnprocessable,
               "the " + Ordinal(*m.number) + " meeting on " + m.date + " cannot come " +
                   (n < *m.number ? "before or on the day of" : "after or on the day of") +
                   " the " + Ordinal(n) + " (" + d + ")",
               "contradictory-dates");
      }
    }
  }
}

void SaveMeetingPeople(store::Conn& c, long long id, const Meeting& m) {
  long long seq = 0;
  for (const auto& [role, list] :
       {std::pair<std::string, const std::vector<Person>*>{"co_chair", &m.co_chairs},
        {"delegate", &m.delegations}}) {
    for (const auto& p : *list) {
      ++seq;
      c.sql() << "INSERT INTO dialogue_meeting_people (meeting_id, seq, role, side, name, title)"
                 " VALUES (:m, :s, :r, :sd, :n, :t)",
          soci::use(id), soci::use(seq), soci::use(role), soci::use(p.side), soci::use(p.name),
          soci::use(p.title);
    }
  }
}

// Writes `m` as meeting `id` (0: a new row) with its people and sources, replacing what the row
// held; returns its id.
long long StoreMeeting(store::Conn& c, const Meeting& m, long long id, core::TimePoint now) {
  soci::indicator number_ind = m.number ? soci::i_ok : soci::i_null;
  const int number = m.number.value_or(0);
  const int inferred = m.number_inferred ? 1 : 0, approx = m.date_approximate ? 1 : 0,
            illustrative = m.illustrative ? 1 : 0;
  const std::string areas = ToJson(m.areas).dump();
  const std::string at = core::FormatUtc(now);
  const std::string kind = "meeting";
  if (id == 0) {
    c.sql() << "INSERT INTO dialogue_meetings (number, number_inferred, date, date_approximate,"
               " city, country, format, status, areas, summary, outcomes, illustrative,"
               " created_at, updated_at) VALUES (:n, :ni, :d, :da, :ci, :co, :f, :s, :a, :su,"
               " :o, :il, :t, :t2) RETURNING id",
        soci::use(number, number_ind), soci::use(inferred), soci::use(m.date), soci::use(approx),
        soci::use(m.city), soci::use(m.country), soci::use(m.format), soci::use(m.status),
        soci::use(areas), soci::use(m.summary), soci::use(m.outcomes), soci::use(illustrative),
        soci::use(at), soci::use(at), soci::into(id);
  } else {
    c.sql() << "UPDATE dialogue_meetings SET number = :n, number_inferred = :ni, date = :d,"
               " date_approximate = :da, city = :ci, country = :co, format = :f, status = :s,"
               " areas = :a, summary = :su, outcomes = :o, illustrative = :il, updated_at = :t"
               " WHERE id = :id",
        soci::use(number, number_ind), soci::use(inferred), soci::use(m.date), soci::use(approx),
        soci::use(m.city), soci::use(m.country), soci::use(m.format), soci::use(m.status),
        soci::use(areas), soci::use(m.summary), soci::use(m.outcomes), soci::use(illustrative),
        soci::use(at), soci::use(id);
    c.sql() << "DELETE FROM dialogue_meeting_people WHERE meeting_id = :m", soci::use(id);
  }
  SaveMeetingPeople(c, id, m);
  SaveSources(c, kind, id, m.sources);
  return id;
}

long long InsertMeeting(store::Conn& c, const auth::Principal& who, const Meeting& m,
                        const std::string& today, const std::string& request_id,
                        core::TimePoint now) {
  CheckMeeting(c, m, today, 0);
  const long long id = StoreMeeting(c, m, 0, now);
  Meeting stored = m;
  stored.id = id;
  IndexMeeting(c, stored);
  Audit(c, who, request_id, "dialogue.meeting.create", "dialogue_meeting", id,
        {{"number", m.number ? json(*m.number) : json(nullptr)}, {"date", m.date}}, now);
  return id;
}

// --- Agreements ------------------------------------------------------------------------------

std::string StepLabel(const std::string& party, const std::string& step,
                      std::string_view lang = "en") {
  return Label(lang, "step." + party + "." + step, step);
}

// The key (briefing_text.cc) of what comes next for `party` of `a`, in state `state`: its
// signature, the next step of its domestic procedure, ratification, entry into force, or ""
// for nothing.
std::string NextStepKey(const Agreement& a, const std::string& party, const std::string& state) {
  if (state == "not_signed") return "action.signature";
  if (state == "signed" && Ratifiable(a.kind)) {
    std::set<std::string> done;
    for (const auto& st : a.steps) {
      if (st.party == party) done.insert(st.step);
    }
    for (const auto& step : ProcedureSteps(party)) {
      if (done.count(step) == 0) return "step." + party + "." + step;
    }
    return "action.ratification";
  }
  if (state == "ratified" || state == "approved") return "action.entry_into_force";
  return "";  // in force, terminated, or signed and in effect as its text says
}

// The parties that have signed a ratifiable agreement and not yet ratified it.
std::vector<std::string> AwaitingRatification(const std::vector<PartyStatus>& parties,
                                              const std::string& kind) {
  std::vector<std::string> out;
  if (!Ratifiable(kind)) return out;
  for (const auto& ps : parties) {
    if (ps.state == "signed") out.push_back(ps.party);
  }
  return out;
}

// An agreement's status in words; `pending`: the parties yet to ratify.
std::string AgreementLabel(std::string_view lang, const std::string& status,
                           const std::vector<std::string>& pending, const std::string& kind) {
  if (status == "signed" && !Ratifiable(kind)) {
    return Fill(Say(lang, "agreement.signed_final"), {{"kind", KindLabel(kind, lang)}});
  }
  std::string parties;
  for (const auto& p : pending) {
    parties +=
        (parties.empty() ? "" : " " + Say(lang, "word.and") + " ") + Label(lang, "party." + p, p);
  }
  return Fill(Say(lang, "agreement." + status), {{"parties", parties}});
}

struct Derived {
  std::string status, label;
  std::vector<PartyStatus> parties;
};

Derived Derive(const Agreement& a) {
  Derived d;
  std::map<std::string, std::string> state;
  for (const auto& p : a.parties) state[p] = "not_signed";
  for (const auto& act : a.actions) {
    if (act.action == "signature") state[act.party] = "signed";
    if (act.action == "ratification") state[act.party] = "ratified";
    if (act.action == "approval") state[act.party] = "approved";
    if (act.action == "entry_into_force") state[act.party] = "in_force";
    if (act.action == "termination") state[act.party] = "terminated";
  }
  auto count = [&](std::initializer_list<const char*> states) {
    size_t n = 0;
    for (const auto& [p, s] : state) {
      for (const char* x : states) n += s == x ? 1 : 0;
    }
    return n;
  };
  const size_t all = a.parties.size();
  for (const auto& p : a.parties) {
    const std::string key = NextStepKey(a, p, state[p]);
    d.parties.push_back({p, state[p], key.empty() ? "" : Say("en", key), key});
  }
  if (count({"terminated"}) > 0) {
    d.status = "terminated";
  } else if (count({"in_force"}) == all) {
    d.status = "in_force";
  } else if (count({"ratified", "approved", "in_force"}) == all) {
    d.status = "ratified";
  } else if (count({"ratified", "approved", "in_force"}) > 0) {
    d.status = "partly_ratified";
  } else if (count({"signed"}) == all) {
    d.status = "signed";
  } else if (count({"signed"}) > 0) {
    d.status = "partly_signed";
  } else {
    d.status = "not_signed";
  }
  d.label = AgreementLabel("en", d.status, AwaitingRatification(d.parties, a.kind), a.kind);
  return d;
}

std::optional<Agreement> LoadAgreement(store::Conn& c, long long id) {
  soci::rowset<soci::row> rows =
      (c.sql().prepare << "SELECT id, title, kind, parties, signatory_bodies, areas, meeting_id,"
                          " summary, illustrative FROM dialogue_agreements WHERE id = :i",
       soci::use(id));
  std::optional<Agreement> out;
  for (const auto& r : rows) {
    Agreement a;
    a.id = store::GetInt(r, 0);
    a.title = store::GetText(r, 1);
    a.kind = store::GetText(r, 2);
    a.parties = StringsFrom(store::GetText(r, 3));
    a.signatory_bodies = StringsFrom(store::GetText(r, 4));
    a.areas = StringsFrom(store::GetText(r, 5));
    if (!store::IsNull(r, 6)) a.meeting_id = store::GetInt(r, 6);
    a.summary = store::GetText(r, 7);
    a.illustrative = store::GetInt(r, 8) != 0;
    out = std::move(a);
  }
  if (!out) return out;
  soci::rowset<soci::row> acts =
      (c.sql().prepare << "SELECT id, party, action, date, note FROM dialogue_party_actions WHERE"
                          " agreement_id = :i ORDER BY date, id",
       soci::use(id));
  for (const auto& r : acts) {
    out->actions.push_back({store::GetInt(r, 0), store::GetText(r, 1), store::GetText(r, 2),
                            store::GetText(r, 3), store::GetText(r, 4)});
  }
  soci::rowset<soci::row> steps =
      (c.sql().prepare << "SELECT id, party, step, date, note FROM dialogue_procedure_steps WHERE"
                          " agreement_id = :i ORDER BY date, id",
       soci::use(id));
  for (const auto& r : steps) {
    out->steps.push_back({store::GetInt(r, 0), store::GetText(r, 1), store::GetText(r, 2),
                          store::GetText(r, 3), store::GetText(r, 4)});
  }
  out->sources = LoadSources(c, "agreement", id);
  const Derived d = Derive(*out);
  out->status = d.status;
  out->status_label = d.label;
  out->party_status = d.parties;
  return out;
}

void IndexAgreement(store::Conn& c, const Agreement& a) {
  std::string body = a.summary + "\n" + KindLabel(a.kind) + "\n" + a.status_label;
  for (const auto& b : a.signatory_bodies) body += "\n" + b;
  search::Upsert(c,
                 {"agreement", a.id, "kz-mfa", search::Visibility::kShared, "en", a.title, body});
}

long long InsertAgreement(store::Conn& c, const auth::Principal& who, const Agreement& a,
                          const std::string& request_id, core::TimePoint now) {
  CheckText("title", a.title, 500, true);
  CheckOneOf("kind", a.kind,
             {"treaty", "agreement", "memorandum_of_understanding", "joint_statement", "roadmap"});
  if (a.parties.size() < 2) {
    Reject(ErrorCode::kInvalidArgument, "parties must name both sides: [\"KZ\", \"UK\"]");
  }
  std::set<std::string> seen;
  for (const auto& p : a.parties) {
    CheckParty("party", p);
    if (!seen.insert(p).second) Reject(ErrorCode::kInvalidArgument, "party " + p + " is repeated");
  }
  for (const auto& b : a.signatory_bodies) CheckText("signatory body", b, 200, true);
  CheckText("summary", a.summary, 20000, false);
  CheckSources(a.sources);
  CheckAreas(c, a.areas);
  if (a.meeting_id && !LoadMeeting(c, *a.meeting_id)) {
    Reject(ErrorCode::kInvalidArgument, "no meeting " + std::to_string(*a.meeting_id));
  }
  long long id = 0;
  const std::string parties = ToJson(a.parties).dump(), bodies = ToJson(a.signatory_bodies).dump(),
                    areas = ToJson(a.areas).dump(), at = core::FormatUtc(now);
  const long long meeting = a.meeting_id.value_or(0);
  soci::indicator meeting_ind = a.meeting_id ? soci::i_ok : soci::i_null;
  const int illustrative = a.illustrative ? 1 : 0;
  c.sql() << "INSERT INTO dialogue_agreements (title, kind, parties, signatory_bodies, areas,"
             " meeting_id, summary, illustrative, created_at, updated_at) VALUES (:t, :k, :p, :b,"
             " :a, :m, :s, :il, :c, :u) RETURNING id",
      soci::use(a.title), soci::use(a.kind), soci::use(parties), soci::use(bodies),
      soci::use(areas), soci::use(meeting, meeting_ind), soci::use(a.summary),
      soci::use(illustrative), soci::use(at), soci::use(at), soci::into(id);
  SaveSources(c, "agreement", id, a.sources);
  IndexAgreement(c, *LoadAgreement(c, id));
  Audit(c, who, request_id, "dialogue.agreement.create", "dialogue_agreement", id,
        {{"kind", a.kind}, {"parties", a.parties}}, now);
  return id;
}

const PartyAction* Find(const Agreement& a, const std::string& party,
                        std::initializer_list<const char*> actions) {
  for (const auto& act : a.actions) {
    if (act.party != party) continue;
    for (const char* x : actions) {
      if (act.action == x) return &act;
    }
  }
  return nullptr;
}

void Refuse(const std::string& why) { Reject(ErrorCode::kUnprocessable, why, "out-of-order"); }

// The rules of the treaty-database model: each side signs, then (for treaties and agreements)
// completes its domestic procedure and ratifies or approves; entry into force follows every
// side's consent; termination ends a force that exists. Dates never run backwards.
void CheckAction(const Agreement& a, const PartyAction& act, const std::string& today) {
  CheckParty("party", act.party);
  CheckOneOf("action", act.action,
             {"signature", "ratification", "approval", "entry_into_force", "termination"});
  CheckDate("date", act.date, true);
  CheckText("note", act.note, 2000, false);
  if (std::find(a.parties.begin(), a.parties.end(), act.party) == a.parties.end()) {
    Refuse(act.party + " is not a party to this agreement");
  }
  if (act.date > today) Refuse("the date " + act.date + " is in the future");
  const std::string who = act.party;
  const PartyAction* signature = Find(a, who, {"signature"});
  const PartyAction* consent = Find(a, who, {"ratification", "approval"});
  const PartyAction* in_force = Find(a, who, {"entry_into_force"});
  if (Find(a, who, {"termination"})) Refuse(who + " has already terminated this agreement");
  const std::string& what = act.action;
  if (what == "signature") {
    if (signature) Refuse(who + " signed on " + signature->date + " already");
    return;
  }
  if (!signature) Refuse(who + " has not signed: the " + what + " cannot come before signature");
  if (act.date < signature->date) {
    Refuse("the " + what + " on " + act.date + " would come before " + who + "'s signature on " +
           signature->date);
  }
  if (what == "ratification" || what == "approval") {
    if (!Ratifiable(a.kind)) {
      Refuse("a " + KindLabel(a.kind) +
             " is not ratified or approved; it takes effect as its text says");
    }
    if (consent) Refuse(who + " already gave its " + consent->action + " on " + consent->date);
    std::set<std::string> done;
    std::string last_step_date;
    for (const auto& st : a.steps) {
      if (st.party != who) continue;
      done.insert(st.step);
      last_step_date = std::max(last_step_date, st.date);
    }
    if (!done.empty()) {
      for (const auto& step : ProcedureSteps(who)) {
        if (done.count(step) == 0) {
          Refuse(who + "'s domestic procedure is not complete: next is " + StepLabel(who, step));
        }
      }
      if (act.date < last_step_date) {
        Refuse("the " + what + " on " + act.date + " would come before the last step of " + who +
               "'s domestic procedure (" + last_step_date + ")");
      }
    }
    return;
  }
  if (what == "entry_into_force") {
    if (in_force) Refuse("already in force for " + who + " since " + in_force->date);
    for (const auto& p : a.parties) {
      const PartyAction* needed =
          Ratifiable(a.kind) ? Find(a, p, {"ratification", "approval"}) : Find(a, p, {"signature"});
      if (!needed) {
        Refuse(std::string("it cannot enter into force before ") + p + " has " +
               (Ratifiable(a.kind) ? "ratified or approved it" : "signed it"));
      }
      if (act.date < needed->date) {
        Refuse("entry into force on " + act.date + " would come before " + p + "'s " +
               needed->action + " on " + needed->date);
      }
    }
    return;
  }
  // termination
  const PartyAction* base = in_force ? in_force : Ratifiable(a.kind) ? nullptr : signature;
  if (!base) Refuse("it cannot be terminated before it is in force for " + who);
  if (act.date < base->date) {
    Refuse("termination on " + act.date + " would come before the " + base->action + " on " +
           base->date);
  }
}

void CheckStep(const Agreement& a, const ProcedureStep& st, const std::string& today) {
  CheckParty("party", st.party);
  const auto& steps = ProcedureSteps(st.party);
  if (std::find(steps.begin(), steps.end(), st.step) == steps.end()) {
    std::string list;
    for (const auto& s : steps) list += (list.empty() ? "" : ", ") + s;
    Reject(ErrorCode::kInvalidArgument,
           "step '" + st.step + "' is not one of " + st.party + "'s: " + list);
  }
  CheckDate("date", st.date, true);
  CheckText("note", st.note, 2000, false);
  if (std::find(a.parties.begin(), a.parties.end(), st.party) == a.parties.end()) {
    Refuse(st.party + " is not a party to this agreement");
  }
  if (!Ratifiable(a.kind)) {
    Refuse("a " + KindLabel(a.kind) + " goes through no ratification procedure");
  }
  if (st.date > today) Refuse("the date " + st.date + " is in the future");
  const PartyAction* signature = Find(a, st.party, {"signature"});
  if (!signature) Refuse(st.party + " has not signed: its ratification procedure cannot start");
  if (st.date < signature->date) {
    Refuse(StepLabel(st.party, st.step) + " on " + st.date +
           " would come before the signature on " + signature->date);
  }
  if (const PartyAction* consent = Find(a, st.party, {"ratification", "approval"})) {
    Refuse(st.party + " already ratified on " + consent->date);
  }
  std::map<std::string, std::string> done;
  for (const auto& s : a.steps) {
    if (s.party == st.party) done[s.step] = s.date;
  }
  if (done.count(st.step)) Refuse(StepLabel(st.party, st.step) + " is recorded already");
  for (const auto& s : steps) {
    if (s == st.step) break;
    const auto it = done.find(s);
    if (it == done.end()) {
      Refuse(StepLabel(st.party, st.step) + " comes after " + StepLabel(st.party, s) +
             ", which is not recorded");
    }
    if (st.date < it->second) {
      Refuse(StepLabel(st.party, st.step) + " on " + st.date + " would come before " +
             StepLabel(st.party, s) + " on " + it->second);
    }
  }
}

// --- Commitments -----------------------------------------------------------------------------

int Percent(const std::string& status) {
  if (status == "limited") return 33;
  if (status == "substantial") return 67;
  if (status == "complete") return 100;
  return 0;
}

std::vector<Commitment> LoadCommitments(store::Conn& c, const std::string& where, long long arg,
                                        const std::string& today) {
  std::vector<Commitment> out;
  soci::rowset<soci::row> rows =
      (c.sql().prepare << "SELECT id, meeting_id, parent_id, area, text, owner_agency,"
                          " owner_person, due_date, status, illustrative FROM"
                          " dialogue_commitments " +
                              where + " ORDER BY id",
       soci::use(arg));
  for (const auto& r : rows) {
    Commitment k;
    k.id = store::GetInt(r, 0);
    k.meeting_id = store::GetInt(r, 1);
    if (!store::IsNull(r, 2)) k.parent_id = store::GetInt(r, 2);
    k.area = store::GetText(r, 3);
    k.text = store::GetText(r, 4);
    k.owner_agency = store::GetText(r, 5);
    k.owner_person = store::GetText(r, 6);
    k.due_date = store::GetText(r, 7);
    k.status = store::GetText(r, 8);
    k.illustrative = store::GetInt(r, 9) != 0;
    out.push_back(std::move(k));
  }
  for (auto& k : out) {
    soci::rowset<soci::row> ups =
        (c.sql().prepare << "SELECT id, date, status, text, evidence_url, author FROM"
                            " dialogue_commitment_updates WHERE commitment_id = :i"
                            " ORDER BY date, id",
         soci::use(k.id));
    for (const auto& r : ups) {
      k.updates.push_back({store::GetInt(r, 0), store::GetText(r, 1), store::GetText(r, 2),
                           store::GetText(r, 3), store::GetText(r, 4), store::GetText(r, 5)});
    }
    k.sources = LoadSources(c, "commitment", k.id);
    k.children =
        Ids(c, "SELECT id FROM dialogue_commitments WHERE parent_id = " + std::to_string(k.id) +
                   " ORDER BY id");
  }
  // Progress rolls up from the sub-commitments (dropped ones do not count); overdue is derived.
  std::map<long long, const Commitment*> by_id;
  for (const auto& k : out) by_id[k.id] = &k;
  std::function<int(const Commitment&)> progress = [&](const Commitment& k) -> int {
    int sum = 0, n = 0;
    for (long long child : k.children) {
      const auto it = by_id.find(child);
      if (it == by_id.end() || it->second->status == "dropped") continue;
      sum += progress(*it->second);
      ++n;
    }
    return n == 0 ? Percent(k.status) : sum / n;
  };
  std::vector<int> percents;
  for (const auto& k : out) percents.push_back(progress(k));
  for (size_t i = 0; i < out.size(); ++i) out[i].progress_percent = percents[i];
  for (auto& k : out) {
    k.overdue = !k.due_date.empty() && k.due_date < today && k.status != "complete" &&
                k.status != "dropped";
  }
  return out;
}

std::optional<Commitment> LoadCommitment(store::Conn& c, long long id, const std::string& today) {
  // The whole set: progress rolls up through the sub-commitments.
  auto all = LoadCommitments(c, "WHERE id > :i", 0, today);
  for (auto& k : all) {
    if (k.id == id) return k;
  }
  return std::nullopt;
}

void IndexCommitment(store::Conn& c, const Commitment& k) {
  std::string body = k.text + "\n" + k.owner_agency + " " + k.owner_person;
  for (const auto& u : k.updates) body += "\n" + u.text;
  std::string title = k.text.substr(0, 120);
  if (title.size() < k.text.size()) {
    while (!title.empty() && (static_cast<unsigned char>(title.back()) & 0xC0) == 0x80) {
      title.pop_back();
    }
    if (!title.empty()) title.pop_back();
    title += "…";
  }
  search::Upsert(c, {"commitment", k.id, "kz-mfa", search::Visibility::kShared, "en", title, body});
}

// The rules a commitment keeps; returns its area (a sub-commitment's defaults to its parent's).
std::string CheckCommitment(store::Conn& c, const Commitment& k) {
  const auto meeting = LoadMeeting(c, k.meeting_id);
  if (!meeting) Reject(ErrorCode::kInvalidArgument, "no meeting " + std::to_string(k.meeting_id));
  std::string area = k.area;
  if (k.parent_id) {
    std::string parent_area;
    long long parent_meeting = 0;
    c.sql() << "SELECT area, meeting_id FROM dialogue_commitments WHERE id = :i",
        soci::use(*k.parent_id), soci::into(parent_area), soci::into(parent_meeting);
    if (!c.sql().got_data()) {
      Reject(ErrorCode::kInvalidArgument, "no commitment " + std::to_string(*k.parent_id));
    }
    if (parent_meeting != k.meeting_id) {
      Reject(ErrorCode::kUnprocessable,
             "a sub-commitment belongs to the meeting of its parent commitment");
    }
    if (area.empty()) area = parent_area;
  }
  CheckText("area", area, 64, true);
  CheckAreas(c, {area});
  CheckText("text", k.text, 5000, true);
  if (!k.owner_agency.empty() && !auth::FindAgency(k.owner_agency)) {
    Reject(ErrorCode::kInvalidArgument, "unknown owner agency '" + k.owner_agency + "'");
  }
  CheckText("owner_person", k.owner_person, 200, false);
  CheckDate("due_date", k.due_date, false);
  if (!k.status.empty()) {
    CheckOneOf("status", k.status,
               {"not_started", "limited", "substantial", "complete", "dropped"});
  }
  CheckSources(k.sources);
  if (!k.due_date.empty() && k.due_date < meeting->date) {
    Reject(ErrorCode::kUnprocessable,
           "the due date " + k.due_date + " comes before the meeting that agreed it (" +
               meeting->date + ")",
           "contradictory-dates");
  }
  return area;
}

long long InsertCommitment(store::Conn& c, const auth::Principal& who, const Commitment& k,
                           const std::string& request_id, core::TimePoint now) {
  const std::string area = CheckCommitment(c, k);
  const std::string status = k.status.empty() ? "not_started" : k.status;
  long long id = 0;
  const long long parent = k.parent_id.value_or(0);
  soci::indicator parent_ind = k.parent_id ? soci::i_ok : soci::i_null;
  const int illustrative = k.illustrative ? 1 : 0;
  const std::string at = core::FormatUtc(now);
  c.sql() << "INSERT INTO dialogue_commitments (meeting_id, parent_id, area, text, owner_agency,"
             " owner_person, due_date, status, illustrative, created_at, updated_at) VALUES (:m,"
             " :p, :a, :t, :oa, :op, :d, :s, :il, :c, :u) RETURNING id",
      soci::use(k.meeting_id), soci::use(parent, parent_ind), soci::use(area), soci::use(k.text),
      soci::use(k.owner_agency), soci::use(k.owner_person), soci::use(k.due_date),
      soci::use(status), soci::use(illustrative), soci::use(at), soci::use(at), soci::into(id);
  SaveSources(c, "commitment", id, k.sources);
  Commitment stored = k;
  stored.id = id;
  IndexCommitment(c, stored);
  Audit(c, who, request_id, "dialogue.commitment.create", "dialogue_commitment", id,
        {{"meeting_id", k.meeting_id}, {"area", area}, {"status", status}}, now);
  return id;
}

long long InsertProgress(store::Conn& c, const auth::Principal& who, long long commitment_id,
                         const ProgressUpdate& u, const std::string& today,
                         const std::string& request_id, core::TimePoint now) {
  auto k = LoadCommitment(c, commitment_id, today);
  if (!k) Reject(ErrorCode::kNotFound, "no such commitment", "not-found");
  CheckDate("date", u.date, true);
  CheckOneOf("status", u.status, {"not_started", "limited", "substantial", "complete", "dropped"});
  CheckText("text", u.text, 5000, true);
  CheckText("evidence_url", u.evidence_url, 1000, false);
  if (!u.evidence_url.empty() && u.evidence_url.rfind("https://", 0) != 0 &&
      u.evidence_url.rfind("http://", 0) != 0) {
    Reject(ErrorCode::kInvalidArgument, "evidence_url must be http(s)");
  }
  const auto meeting = LoadMeeting(c, k->meeting_id);
  if (u.date > today) {
    Reject(ErrorCode::kUnprocessable, "the update's date " + u.date + " is in the future",
           "contradictory-dates");
  }
  if (u.date < meeting->date) {
    Reject(ErrorCode::kUnprocessable,
           "the update's date " + u.date +
               " comes before the meeting that agreed the commitment (" + meeting->date + ")",
           "contradictory-dates");
  }
  long long id = 0;
  c.sql() << "INSERT INTO dialogue_commitment_updates (commitment_id, date, status, text,"
             " evidence_url, author) VALUES (:k, :d, :s, :t, :e, :a) RETURNING id",
      soci::use(commitment_id), soci::use(u.date), soci::use(u.status), soci::use(u.text),
      soci::use(u.evidence_url), soci::use(u.author), soci::into(id);
  // The current status is that of the latest update.
  std::string latest;
  {
    soci::rowset<soci::row> rows =
        (c.sql().prepare << "SELECT status FROM dialogue_commitment_updates WHERE commitment_id ="
                            " :k ORDER BY date DESC, id DESC",
         soci::use(commitment_id));
    for (const auto& r : rows) {
      if (latest.empty()) latest = store::GetText(r, 0);
    }
  }
  const std::string at = core::FormatUtc(now);
  c.sql() << "UPDATE dialogue_commitments SET status = :s, updated_at = :u WHERE id = :i",
      soci::use(latest), soci::use(at), soci::use(commitment_id);
  IndexCommitment(c, *LoadCommitment(c, commitment_id, today));
  Audit(c, who, request_id, "dialogue.commitment.progress", "dialogue_commitment", commitment_id,
        {{"date", u.date}, {"status", u.status}}, now);
  return id;
}

// --- Engagements and indicators ----------------------------------------------------------------

std::vector<Engagement> LoadEngagements(store::Conn& c, const std::string& where, long long arg) {
  std::vector<Engagement> out;
  soci::rowset<soci::row> rows =
      (c.sql().prepare << "SELECT id, meeting_id, date, kind, title, people, organisations, notes,"
                          " illustrative FROM dialogue_engagements " +
                              where + " ORDER BY date, id",
       soci::use(arg));
  for (const auto& r : rows) {
    Engagement e;
    e.id = store::GetInt(r, 0);
    if (!store::IsNull(r, 1)) e.meeting_id = store::GetInt(r, 1);
    e.date = store::GetText(r, 2);
    e.kind = store::GetText(r, 3);
    e.title = store::GetText(r, 4);
    e.people = store::GetText(r, 5);
    e.organisations = store::GetText(r, 6);
    e.notes = store::GetText(r, 7);
    e.illustrative = store::GetInt(r, 8) != 0;
    out.push_back(std::move(e));
  }
  for (auto& e : out) e.sources = LoadSources(c, "engagement", e.id);
  return out;
}

long long InsertEngagement(store::Conn& c, const auth::Principal& who, const Engagement& e,
                           const std::string& today, const std::string& request_id,
                           core::TimePoint now) {
  CheckDate("date", e.date, true);
  CheckOneOf("kind", e.kind, {"parliamentary", "expert", "business", "government", "other"});
  CheckText("title", e.title, 500, true);
  CheckText("people", e.people, 2000, false);
  CheckText("organisations", e.organisations, 2000, false);
  CheckText("notes", e.notes, 20000, false);
  CheckSources(e.sources);
  if (e.date > today) {
    Reject(ErrorCode::kUnprocessable, "an engagement on " + e.date + " has not happened yet",
           "contradictory-dates");
  }
  if (e.meeting_id) {
    const auto m = LoadMeeting(c, *e.meeting_id);
    if (!m) Reject(ErrorCode::kInvalidArgument, "no meeting " + std::to_string(*e.meeting_id));
  }
  long long id = 0;
  const long long meeting = e.meeting_id.value_or(0);
  soci::indicator meeting_ind = e.meeting_id ? soci::i_ok : soci::i_null;
  const int illustrative = e.illustrative ? 1 : 0;
  const std::string at = core::FormatUtc(now);
  c.sql() << "INSERT INTO dialogue_engagements (meeting_id, date, kind, title, people,"
             " organisations, notes, illustrative, created_at) VALUES (:m, :d, :k, :t, :p, :o, :n,"
             " :il, :c) RETURNING id",
      soci::use(meeting, meeting_ind), soci::use(e.date), soci::use(e.kind), soci::use(e.title),
      soci::use(e.people), soci::use(e.organisations), soci::use(e.notes), soci::use(illustrative),
      soci::use(at), soci::into(id);
  SaveSources(c, "engagement", id, e.sources);
  Audit(c, who, request_id, "dialogue.engagement.create", "dialogue_engagement", id,
        {{"date", e.date}, {"kind", e.kind}}, now);
  return id;
}

std::vector<Indicator> LoadIndicators(store::Conn& c, const std::string& where, long long arg) {
  std::vector<Indicator> out;
  soci::rowset<soci::row> rows =
      (c.sql().prepare << "SELECT id, code, name, unit, description FROM dialogue_indicators " +
                              where + " ORDER BY id",
       soci::use(arg));
  for (const auto& r : rows) {
    out.push_back({store::GetInt(r, 0),
                   store::GetText(r, 1),
                   store::GetText(r, 2),
                   store::GetText(r, 3),
                   store::GetText(r, 4),
                   {}});
  }
  for (auto& i : out) {
    soci::rowset<soci::row> vals =
        (c.sql().prepare << "SELECT id, as_of, value, source, note, illustrative FROM"
                            " dialogue_indicator_values WHERE indicator_id = :i ORDER BY as_of",
         soci::use(i.id));
    for (const auto& r : vals) {
      i.values.push_back({store::GetInt(r, 0), store::GetText(r, 1), store::GetReal(r, 2),
                          store::GetText(r, 3), store::GetText(r, 4), store::GetInt(r, 5) != 0});
    }
  }
  return out;
}

long long InsertIndicator(store::Conn& c, const auth::Principal& who, const Indicator& i,
                          const std::string& request_id, core::TimePoint now) {
  CheckText("code", i.code, 64, true);
  for (const char ch : i.code) {
    if (!(std::islower(static_cast<unsigned char>(ch)) ||
          std::isdigit(static_cast<unsigned char>(ch)) || ch == '_')) {
      Reject(ErrorCode::kInvalidArgument, "code must be lower-case letters, digits and _");
    }
  }
  CheckText("name", i.name, 300, true);
  CheckText("unit", i.unit, 64, true);
  CheckText("description", i.description, 5000, false);
  long long taken = 0;
  c.sql() << "SELECT COUNT(*) FROM dialogue_indicators WHERE code = :c", soci::use(i.code),
      soci::into(taken);
  if (taken > 0) Reject(ErrorCode::kConflict, "indicator '" + i.code + "' exists", "duplicate");
  long long id = 0;
  c.sql() << "INSERT INTO dialogue_indicators (code, name, unit, description) VALUES (:c, :n, :u,"
             " :d) RETURNING id",
      soci::use(i.code), soci::use(i.name), soci::use(i.unit), soci::use(i.description),
      soci::into(id);
  Audit(c, who, request_id, "dialogue.indicator.create", "dialogue_indicator", id,
        {{"code", i.code}}, now);
  return id;
}

void InsertIndicatorValue(store::Conn& c, const auth::Principal& who, long long indicator_id,
                          const IndicatorValue& v, const std::string& today,
                          const std::string& request_id, core::TimePoint now) {
  CheckDate("as_of", v.as_of, true);
  CheckText("source", v.source, 1000, !v.illustrative);
  CheckText("note", v.note, 2000, false);
  if (!std::isfinite(v.value)) Reject(ErrorCode::kInvalidArgument, "value must be a number");
  if (v.as_of > today) {
    Reject(ErrorCode::kUnprocessable, "a value as of " + v.as_of + " is in the future",
           "contradictory-dates");
  }
  long long taken = 0;
  c.sql() << "SELECT COUNT(*) FROM dialogue_indicator_values WHERE indicator_id = :i AND"
             " as_of = :a",
      soci::use(indicator_id), soci::use(v.as_of), soci::into(taken);
  if (taken > 0) {
    Reject(ErrorCode::kConflict, "there is a value as of " + v.as_of + " already", "duplicate");
  }
  const int illustrative = v.illustrative ? 1 : 0;
  c.sql() << "INSERT INTO dialogue_indicator_values (indicator_id, as_of, value, source, note,"
             " illustrative) VALUES (:i, :a, :v, :s, :n, :il)",
      soci::use(indicator_id), soci::use(v.as_of), soci::use(v.value), soci::use(v.source),
      soci::use(v.note), soci::use(illustrative);
  Audit(c, who, request_id, "dialogue.indicator.value", "dialogue_indicator", indicator_id,
        {{"as_of", v.as_of}, {"value", v.value}}, now);
}

// --- Import ----------------------------------------------------------------------------------

std::string Str(const json& j, const char* key, const std::string& where) {
  if (!j.contains(key)) return "";
  if (!j[key].is_string())
    Reject(ErrorCode::kInvalidArgument, where + ": " + key + " must be text");
  return j[key].get<std::string>();
}
bool Flag(const json& j, const char* key) { return j.value(key, false); }
std::vector<std::string> Strs(const json& j, const char* key, const std::string& where) {
  std::vector<std::string> out;
  if (!j.contains(key)) return out;
  if (!j[key].is_array())
    Reject(ErrorCode::kInvalidArgument, where + ": " + key + " must be a list");
  for (const auto& x : j[key]) {
    if (!x.is_string()) Reject(ErrorCode::kInvalidArgument, where + ": " + key + " must hold text");
    out.push_back(x.get<std::string>());
  }
  return out;
}
std::vector<Source> Sources(const json& j, const std::string& where) {
  std::vector<Source> out;
  if (!j.contains("sources")) return out;
  for (const auto& s : j["sources"]) {
    if (s.is_string()) {
      out.push_back({s.get<std::string>(), ""});
    } else {
      out.push_back({Str(s, "url", where), Str(s, "title", where)});
    }
  }
  return out;
}
std::vector<Person> People(const json& j, const char* key, const std::string& where) {
  std::vector<Person> out;
  if (!j.contains(key)) return out;
  for (const auto& p : j[key]) {
    out.push_back({Str(p, "side", where), Str(p, "name", where), Str(p, "title", where)});
  }
  return out;
}

}  // namespace

const std::vector<std::string>& ProcedureSteps(const std::string& party) {
  static const std::vector<std::string> kz = {"legal_expertise", "linguistic_expertise", "mazhilis",
                                              "senate", "presidential_signature"};
  static const std::vector<std::string> uk = {"laid_before_parliament", "crag_period_ended"};
  static const std::vector<std::string> none;
  return party == "KZ" ? kz : party == "UK" ? uk : none;
}

DialogueService::DialogueService(store::Database& db, const core::Clock& clock)
    : db_(db), clock_(clock) {}

std::vector<store::Migration> DialogueService::Migrations() {
  std::vector<std::string> statements = {
      "CREATE TABLE dialogue_areas ("
      " code TEXT PRIMARY KEY,"
      " name_en TEXT NOT NULL,"
      " name_ru TEXT NOT NULL,"
      " name_kk TEXT NOT NULL,"
      " position BIGINT NOT NULL)",
      "CREATE TABLE dialogue_meetings ("
      " id {{id}},"
      " number BIGINT UNIQUE,"
      " number_inferred BIGINT NOT NULL,"
      " date TEXT NOT NULL,"
      " date_approximate BIGINT NOT NULL,"
      " city TEXT NOT NULL,"
      " country TEXT NOT NULL,"
      " format TEXT NOT NULL,"
      " status TEXT NOT NULL,"
      " areas TEXT NOT NULL,"
      " summary TEXT NOT NULL,"
      " outcomes TEXT NOT NULL,"
      " illustrative BIGINT NOT NULL,"
      " created_at TEXT NOT NULL,"
      " updated_at TEXT NOT NULL)",
      "CREATE TABLE dialogue_meeting_people ("
      " meeting_id BIGINT NOT NULL REFERENCES dialogue_meetings(id),"
      " seq BIGINT NOT NULL,"
      " role TEXT NOT NULL,"
      " side TEXT NOT NULL,"
      " name TEXT NOT NULL,"
      " title TEXT NOT NULL,"
      " PRIMARY KEY (meeting_id, seq))",
      "CREATE TABLE dialogue_sources ("
      " owner_kind TEXT NOT NULL,"
      " owner_id BIGINT NOT NULL,"
      " seq BIGINT NOT NULL,"
      " url TEXT NOT NULL,"
      " title TEXT NOT NULL,"
      " PRIMARY KEY (owner_kind, owner_id, seq))",
      "CREATE TABLE dialogue_agreements ("
      " id {{id}},"
      " title TEXT NOT NULL UNIQUE,"
      " kind TEXT NOT NULL,"
      " parties TEXT NOT NULL,"
      " signatory_bodies TEXT NOT NULL,"
      " areas TEXT NOT NULL,"
      " meeting_id BIGINT REFERENCES dialogue_meetings(id),"
      " summary TEXT NOT NULL,"
      " illustrative BIGINT NOT NULL,"
      " created_at TEXT NOT NULL,"
      " updated_at TEXT NOT NULL)",
      "CREATE TABLE dialogue_party_actions ("
      " id {{id}},"
      " agreement_id BIGINT NOT NULL REFERENCES dialogue_agreements(id),"
      " party TEXT NOT NULL,"
      " action TEXT NOT NULL,"
      " date TEXT NOT NULL,"
      " note TEXT NOT NULL,"
      " UNIQUE (agreement_id, party, action))",
      "CREATE TABLE dialogue_procedure_steps ("
      " id {{id}},"
      " agreement_id BIGINT NOT NULL REFERENCES dialogue_agreements(id),"
      " party TEXT NOT NULL,"
      " step TEXT NOT NULL,"
      " date TEXT NOT NULL,"
      " note TEXT NOT NULL,"
      " UNIQUE (agreement_id, party, step))",
      "CREATE TABLE dialogue_commitments ("
      " id {{id}},"
      " meeting_id BIGINT NOT NULL REFERENCES dialogue_meetings(id),"
      " parent_id BIGINT REFERENCES dialogue_commitments(id),"
      " area TEXT NOT NULL REFERENCES dialogue_areas(code),"
      " text TEXT NOT NULL,"
      " owner_agency TEXT NOT NULL,"
      " owner_person TEXT NOT NULL,"
      " due_date TEXT NOT NULL,"
      " status TEXT NOT NULL,"
      " illustrative BIGINT NOT NULL,"
      " created_at TEXT NOT NULL,"
      " updated_at TEXT NOT NULL)",
      "CREATE TABLE dialogue_commitment_updates ("
      " id {{id}},"
      " commitment_id BIGINT NOT NULL REFERENCES dialogue_commitments(id),"
      " date TEXT NOT NULL,"
      " status TEXT NOT NULL,"
      " text TEXT NOT NULL,"
      " evidence_url TEXT NOT NULL,"
      " author TEXT NOT NULL)",
      "CREATE TABLE dialogue_engagements ("
      " id {{id}},"
      " meeting_id BIGINT REFERENCES dialogue_meetings(id),"
      " date TEXT NOT NULL,"
      " kind TEXT NOT NULL,"
      " title TEXT NOT NULL,"
      " people TEXT NOT NULL,"
      " organisations TEXT NOT NULL,"
      " notes TEXT NOT NULL,"
      " illustrative BIGINT NOT NULL,"
      " created_at TEXT NOT NULL)",
      "CREATE TABLE dialogue_indicators ("
      " id {{id}},"
      " code TEXT NOT NULL UNIQUE,"
      " name TEXT NOT NULL,"
      " unit TEXT NOT NULL,"
      " description TEXT NOT NULL)",
      "CREATE TABLE dialogue_indicator_values ("
      " id {{id}},"
      " indicator_id BIGINT NOT NULL REFERENCES dialogue_indicators(id),"
      " as_of TEXT NOT NULL,"
      " value DOUBLE PRECISION NOT NULL,"
      " source TEXT NOT NULL,"
      " note TEXT NOT NULL,"
      " illustrative BIGINT NOT NULL,"
      " UNIQUE (indicator_id, as_of))",
      "CREATE TABLE dialogue_key_dates ("
      " date TEXT NOT NULL,"
      " what TEXT NOT NULL PRIMARY KEY,"
      " source TEXT NOT NULL)",
  };
  // The eight areas the Strategic Dialogue reviews (Astana Times, 12 Feb 2025).
  const char* areas[][4] = {
      {"politics", "Politics", "Политика", "Саясат"},
      {"economy", "Economy", "Экономика", "Экономика"},
      {"investment", "Investment", "Инвестиции", "Инвестициялар"},
      {"energy", "Energy", "Энергетика", "Энергетика"},
      {"environment", "Environment", "Экология", "Экология"},
      {"culture", "Culture", "Культура", "Мәдениет"},
      {"education", "Education", "Образование", "Білім беру"},
      {"security", "Security", "Безопасность", "Қауіпсіздік"},
  };
  int position = 0;
  for (const auto& a : areas) {
    statements.push_back(std::string("INSERT INTO dialogue_areas (code, name_en, name_ru, name_kk,"
                                     " position) VALUES ('") +
                         a[0] + "', '" + a[1] + "', '" + a[2] + "', '" + a[3] + "', " +
                         std::to_string(++position) + ")");
  }
  return {{900, "dialogue_record", statements}};
}

core::Result<std::vector<Area>> DialogueService::ListAreas(const auth::Principal& who) const {
  if (auto ok = MayRead(who); !ok) return tl::unexpected(ok.error());
  return db_.Read([&](store::Conn& c) { return LoadAreas(c); });
}

core::Result<Area> DialogueService::AddArea(const auth::Principal& who, const Area& a,
                                            const std::string& request_id) {
  return Guard([&]() -> core::Result<Area> {
    RequireWrite(who);
    CheckText("code", a.code, 64, true);
    for (const char ch : a.code) {
      if (!(std::islower(static_cast<unsigned char>(ch)) || ch == '_')) {
        Reject(ErrorCode::kInvalidArgument, "code must be lower-case letters and _");
      }
    }
    CheckText("name_en", a.name_en, 200, true);
    CheckText("name_ru", a.name_ru, 200, false);
    CheckText("name_kk", a.name_kk, 200, false);
    return db_.Write([&](store::Conn& c) -> core::Result<Area> {
      long long taken = 0, position = 0;
      c.sql() << "SELECT COUNT(*) FROM dialogue_areas WHERE code = :c", soci::use(a.code),
          soci::into(taken);
      if (taken > 0) Reject(ErrorCode::kConflict, "area '" + a.code + "' exists", "duplicate");
      c.sql() << "SELECT COALESCE(MAX(position), 0) FROM dialogue_areas", soci::into(position);
      ++position;
      c.sql() << "INSERT INTO dialogue_areas (code, name_en, name_ru, name_kk, position) VALUES"
                 " (:c, :e, :r, :k, :p)",
          soci::use(a.code), soci::use(a.name_en), soci::use(a.name_ru), soci::use(a.name_kk),
          soci::use(position);
      Audit(c, who, request_id, "dialogue.area.create", "dialogue_area", position,
            {{"code", a.code}}, clock_.Now());
      return a;
    });
  });
}

core::Result<Meeting> DialogueService::CreateMeeting(const auth::Principal& who, const Meeting& m,
                                                     const std::string& request_id) {
  return Guard([&]() -> core::Result<Meeting> {
    RequireWrite(who);
    const auto now = clock_.Now();
    return db_.Write([&](store::Conn& c) -> core::Result<Meeting> {
      const long long id = InsertMeeting(c, who, m, Today(clock_), request_id, now);
      return *LoadMeeting(c, id);
    });
  });
}

namespace {

// The names of the fields whose values differ, for the audit trail (never the values: the
// record is shared, but the trail stays small).
json Changed(std::initializer_list<std::pair<const char*, bool>> fields) {
  json out = json::array();
  for (const auto& [name, differs] : fields) {
    if (differs) out.push_back(name);
  }
  return out;
}

bool SameSources(const std::vector<Source>& a, const std::vector<Source>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const Source& x, const Source& y) {
    return x.url == y.url && x.title == y.title;
  });
}

bool SamePeople(const std::vector<Person>& a, const std::vector<Person>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const Person& x, const Person& y) {
    return x.side == y.side && x.name == y.name && x.title == y.title;
  });
}

}  // namespace

core::Result<Meeting> DialogueService::UpdateMeeting(const auth::Principal& who, long long id,
                                                     const Meeting& m,
                                                     const std::string& request_id) {
  return Guard([&]() -> core::Result<Meeting> {
    RequireWrite(who);
    const auto now = clock_.Now();
    return db_.Write([&](store::Conn& c) -> core::Result<Meeting> {
      const auto before = LoadMeeting(c, id);
      if (!before) Reject(ErrorCode::kNotFound, "no such meeting", "not-found");
      CheckMeeting(c, m, Today(clock_), id);
      std::string earliest_due;
      c.sql() << "SELECT COALESCE(MIN(due_date), '') FROM dialogue_commitments WHERE"
                 " meeting_id = :m AND due_date <> ''",
          soci::use(id), soci::into(earliest_due);
      if (!earliest_due.empty() && earliest_due < m.date) {
        Reject(ErrorCode::kUnprocessable,
               "a commitment agreed at this meeting is due on " + earliest_due +
                   ", before the new date " + m.date,
               "contradictory-dates");
      }
      StoreMeeting(c, m, id, now);
      auto after = *LoadMeeting(c, id);
      IndexMeeting(c, after);
      Audit(c, who, request_id, "dialogue.meeting.update", "dialogue_meeting", id,
            {{"changed", Changed({{"number", before->number != m.number},
                                  {"date", before->date != m.date},
                                  {"city", before->city != m.city},
                                  {"country", before->country != m.country},
                                  {"format", before->format != m.format},
                                  {"status", before->status != m.status},
                                  {"co_chairs", !SamePeople(before->co_chairs, m.co_chairs)},
                                  {"delegations", !SamePeople(before->delegations, m.delegations)},
                                  {"areas", before->areas != m.areas},
                                  {"summary", before->summary != m.summary},
                                  {"outcomes", before->outcomes != m.outcomes},
                                  {"sources", !SameSources(before->sources, m.sources)},
                                  {"illustrative", before->illustrative != m.illustrative}})},
             {"status", m.status}},
            now);
      return after;
    });
  });
}

core::Result<std::vector<Meeting>> DialogueService::ListMeetings(const auth::Principal& who) const {
  if (auto ok = MayRead(who); !ok) return tl::unexpected(ok.error());
  return db_.Read([&](store::Conn& c) {
    std::vector<Meeting> out;
    for (long long id : Ids(c, "SELECT id FROM dialogue_meetings ORDER BY date DESC, id DESC")) {
      out.push_back(*LoadMeeting(c, id));
    }
    return out;
  });
}

core::Result<Meeting> DialogueService::GetMeeting(const auth::Principal& who, long long id) const {
  if (auto ok = MayRead(who); !ok) return tl::unexpected(ok.error());
  auto m = db_.Read([&](store::Conn& c) { return LoadMeeting(c, id); });
  if (!m) return Fail(ErrorCode::kNotFound, "no such meeting");
  return *m;
}

core::Result<Agreement> DialogueService::CreateAgreement(const auth::Principal& who,
                                                         const Agreement& a,
                                                         const std::string& request_id) {
  return Guard([&]() -> core::Result<Agreement> {
    RequireWrite(who);
    return db_.Write([&](store::Conn& c) -> core::Result<Agreement> {
      long long taken = 0;
      c.sql() << "SELECT COUNT(*) FROM dialogue_agreements WHERE title = :t", soci::use(a.title),
          soci::into(taken);
      if (taken > 0) {
        Reject(ErrorCode::kConflict, "an agreement titled '" + a.title + "' exists", "duplicate");
      }
      const long long id = InsertAgreement(c, who, a, request_id, clock_.Now());
      return *LoadAgreement(c, id);
    });
  });
}

core::Result<std::vector<Agreement>> DialogueService::ListAgreements(
    const auth::Principal& who) const {
  if (auto ok = MayRead(who); !ok) return tl::unexpected(ok.error());
  return db_.Read([&](store::Conn& c) {
    std::vector<Agreement> out;
    for (long long id : Ids(c, "SELECT id FROM dialogue_agreements ORDER BY id")) {
      out.push_back(*LoadAgreement(c, id));
    }
    return out;
  });
}

core::Result<Agreement> DialogueService::GetAgreement(const auth::Principal& who,
                                                      long long id) const {
  if (auto ok = MayRead(who); !ok) return tl::unexpected(ok.error());
  auto a = db_.Read([&](store::Conn& c) { return LoadAgreement(c, id); });
  if (!a) return Fail(ErrorCode::kNotFound, "no such agreement");
  return *a;
}

core::Result<Agreement> DialogueService::RecordAction(const auth::Principal& who,
                                                      long long agreement_id,
                                                      const PartyAction& act,
                                                      const std::string& request_id) {
  return Guard([&]() -> core::Result<Agreement> {
    RequireWrite(who);
    const auto now = clock_.Now();
    return db_.Write([&](store::Conn& c) -> core::Result<Agreement> {
      auto a = LoadAgreement(c, agreement_id);
      if (!a) Reject(ErrorCode::kNotFound, "no such agreement", "not-found");
      CheckAction(*a, act, Today(clock_));
      c.sql() << "INSERT INTO dialogue_party_actions (agreement_id, party, action, date, note)"
                 " VALUES (:a, :p, :x, :d, :n)",
          soci::use(agreement_id), soci::use(act.party), soci::use(act.action), soci::use(act.date),
          soci::use(act.note);
      auto updated = LoadAgreement(c, agreement_id);
      IndexAgreement(c, *updated);
      Audit(c, who, request_id, "dialogue.agreement.action", "dialogue_agreement", agreement_id,
            {{"party", act.party},
             {"action", act.action},
             {"date", act.date},
             {"status", updated->status}},
            now);
      return *updated;
    });
  });
}

core::Result<Agreement> DialogueService::RecordStep(const auth::Principal& who,
                                                    long long agreement_id, const ProcedureStep& st,
                                                    const std::string& request_id) {
  return Guard([&]() -> core::Result<Agreement> {
    RequireWrite(who);
    const auto now = clock_.Now();
    return db_.Write([&](store::Conn& c) -> core::Result<Agreement> {
      auto a = LoadAgreement(c, agreement_id);
      if (!a) Reject(ErrorCode::kNotFound, "no such agreement", "not-found");
      CheckStep(*a, st, Today(clock_));
      c.sql() << "INSERT INTO dialogue_procedure_steps (agreement_id, party, step, date, note)"
                 " VALUES (:a, :p, :s, :d, :n)",
          soci::use(agreement_id), soci::use(st.party), soci::use(st.step), soci::use(st.date),
          soci::use(st.note);
      Audit(c, who, request_id, "dialogue.agreement.step", "dialogue_agreement", agreement_id,
            {{"party", st.party}, {"step", st.step}, {"date", st.date}}, now);
      return *LoadAgreement(c, agreement_id);
    });
  });
}

core::Result<Commitment> DialogueService::CreateCommitment(const auth::Principal& who,
                                                           const Commitment& k,
                                                           const std::string& request_id) {
  return Guard([&]() -> core::Result<Commitment> {
    RequireWrite(who);
    return db_.Write([&](store::Conn& c) -> core::Result<Commitment> {
      const long long id = InsertCommitment(c, who, k, request_id, clock_.Now());
      return *LoadCommitment(c, id, Today(clock_));
    });
  });
}

core::Result<Commitment> DialogueService::UpdateCommitment(const auth::Principal& who, long long id,
                                                           const Commitment& edit,
                                                           const std::string& request_id) {
  return Guard([&]() -> core::Result<Commitment> {
    RequireWrite(who);
    const auto now = clock_.Now();
    return db_.Write([&](store::Conn& c) -> core::Result<Commitment> {
      const auto before = LoadCommitment(c, id, Today(clock_));
      if (!before) Reject(ErrorCode::kNotFound, "no such commitment", "not-found");
      Commitment k = edit;
      // Where it was agreed and under which parent stay; status moves by progress updates.
      k.meeting_id = before->meeting_id;
      k.parent_id = before->parent_id;
      k.status = before->status;
      const std::string area = CheckCommitment(c, k);
      const int illustrative = k.illustrative ? 1 : 0;
      const std::string at = core::FormatUtc(now);
      c.sql() << "UPDATE dialogue_commitments SET area = :a, text = :t, owner_agency = :oa,"
                 " owner_person = :op, due_date = :d, illustrative = :il, updated_at = :u"
                 " WHERE id = :id",
          soci::use(area), soci::use(k.text), soci::use(k.owner_agency), soci::use(k.owner_person),
          soci::use(k.due_date), soci::use(illustrative), soci::use(at), soci::use(id);
      SaveSources(c, "commitment", id, k.sources);
      auto after = *LoadCommitment(c, id, Today(clock_));
      IndexCommitment(c, after);
      Audit(c, who, request_id, "dialogue.commitment.update", "dialogue_commitment", id,
            {{"changed", Changed({{"area", before->area != area},
                                  {"text", before->text != k.text},
                                  {"owner_agency", before->owner_agency != k.owner_agency},
                                  {"owner_person", before->owner_person != k.owner_person},
                                  {"due_date", before->due_date != k.due_date},
                                  {"sources", !SameSources(before->sources, k.sources)},
                                  {"illustrative", before->illustrative != k.illustrative}})}},
            now);
      return after;
    });
  });
}

core::Result<std::vector<Commitment>> DialogueService::ListCommitments(
    const auth::Principal& who) const {
  if (auto ok = MayRead(who); !ok) return tl::unexpected(ok.error());
  return db_.Read(
      [&](store::Conn& c) { return LoadCommitments(c, "WHERE id > :i", 0, Today(clock_)); });
}

core::Result<Commitment> DialogueService::GetCommitment(const auth::Principal& who,
                                                        long long id) const {
  if (auto ok = MayRead(who); !ok) return tl::unexpected(ok.error());
  auto k = db_.Read([&](store::Conn& c) { return LoadCommitment(c, id, Today(clock_)); });
  if (!k) return Fail(ErrorCode::kNotFound, "no such commitment");
  return *k;
}

core::Result<Commitment> DialogueService::AddProgress(const auth::Principal& who,
                                                      long long commitment_id,
                                                      const ProgressUpdate& u,
                                                      const std::string& request_id) {
  return Guard([&]() -> core::Result<Commitment> {
    RequireWrite(who);
    ProgressUpdate update = u;
    update.author = who.system ? "system" : who.username;
    return db_.Write([&](store::Conn& c) -> core::Result<Commitment> {
      InsertProgress(c, who, commitment_id, update, Today(clock_), request_id, clock_.Now());
      return *LoadCommitment(c, commitment_id, Today(clock_));
    });
  });
}

core::Result<Engagement> DialogueService::CreateEngagement(const auth::Principal& who,
                                                           const Engagement& e,
                                                           const std::string& request_id) {
  return Guard([&]() -> core::Result<Engagement> {
    RequireWrite(who);
    return db_.Write([&](store::Conn& c) -> core::Result<Engagement> {
      const long long id = InsertEngagement(c, who, e, Today(clock_), request_id, clock_.Now());
      return LoadEngagements(c, "WHERE id = :i", id).at(0);
    });
  });
}

core::Result<std::vector<Engagement>> DialogueService::ListEngagements(
    const auth::Principal& who) const {
  if (auto ok = MayRead(who); !ok) return tl::unexpected(ok.error());
  return db_.Read([&](store::Conn& c) { return LoadEngagements(c, "WHERE id > :i", 0); });
}

core::Result<Engagement> DialogueService::GetEngagement(const auth::Principal& who,
                                                        long long id) const {
  if (auto ok = MayRead(who); !ok) return tl::unexpected(ok.error());
  auto list = db_.Read([&](store::Conn& c) { return LoadEngagements(c, "WHERE id = :i", id); });
  if (list.empty()) return Fail(ErrorCode::kNotFound, "no such engagement");
  return list[0];
}

core::Result<Indicator> DialogueService::CreateIndicator(const auth::Principal& who,
                                                         const Indicator& i,
                                                         const std::string& request_id) {
  return Guard([&]() -> core::Result<Indicator> {
    RequireWrite(who);
    const auto now = clock_.Now();
    return db_.Write([&](store::Conn& c) -> core::Result<Indicator> {
      const long long id = InsertIndicator(c, who, i, request_id, now);
      for (const auto& v : i.values) {
        InsertIndicatorValue(c, who, id, v, Today(clock_), request_id, now);
      }
      return LoadIndicators(c, "WHERE id = :i", id).at(0);
    });
  });
}

core::Result<std::vector<Indicator>> DialogueService::ListIndicators(
    const auth::Principal& who) const {
  if (auto ok = MayRead(who); !ok) return tl::unexpected(ok.error());
  return db_.Read([&](store::Conn& c) { return LoadIndicators(c, "WHERE id > :i", 0); });
}

core::Result<Indicator> DialogueService::GetIndicator(const auth::Principal& who,
                                                      long long id) const {
  if (auto ok = MayRead(who); !ok) return tl::unexpected(ok.error());
  auto list = db_.Read([&](store::Conn& c) { return LoadIndicators(c, "WHERE id = :i", id); });
  if (list.empty()) return Fail(ErrorCode::kNotFound, "no such indicator");
  return list[0];
}

core::Result<Indicator> DialogueService::AddIndicatorValue(const auth::Principal& who,
                                                           long long indicator_id,
                                                           const IndicatorValue& v,
                                                           const std::string& request_id) {
  return Guard([&]() -> core::Result<Indicator> {
    RequireWrite(who);
    return db_.Write([&](store::Conn& c) -> core::Result<Indicator> {
      if (LoadIndicators(c, "WHERE id = :i", indicator_id).empty()) {
        Reject(ErrorCode::kNotFound, "no such indicator", "not-found");
      }
      InsertIndicatorValue(c, who, indicator_id, v, Today(clock_), request_id, clock_.Now());
      return LoadIndicators(c, "WHERE id = :i", indicator_id).at(0);
    });
  });
}

core::Result<BriefingPack> DialogueService::Briefing(const auth::Principal& who,
                                                     const std::string& lang) const {
  if (auto ok = MayRead(who); !ok) return tl::unexpected(ok.error());
  if (!IsBriefingLanguage(lang)) {
    return Fail(ErrorCode::kInvalidArgument, "the pack is written in en, ru or kk");
  }
  const std::string today = Today(clock_);
  const std::string illustrative = " " + Say(lang, "illustrative");
  return db_.Read([&](store::Conn& c) -> core::Result<BriefingPack> {
    BriefingPack pack;
    pack.lang = lang;
    pack.generated_at = core::FormatUtc(clock_.Now());
    std::vector<Meeting> meetings;
    for (long long id : Ids(c, "SELECT id FROM dialogue_meetings ORDER BY date, id")) {
      meetings.push_back(*LoadMeeting(c, id));
    }
    const Meeting* last = nullptr;
    const Meeting* next = nullptr;
    int highest = 0;
    for (const auto& m : meetings) {
      if (m.status == "held") last = &m;
      if (m.status == "planned" && next == nullptr) next = &m;
      if (m.number) highest = std::max(highest, *m.number);
    }
    const std::string next_name =
        MeetingName(lang, next && next->number ? *next->number : highest + 1, false);
    pack.title = Fill(Say(lang, "title"), {{"name", next_name}});
    if (last) {
      pack.last_meeting = MeetingLabel(*last, lang);
      pack.last_meeting_href = "/api/v1/dialogue/meetings/" + std::to_string(last->id);
    } else {
      pack.last_meeting = Say(lang, "meeting.none");
    }
    pack.next_meeting = next ? MeetingLabel(*next, lang)
                             : Fill(Say(lang, "meeting.unscheduled"), {{"name", next_name}});
    if (next) pack.next_meeting_href = "/api/v1/dialogue/meetings/" + std::to_string(next->id);
    std::map<long long, std::string> meeting_labels;
    for (const auto& m : meetings) meeting_labels[m.id] = MeetingLabel(m, lang);

    // Commitments by area, each followed by its sub-commitments.
    const auto commitments = LoadCommitments(c, "WHERE id > :i", 0, today);
    std::map<long long, const Commitment*> by_id;
    for (const auto& k : commitments) by_id[k.id] = &k;
    for (const auto& area : LoadAreas(c)) {
      const std::string& own = lang == "ru" ? area.name_ru : lang == "kk" ? area.name_kk : "";
      BriefArea ba{area.code, own.empty() ? area.name_en : own, {}, 0};
      std::function<void(const Commitment&, int)> add = [&](const Commitment& k, int depth) {
        BriefCommitment b;
        b.id = k.id;
        b.href = "/api/v1/dialogue/commitments/" + std::to_string(k.id);
        b.depth = depth;
        b.meeting = meeting_labels[k.meeting_id];
        b.text = k.text + (k.illustrative ? illustrative : "");
        b.owner_agency = k.owner_agency;
        b.owner_person = k.owner_person;
        b.due_date = k.due_date;
        b.status = k.status;
        b.status_label = Label(lang, "commitment." + k.status, k.status);
        b.overdue = k.overdue;
        b.progress_percent = k.progress_percent;
        if (!k.updates.empty()) {
          b.last_update_date = k.updates.back().date;
          b.last_update_text = k.updates.back().text;
        }
        if (k.overdue) ++ba.overdue_count;
        ba.commitments.push_back(std::move(b));
        for (long long child : k.children) {
          if (by_id.count(child)) add(*by_id[child], depth + 1);
        }
      };
      for (const auto& k : commitments) {
        if (!k.parent_id && k.area == area.code) add(k, 0);
      }
      if (!ba.commitments.empty()) pack.areas.push_back(std::move(ba));
    }

    for (long long id : Ids(c, "SELECT id FROM dialogue_agreements ORDER BY id")) {
      const auto a = *LoadAgreement(c, id);
      BriefAgreement b;
      b.id = a.id;
      b.href = "/api/v1/dialogue/agreements/" + std::to_string(a.id);
      b.title = a.title + (a.illustrative ? illustrative : "");
      b.kind = KindLabel(a.kind, lang);
      b.status =
          AgreementLabel(lang, a.status, AwaitingRatification(a.party_status, a.kind), a.kind);
      for (const auto& act : a.actions) {
        if (act.action == "signature" && (b.signed_date.empty() || act.date > b.signed_date)) {
          b.signed_date = act.date;
        }
      }
      for (const auto& ps : a.party_status) {
        BriefPartyState s{ps.party, Label(lang, "state." + ps.state, ps.state), "",
                          ps.next_step_key.empty() ? "" : Say(lang, ps.next_step_key)};
        std::string last_date;
        for (const auto& act : a.actions) {
          if (act.party == ps.party && act.date >= last_date) {
            last_date = act.date;
            s.last_step = Label(lang, "action." + act.action, act.action) + " " + act.date;
          }
        }
        for (const auto& st : a.steps) {
          if (st.party == ps.party && st.date >= last_date) {
            last_date = st.date;
            s.last_step = StepLabel(st.party, st.step, lang) + " " + st.date;
          }
        }
        b.parties.push_back(std::move(s));
      }
      pack.agreements.push_back(std::move(b));
    }

    for (const auto& i : LoadIndicators(c, "WHERE id > :i", 0)) {
      BriefIndicator b{
          i.id, "/api/v1/dialogue/indicators/" + std::to_string(i.id), i.name, i.unit, {}};
      for (const auto& v : i.values) {
        b.series.push_back({v.as_of, v.value, v.source, v.illustrative, b.href});
      }
      pack.indicators.push_back(std::move(b));
    }

    const std::string since = last ? last->date : "";
    for (const auto& e : LoadEngagements(c, "WHERE id > :i", 0)) {
      if (e.date < since) continue;
      pack.engagements.push_back({e.id, "/api/v1/dialogue/engagements/" + std::to_string(e.id),
                                  e.date, Label(lang, "engagement." + e.kind, e.kind),
                                  e.title + (e.illustrative ? illustrative : ""), e.people,
                                  e.organisations, e.notes});
    }

    // Anniversaries in the coming year: the key dates, and every agreement's signature.
    std::vector<std::pair<std::string, std::string>> origins;
    {
      soci::rowset<soci::row> rows = c.sql().prepare << "SELECT date, what FROM dialogue_key_dates";
      for (const auto& r : rows) origins.emplace_back(store::GetText(r, 0), store::GetText(r, 1));
    }
    for (const auto& a : pack.agreements) {
      if (!a.signed_date.empty()) {
        origins.emplace_back(a.signed_date,
                             Fill(Say(lang, "key_date.signature"), {{"title", a.title}}));
      }
    }
    const int year = std::stoi(today.substr(0, 4));
    for (const auto& [date, what] : origins) {
      for (int y : {year, year + 1}) {
        std::string when = std::to_string(y) + date.substr(4);
        if (when.substr(5) == "02-29") when = std::to_string(y) + "-03-01";
        const std::string limit = std::to_string(year + 1) + today.substr(4);
        if (when < today || when >= limit) continue;
        const int years = y - std::stoi(date.substr(0, 4));
        if (years <= 0) continue;
        pack.key_dates.push_back(
            {when, Fill(Say(lang, "key_date"),
                        {{"years", Years(lang, years)}, {"what", what}, {"date", date}})});
      }
    }
    std::sort(pack.key_dates.begin(), pack.key_dates.end(),
              [](const BriefKeyDate& a, const BriefKeyDate& b) { return a.date < b.date; });
    return pack;
  });
}

core::Result<int> DialogueService::Import(const auth::Principal& who, const json& record,
                                          const std::string& request_id) {
  return Guard([&]() -> core::Result<int> {
    RequireWrite(who);
    if (!record.is_object()) Reject(ErrorCode::kInvalidArgument, "the record must be an object");
    const auto now = clock_.Now();
    const std::string today = Today(clock_);
    return db_.Write([&](store::Conn& c) -> core::Result<int> {
      int added = 0;
      for (const auto& a : record.value("areas", json::array())) {
        const std::string code = Str(a, "code", "area");
        long long taken = 0;
        c.sql() << "SELECT COUNT(*) FROM dialogue_areas WHERE code = :c", soci::use(code),
            soci::into(taken);
        if (taken > 0) continue;
        long long position = 0;
        c.sql() << "SELECT COALESCE(MAX(position), 0) FROM dialogue_areas", soci::into(position);
        ++position;
        const std::string en = Str(a, "name_en", code), ru = Str(a, "name_ru", code),
                          kk = Str(a, "name_kk", code);
        CheckText("name_en", en, 200, true);
        c.sql() << "INSERT INTO dialogue_areas (code, name_en, name_ru, name_kk, position) VALUES"
                   " (:c, :e, :r, :k, :p)",
            soci::use(code), soci::use(en), soci::use(ru), soci::use(kk), soci::use(position);
        ++added;
      }
      for (const auto& k : record.value("key_dates", json::array())) {
        const std::string date = Str(k, "date", "key date"), what = Str(k, "what", "key date"),
                          source = Str(k, "source", "key date");
        CheckDate("key date", date, true);
        CheckText("what", what, 300, true);
        long long taken = 0;
        c.sql() << "SELECT COUNT(*) FROM dialogue_key_dates WHERE what = :w", soci::use(what),
            soci::into(taken);
        if (taken > 0) continue;
        c.sql() << "INSERT INTO dialogue_key_dates (date, what, source) VALUES (:d, :w, :s)",
            soci::use(date), soci::use(what), soci::use(source);
        ++added;
      }
      // Meetings are keyed by date and city; others refer to them by "ref".
      std::map<std::string, long long> meeting_ref;
      for (const auto& j : record.value("meetings", json::array())) {
        const std::string where = "meeting " + j.value("ref", std::string("?"));
        Meeting m;
        if (j.contains("number") && j["number"].is_number_integer())
          m.number = j["number"].get<int>();
        m.number_inferred = Flag(j, "number_inferred");
        m.date = Str(j, "date", where);
        m.date_approximate = Flag(j, "date_approximate");
        m.city = Str(j, "city", where);
        m.country = Str(j, "country", where);
        m.format = j.value("format", std::string("in_person"));
        m.status = j.value("status", std::string("held"));
        m.co_chairs = People(j, "co_chairs", where);
        m.delegations = People(j, "delegations", where);
        m.areas = Strs(j, "areas", where);
        m.summary = Str(j, "summary", where);
        m.outcomes = Str(j, "outcomes", where);
        m.sources = Sources(j, where);
        m.illustrative = Flag(j, "illustrative");
        long long id = 0;
        c.sql() << "SELECT id FROM dialogue_meetings WHERE date = :d AND city = :c",
            soci::use(m.date), soci::use(m.city), soci::into(id);
        if (!c.sql().got_data()) {
          id = InsertMeeting(c, who, m, today, request_id, now);
          ++added;
        }
        meeting_ref[Str(j, "ref", where)] = id;
      }
      auto meeting_of = [&](const json& j, const std::string& where) -> std::optional<long long> {
        if (!j.contains("meeting")) return std::nullopt;
        const auto it = meeting_ref.find(Str(j, "meeting", where));
        if (it == meeting_ref.end()) {
          Reject(ErrorCode::kInvalidArgument, where + ": unknown meeting reference");
        }
        return it->second;
      };
      for (const auto& j : record.value("agreements", json::array())) {
        const std::string where = "agreement '" + j.value("title", std::string()) + "'";
        Agreement a;
        a.title = Str(j, "title", where);
        a.kind = Str(j, "kind", where);
        a.parties = Strs(j, "parties", where);
        a.signatory_bodies = Strs(j, "signatory_bodies", where);
        a.areas = Strs(j, "areas", where);
        a.meeting_id = meeting_of(j, where);
        a.summary = Str(j, "summary", where);
        a.sources = Sources(j, where);
        a.illustrative = Flag(j, "illustrative");
        long long id = 0;
        c.sql() << "SELECT id FROM dialogue_agreements WHERE title = :t", soci::use(a.title),
            soci::into(id);
        if (c.sql().got_data()) continue;
        id = InsertAgreement(c, who, a, request_id, now);
        ++added;
        // Steps and actions are checked against what precedes them, so they are applied in
        // time order: on one day a signature comes before the domestic steps that follow it,
        // and those before a ratification or entry into force.
        struct Dated {
          std::string date;
          int rank;
          const json* record;
          bool step;
        };
        const json steps = j.value("steps", json::array());
        const json actions = j.value("actions", json::array());
        std::vector<Dated> history;
        for (const auto& s : steps) {
          history.push_back({Str(s, "date", where), 1, &s, true});
        }
        for (const auto& x : actions) {
          history.push_back(
              {Str(x, "date", where), Str(x, "action", where) == "signature" ? 0 : 2, &x, false});
        }
        std::stable_sort(history.begin(), history.end(), [](const Dated& l, const Dated& r) {
          return std::tie(l.date, l.rank) < std::tie(r.date, r.rank);
        });
        for (const Dated& h : history) {
          const json& x = *h.record;
          if (h.step) {
            ProcedureStep st{0, Str(x, "party", where), Str(x, "step", where),
                             Str(x, "date", where), Str(x, "note", where)};
            CheckStep(*LoadAgreement(c, id), st, today);
            c.sql() << "INSERT INTO dialogue_procedure_steps (agreement_id, party, step, date,"
                       " note) VALUES (:a, :p, :s, :d, :n)",
                soci::use(id), soci::use(st.party), soci::use(st.step), soci::use(st.date),
                soci::use(st.note);
            continue;
          }
          PartyAction act{0, Str(x, "party", where), Str(x, "action", where), Str(x, "date", where),
                          Str(x, "note", where)};
          CheckAction(*LoadAgreement(c, id), act, today);
          c.sql() << "INSERT INTO dialogue_party_actions (agreement_id, party, action, date, note)"
                     " VALUES (:a, :p, :x, :d, :n)",
              soci::use(id), soci::use(act.party), soci::use(act.action), soci::use(act.date),
              soci::use(act.note);
        }
        IndexAgreement(c, *LoadAgreement(c, id));
      }
      // Commitments: keyed by text; sub-commitments nest under "children".
      std::function<void(const json&, long long, std::optional<long long>)> commit =
          [&](const json& j, long long meeting, std::optional<long long> parent) {
            const std::string where = "commitment '" + j.value("text", std::string()) + "'";
            Commitment k;
            k.meeting_id = meeting;
            k.parent_id = parent;
            k.area = Str(j, "area", where);
            k.text = Str(j, "text", where);
            k.owner_agency = Str(j, "owner_agency", where);
            k.owner_person = Str(j, "owner_person", where);
            k.due_date = Str(j, "due_date", where);
            k.status = Str(j, "status", where);
            k.sources = Sources(j, where);
            k.illustrative = Flag(j, "illustrative");
            long long id = 0;
            c.sql() << "SELECT id FROM dialogue_commitments WHERE text = :t", soci::use(k.text),
                soci::into(id);
            if (c.sql().got_data()) return;
            id = InsertCommitment(c, who, k, request_id, now);
            ++added;
            for (const auto& u : j.value("updates", json::array())) {
              ProgressUpdate p{0,
                               Str(u, "date", where),
                               Str(u, "status", where),
                               Str(u, "text", where),
                               Str(u, "evidence_url", where),
                               "demo"};
              InsertProgress(c, who, id, p, today, request_id, now);
            }
            for (const auto& child : j.value("children", json::array())) commit(child, meeting, id);
          };
      for (const auto& j : record.value("commitments", json::array())) {
        const auto meeting = meeting_of(j, "commitment");
        if (!meeting) Reject(ErrorCode::kInvalidArgument, "a commitment needs its meeting");
        commit(j, *meeting, std::nullopt);
      }
      for (const auto& j : record.value("engagements", json::array())) {
        const std::string where = "engagement '" + j.value("title", std::string()) + "'";
        Engagement e;
        e.meeting_id = meeting_of(j, where);
        e.date = Str(j, "date", where);
        e.kind = Str(j, "kind", where);
        e.title = Str(j, "title", where);
        e.people = Str(j, "people", where);
        e.organisations = Str(j, "organisations", where);
        e.notes = Str(j, "notes", where);
        e.sources = Sources(j, where);
        e.illustrative = Flag(j, "illustrative");
        long long taken = 0;
        c.sql() << "SELECT COUNT(*) FROM dialogue_engagements WHERE title = :t AND date = :d",
            soci::use(e.title), soci::use(e.date), soci::into(taken);
        if (taken > 0) continue;
        InsertEngagement(c, who, e, today, request_id, now);
        ++added;
      }
      for (const auto& j : record.value("indicators", json::array())) {
        const std::string where = "indicator " + j.value("code", std::string());
        Indicator i{0,
                    Str(j, "code", where),
                    Str(j, "name", where),
                    Str(j, "unit", where),
                    Str(j, "description", where),
                    {}};
        long long id = 0;
        c.sql() << "SELECT id FROM dialogue_indicators WHERE code = :c", soci::use(i.code),
            soci::into(id);
        if (!c.sql().got_data()) {
          id = InsertIndicator(c, who, i, request_id, now);
          ++added;
        }
        for (const auto& v : j.value("values", json::array())) {
          if (!v.contains("value") || !v["value"].is_number()) {
            Reject(ErrorCode::kInvalidArgument, where + ": each value needs a number");
          }
          IndicatorValue iv{0,
                            Str(v, "as_of", where),
                            v["value"].get<double>(),
                            Str(v, "source", where),
                            Str(v, "note", where),
                            Flag(v, "illustrative")};
          long long taken = 0;
          c.sql() << "SELECT COUNT(*) FROM dialogue_indicator_values WHERE indicator_id = :i AND"
                     " as_of = :a",
              soci::use(id), soci::use(iv.as_of), soci::into(taken);
          if (taken > 0) continue;
          InsertIndicatorValue(c, who, id, iv, today, request_id, now);
          ++added;
        }
      }
      return added;
    });
  });
}

}  // namespace kenes::dialogue
