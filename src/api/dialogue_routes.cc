// The /api/v1/dialogue routes: the Strategic Dialogue record and its briefing pack (see api.h).
#include <atomic>

#include "api/api.h"
#include "api/json_body.h"
#include "api/problem.h"
#include "api/route_util.h"
#include "dialogue/briefing.h"
#include "dialogue/briefing_text.h"

namespace kenes::api {

using nlohmann::json;

namespace {

// One at a time: a print holds a server thread for seconds, and the others stay free.
constexpr int kMaxConcurrentPrints = 1;

std::string Path(const char* kind, long long id) {
  return std::string("/api/v1/dialogue/") + kind + "/" + std::to_string(id);
}

json SourcesJson(const std::vector<dialogue::Source>& sources) {
  json out = json::array();
  for (const auto& s : sources) out.push_back({{"url", s.url}, {"title", s.title}});
  return out;
}

json PeopleJson(const std::vector<dialogue::Person>& people) {
  json out = json::array();
  for (const auto& p : people) {
    out.push_back({{"side", p.side}, {"name", p.name}, {"title", p.title}});
  }
  return out;
}

json MeetingJson(const dialogue::Meeting& m) {
  json agreements = json::array(), engagements = json::array();
  for (long long id : m.agreements_signed) agreements.push_back(Path("agreements", id));
  for (long long id : m.engagements) engagements.push_back(Path("engagements", id));
  return {{"id", m.id},
          {"href", Path("meetings", m.id)},
          {"number", m.number ? json(*m.number) : json(nullptr)},
          {"number_inferred", m.number_inferred},
          {"date", m.date},
          {"date_approximate", m.date_approximate},
          {"city", m.city},
          {"country", m.country},
          {"format", m.format},
          {"status", m.status},
          {"co_chairs", PeopleJson(m.co_chairs)},
          {"delegations", PeopleJson(m.delegations)},
          {"areas", m.areas},
          {"summary", m.summary},
          {"outcomes", m.outcomes},
          {"documents_signed", agreements},
          {"side_engagements", engagements},
          {"sources", SourcesJson(m.sources)},
          {"illustrative", m.illustrative}};
}

json AgreementJson(const dialogue::Agreement& a) {
  json actions = json::array(), steps = json::array(), parties = json::array();
  for (const auto& x : a.actions) {
    actions.push_back({{"id", x.id},
                       {"party", x.party},
                       {"action", x.action},
                       {"date", x.date},
                       {"note", x.note}});
  }
  for (const auto& s : a.steps) {
    steps.push_back(
        {{"id", s.id}, {"party", s.party}, {"step", s.step}, {"date", s.date}, {"note", s.note}});
  }
  for (const auto& p : a.party_status) {
    parties.push_back({{"party", p.party}, {"state", p.state}, {"next_step", p.next_step}});
  }
  return {{"id", a.id},
          {"href", Path("agreements", a.id)},
          {"title", a.title},
          {"kind", a.kind},
          {"parties", a.parties},
          {"signatory_bodies", a.signatory_bodies},
          {"areas", a.areas},
          {"meeting", a.meeting_id ? json(Path("meetings", *a.meeting_id)) : json(nullptr)},
          {"summary", a.summary},
          {"status", a.status},
          {"status_label", a.status_label},
          {"party_status", parties},
          {"actions", actions},
          {"procedure_steps", steps},
          {"sources", SourcesJson(a.sources)},
          {"illustrative", a.illustrative}};
}

json CommitmentJson(const dialogue::Commitment& k) {
  json updates = json::array(), children = json::array();
  for (const auto& u : k.updates) {
    updates.push_back({{"id", u.id},
                       {"date", u.date},
                       {"status", u.status},
                       {"text", u.text},
                       {"evidence_url", u.evidence_url},
                       {"author", u.author}});
  }
  for (long long id : k.children) children.push_back(Path("commitments", id));
  return {{"id", k.id},
          {"href", Path("commitments", k.id)},
          {"meeting", Path("meetings", k.meeting_id)},
          {"meeting_id", k.meeting_id},
          {"parent_id", k.parent_id ? json(*k.parent_id) : json(nullptr)},
          {"area", k.area},
          {"text", k.text},
          {"owner_agency", k.owner_agency},
          {"owner_person", k.owner_person},
          {"due_date", k.due_date.empty() ? json(nullptr) : json(k.due_date)},
          {"status", k.status},
          {"overdue", k.overdue},
          {"progress_percent", k.progress_percent},
          {"updates", updates},
          {"sub_commitments", children},
          {"sources", SourcesJson(k.sources)},
          {"illustrative", k.illustrative}};
}

json EngagementJson(const dialogue::Engagement& e) {
  return {{"id", e.id},
          {"href", Path("engagements", e.id)},
          {"meeting", e.meeting_id ? json(Path("meetings", *e.meeting_id)) : json(nullptr)},
          {"date", e.date},
          {"kind", e.kind},
          {"title", e.title},
          {"people", e.people},
          {"organisations", e.organisations},
          {"notes", e.notes},
          {"sources", SourcesJson(e.sources)},
          {"illustrative", e.illustrative}};
}

json IndicatorJson(const dialogue::Indicator& i) {
  json values = json::array();
  for (const auto& v : i.values) {
    values.push_back({{"as_of", v.as_of},
                      {"value", v.value},
                      {"source", v.source},
                      {"note", v.note},
                      {"illustrative", v.illustrative}});
  }
  return {{"id", i.id},     {"href", Path("indicators", i.id)}, {"code", i.code},  {"name", i.name},
          {"unit", i.unit}, {"description", i.description},     {"values", values}};
}

template <typename T, typename F>
json Items(const std::vector<T>& list, F&& to_json) {
  json items = json::array();
  for (const auto& x : list) items.push_back(to_json(x));
  return {{"items", items}};
}

HttpResponse Created(const json& body, const std::string& location) {
  HttpResponse r = JsonResponse(201, body);
  r.Set("Location", location);
  return r;
}

// Nested values read by hand: lists of objects with known text fields.
[[noreturn]] void BadField(const std::string& key, const std::string& what) {
  Throw(core::ErrorCode::kInvalidArgument, "field '" + key + "' " + what, "invalid-field");
}

std::vector<std::string> TextList(JsonBody& body, const std::string& key) {
  std::vector<std::string> out;
  body.MarkRead(key);
  const auto it = body.Raw().find(key);
  if (it == body.Raw().end()) return out;
  if (!it->is_array() || it->size() > 50) BadField(key, "must be a list of up to 50 texts");
  for (const auto& v : *it) {
    if (!v.is_string() || v.get_ref<const std::string&>().size() > 500) {
      BadField(key, "must hold texts of up to 500 bytes");
    }
    out.push_back(v.get<std::string>());
  }
  return out;
}

std::vector<std::map<std::string, std::string>> ObjectList(
    JsonBody& body, const std::string& key, std::initializer_list<const char*> keys) {
  std::vector<std::map<std::string, std::string>> out;
  body.MarkRead(key);
  const auto it = body.Raw().find(key);
  if (it == body.Raw().end()) return out;
  if (!it->is_array() || it->size() > 100) BadField(key, "must be a list of up to 100 objects");
  for (const auto& v : *it) {
    if (!v.is_object()) BadField(key, "must hold objects");
    std::map<std::string, std::string> item;
    for (const auto& [k, x] : v.items()) {
      if (std::find_if(keys.begin(), keys.end(), [&](const char* a) { return k == a; }) ==
          keys.end()) {
        BadField(key, "holds an unknown field '" + k + "'");
      }
      if (!x.is_string() || x.get_ref<const std::string&>().size() > 1000) {
        BadField(key + "." + k, "must be text of up to 1000 bytes");
      }
      item[k] = x.get<std::string>();
    }
    out.push_back(std::move(item));
  }
  return out;
}

std::vector<dialogue::Source> SourceList(JsonBody& body) {
  std::vector<dialogue::Source> out;
  for (auto& s : ObjectList(body, "sources", {"url", "title"}))
    out.push_back({s["url"], s["title"]});
  return out;
}

std::vector<dialogue::Person> PersonList(JsonBody& body, const std::string& key) {
  std::vector<dialogue::Person> out;
  for (auto& p : ObjectList(body, key, {"side", "name", "title"})) {
    out.push_back({p["side"], p["name"], p["title"]});
  }
  return out;
}

std::optional<long long> OptionalId(JsonBody& body, const std::string& key) {
  return body.OptionalInt(key, 1, 1'000'000'000'000LL);
}

bool Has(const JsonBody& body, const std::string& key) { return body.Raw().contains(key); }

// The meeting `base` with the fields `body` sends: a new meeting from a blank one, an edit from
// the stored one. Finishes the body (unknown fields are a 400).
dialogue::Meeting MeetingFrom(JsonBody& body, dialogue::Meeting m) {
  if (auto n = body.OptionalInt("number", 1, 1000)) m.number = static_cast<int>(*n);
  m.number_inferred = body.OptionalBool("number_inferred").value_or(m.number_inferred);
  m.date = body.OptionalString("date", 10).value_or(m.date);
  m.date_approximate = body.OptionalBool("date_approximate").value_or(m.date_approximate);
  m.city = body.OptionalString("city", 100).value_or(m.city);
  m.country = body.OptionalString("country", 2).value_or(m.country);
  m.format = body.OptionalString("format", 16).value_or(m.format);
  m.status = body.OptionalString("status", 16).value_or(m.status);
  if (Has(body, "co_chairs")) m.co_chairs = PersonList(body, "co_chairs");
  if (Has(body, "delegations")) m.delegations = PersonList(body, "delegations");
  if (Has(body, "areas")) m.areas = TextList(body, "areas");
  m.summary = body.OptionalString("summary", 20000).value_or(m.summary);
  m.outcomes = body.OptionalString("outcomes", 20000).value_or(m.outcomes);
  if (Has(body, "sources")) m.sources = SourceList(body);
  m.illustrative = body.OptionalBool("illustrative").value_or(m.illustrative);
  body.Finish();
  return m;
}

// The same for what a commitment says (not its meeting, parent or status).
dialogue::Commitment CommitmentFrom(JsonBody& body, dialogue::Commitment k) {
  k.area = body.OptionalString("area", 64).value_or(k.area);
  k.text = body.OptionalString("text", 5000).value_or(k.text);
  k.owner_agency = body.OptionalString("owner_agency", 16).value_or(k.owner_agency);
  k.owner_person = body.OptionalString("owner_person", 200).value_or(k.owner_person);
  k.due_date = body.OptionalString("due_date", 10).value_or(k.due_date);
  if (Has(body, "sources")) k.sources = SourceList(body);
  k.illustrative = body.OptionalBool("illustrative").value_or(k.illustrative);
  body.Finish();
  return k;
}

}  // namespace

void Api::AddDialogueRoutes() {
  Add("GET", "/api/v1/dialogue/areas", [this](RequestContext& ctx) {
    return JsonResponse(200, Items(Ok(dialogue_.ListAreas(ctx.who())), [](const auto& a) {
                          return json{{"code", a.code},
                                      {"name_en", a.name_en},
                                      {"name_ru", a.name_ru},
                                      {"name_kk", a.name_kk}};
                        }));
  });
  Add("POST", "/api/v1/dialogue/areas", [this](RequestContext& ctx) {
    auto body = JsonBody::Parse(ctx.request);
    dialogue::Area a;
    a.code = body.RequiredString("code", 64);
    a.name_en = body.RequiredString("name_en", 200);
    a.name_ru = body.OptionalString("name_ru", 200).value_or("");
    a.name_kk = body.OptionalString("name_kk", 200).value_or("");
    body.Finish();
    const auto out = Ok(dialogue_.AddArea(ctx.who(), a, ctx.request_id));
    return JsonResponse(201, {{"code", out.code}, {"name_en", out.name_en}});
  });

  Add("GET", "/api/v1/dialogue/meetings", [this](RequestContext& ctx) {
    return JsonResponse(200, Items(Ok(dialogue_.ListMeetings(ctx.who())), MeetingJson));
  });
  Add("POST", "/api/v1/dialogue/meetings", [this](RequestContext& ctx) {
    auto body = JsonBody::Parse(ctx.request);
    dialogue::Meeting blank;
    blank.format = "in_person";
    blank.status = "held";
    const auto m = MeetingFrom(body, blank);
    const auto out = Ok(dialogue_.CreateMeeting(ctx.who(), m, ctx.request_id));
    return Created(MeetingJson(out), Path("meetings", out.id));
  });
  // A merge patch: the fields sent replace the meeting's, the rest stay (e.g. {"status": "held",
  // "outcomes": "..."} once a planned meeting has taken place).
  Add("PATCH", "/api/v1/dialogue/meetings/{meeting_id}", [this](RequestContext& ctx) {
    const long long id = ctx.IdParam("meeting_id");
    auto body = JsonBody::Parse(ctx.request);
    const auto m = MeetingFrom(body, Ok(dialogue_.GetMeeting(ctx.who(), id)));
    return JsonResponse(200,
                        MeetingJson(Ok(dialogue_.UpdateMeeting(ctx.who(), id, m, ctx.request_id))));
  });
  Add("GET", "/api/v1/dialogue/meetings/{meeting_id}", [this](RequestContext& ctx) {
    return JsonResponse(
        200, MeetingJson(Ok(dialogue_.GetMeeting(ctx.who(), ctx.IdParam("meeting_id")))));
  });

  Add("GET", "/api/v1/dialogue/agreements", [this](RequestContext& ctx) {
    return JsonResponse(200, Items(Ok(dialogue_.ListAgreements(ctx.who())), AgreementJson));
  });
  Add("POST", "/api/v1/dialogue/agreements", [this](RequestContext& ctx) {
    auto body = JsonBody::Parse(ctx.request);
    dialogue::Agreement a;
    a.title = body.RequiredString("title", 500);
    a.kind = body.RequiredString("kind", 64);
    a.parties = body.RequiredStringArray("parties", 4, 2);
    a.signatory_bodies = TextList(body, "signatory_bodies");
    a.areas = TextList(body, "areas");
    a.meeting_id = OptionalId(body, "meeting_id");
    a.summary = body.OptionalString("summary", 20000).value_or("");
    a.sources = SourceList(body);
    a.illustrative = body.OptionalBool("illustrative").value_or(false);
    body.Finish();
    const auto out = Ok(dialogue_.CreateAgreement(ctx.who(), a, ctx.request_id));
    return Created(AgreementJson(out), Path("agreements", out.id));
  });
  Add("GET", "/api/v1/dialogue/agreements/{agreement_id}", [this](RequestContext& ctx) {
    return JsonResponse(
        200, AgreementJson(Ok(dialogue_.GetAgreement(ctx.who(), ctx.IdParam("agreement_id")))));
  });
  Add("POST", "/api/v1/dialogue/agreements/{agreement_id}/actions", [this](RequestContext& ctx) {
    const long long id = ctx.IdParam("agreement_id");
    auto body = JsonBody::Parse(ctx.request);
    dialogue::PartyAction act;
    act.party = body.RequiredString("party", 2);
    act.action = body.RequiredString("action", 32);
    act.date = body.RequiredString("date", 10);
    act.note = body.OptionalString("note", 2000).value_or("");
    body.Finish();
    return JsonResponse(
        201, AgreementJson(Ok(dialogue_.RecordAction(ctx.who(), id, act, ctx.request_id))));
  });
  Add("POST", "/api/v1/dialogue/agreements/{agreement_id}/steps", [this](RequestContext& ctx) {
    const long long id = ctx.IdParam("agreement_id");
    auto body = JsonBody::Parse(ctx.request);
    dialogue::ProcedureStep st;
    st.party = body.RequiredString("party", 2);
    st.step = body.RequiredString("step", 64);
    st.date = body.RequiredString("date", 10);
    st.note = body.OptionalString("note", 2000).value_or("");
    body.Finish();
    return JsonResponse(201,
                        AgreementJson(Ok(dialogue_.RecordStep(ctx.who(), id, st, ctx.request_id))));
  });

  Add("GET", "/api/v1/dialogue/commitments", [this](RequestContext& ctx) {
    const auto area = ctx.Query("area");
    const bool overdue_only = ctx.Query("overdue").value_or("") == "true";
    json items = json::array();
    for (const auto& k : Ok(dialogue_.ListCommitments(ctx.who()))) {
      if (area && k.area != *area) continue;
      if (overdue_only && !k.overdue) continue;
      items.push_back(CommitmentJson(k));
    }
    return JsonResponse(200, {{"items", items}});
  });
  Add("POST", "/api/v1/dialogue/commitments", [this](RequestContext& ctx) {
    auto body = JsonBody::Parse(ctx.request);
    dialogue::Commitment k;
    const auto meeting = OptionalId(body, "meeting_id");
    if (!meeting) BadField("meeting_id", "is required");
    k.meeting_id = *meeting;
    k.parent_id = OptionalId(body, "parent_id");
    k.status = body.OptionalString("status", 16).value_or("not_started");
    k = CommitmentFrom(body, k);
    const auto out = Ok(dialogue_.CreateCommitment(ctx.who(), k, ctx.request_id));
    return Created(CommitmentJson(out), Path("commitments", out.id));
  });
  // A merge patch of what was agreed (area, text, owners, due date, sources); the status moves
  // by progress updates, the meeting and the parent stay.
  Add("PATCH", "/api/v1/dialogue/commitments/{commitment_id}", [this](RequestContext& ctx) {
    const long long id = ctx.IdParam("commitment_id");
    auto body = JsonBody::Parse(ctx.request);
    const auto k = CommitmentFrom(body, Ok(dialogue_.GetCommitment(ctx.who(), id)));
    return JsonResponse(
        200, CommitmentJson(Ok(dialogue_.UpdateCommitment(ctx.who(), id, k, ctx.request_id))));
  });
  Add("GET", "/api/v1/dialogue/commitments/{commitment_id}", [this](RequestContext& ctx) {
    return JsonResponse(
        200, CommitmentJson(Ok(dialogue_.GetCommitment(ctx.who(), ctx.IdParam("commitment_id")))));
  });
  Add("POST", "/api/v1/dialogue/commitments/{commitment_id}/updates", [this](RequestContext& ctx) {
    const long long id = ctx.IdParam("commitment_id");
    auto body = JsonBody::Parse(ctx.request);
    dialogue::ProgressUpdate u;
    u.date = body.RequiredString("date", 10);
    u.status = body.RequiredString("status", 16);
    u.text = body.RequiredString("text", 5000);
    u.evidence_url = body.OptionalString("evidence_url", 1000).value_or("");
    body.Finish();
    return JsonResponse(
        201, CommitmentJson(Ok(dialogue_.AddProgress(ctx.who(), id, u, ctx.request_id))));
  });

  Add("GET", "/api/v1/dialogue/engagements", [this](RequestContext& ctx) {
    return JsonResponse(200, Items(Ok(dialogue_.ListEngagements(ctx.who())), EngagementJson));
  });
  Add("POST", "/api/v1/dialogue/engagements", [this](RequestContext& ctx) {
    auto body = JsonBody::Parse(ctx.request);
    dialogue::Engagement e;
    e.meeting_id = OptionalId(body, "meeting_id");
    e.date = body.RequiredString("date", 10);
    e.kind = body.RequiredString("kind", 32);
    e.title = body.RequiredString("title", 500);
    e.people = body.OptionalString("people", 2000).value_or("");
    e.organisations = body.OptionalString("organisations", 2000).value_or("");
    e.notes = body.OptionalString("notes", 20000).value_or("");
    e.sources = SourceList(body);
    e.illustrative = body.OptionalBool("illustrative").value_or(false);
    body.Finish();
    const auto out = Ok(dialogue_.CreateEngagement(ctx.who(), e, ctx.request_id));
    return Created(EngagementJson(out), Path("engagements", out.id));
  });
  Add("GET", "/api/v1/dialogue/engagements/{engagement_id}", [this](RequestContext& ctx) {
    return JsonResponse(
        200, EngagementJson(Ok(dialogue_.GetEngagement(ctx.who(), ctx.IdParam("engagement_id")))));
  });

  Add("GET", "/api/v1/dialogue/indicators", [this](RequestContext& ctx) {
    return JsonResponse(200, Items(Ok(dialogue_.ListIndicators(ctx.who())), IndicatorJson));
  });
  Add("POST", "/api/v1/dialogue/indicators", [this](RequestContext& ctx) {
    auto body = JsonBody::Parse(ctx.request);
    dialogue::Indicator i;
    i.code = body.RequiredString("code", 64);
    i.name = body.RequiredString("name", 300);
    i.unit = body.RequiredString("unit", 64);
    i.description = body.OptionalString("description", 5000).value_or("");
    body.Finish();
    const auto out = Ok(dialogue_.CreateIndicator(ctx.who(), i, ctx.request_id));
    return Created(IndicatorJson(out), Path("indicators", out.id));
  });
  Add("GET", "/api/v1/dialogue/indicators/{indicator_id}", [this](RequestContext& ctx) {
    return JsonResponse(
        200, IndicatorJson(Ok(dialogue_.GetIndicator(ctx.who(), ctx.IdParam("indicator_id")))));
  });
  Add("POST", "/api/v1/dialogue/indicators/{indicator_id}/values", [this](RequestContext& ctx) {
    const long long id = ctx.IdParam("indicator_id");
    auto body = JsonBody::Parse(ctx.request);
    dialogue::IndicatorValue v;
    v.as_of = body.RequiredString("as_of", 10);
    body.MarkRead("value");
    const auto it = body.Raw().find("value");
    if (it == body.Raw().end() || !it->is_number()) BadField("value", "must be a number");
    v.value = it->get<double>();
    v.source = body.OptionalString("source", 1000).value_or("");
    v.note = body.OptionalString("note", 2000).value_or("");
    v.illustrative = body.OptionalBool("illustrative").value_or(false);
    body.Finish();
    return JsonResponse(
        201, IndicatorJson(Ok(dialogue_.AddIndicatorValue(ctx.who(), id, v, ctx.request_id))));
  });

  // The pack for the next meeting: HTML (default), Markdown (?format=md) or PDF (?format=pdf,
  // where Chromium is installed), in English, Russian or Kazakh.
  Add("GET", "/api/v1/dialogue/briefing", [this](RequestContext& ctx) {
    const std::string format = ctx.Query("format").value_or("html");
    if (format != "html" && format != "md" && format != "pdf") {
      Throw(core::ErrorCode::kInvalidArgument, "format must be html, md or pdf", "invalid-query");
    }
    // ?lang= (as the console's own links), else the reader's chosen language.
    const auto lang = ctx.Query("lang");
    if (lang && !dialogue::IsBriefingLanguage(*lang)) {
      Throw(core::ErrorCode::kInvalidArgument, "lang must be en, ru or kk", "invalid-query");
    }
    const std::string chosen = lang ? *lang
                               : dialogue::IsBriefingLanguage(ctx.who().language)
                                   ? ctx.who().language
                                   : "en";
    auto pack = Ok(dialogue_.Briefing(ctx.who(), chosen));
    if (format == "pdf") {
      // A printed pack's links must be absolute to work outside the browser.
      const auto host = ctx.request.Header("host");
      if (host && !host->empty() && host->find_first_of(" /\\\"<>") == std::string::npos) {
        pack.base_url = "http://" + std::string(*host);
      }
    }
    HttpResponse r;
    r.status = 200;
    if (format == "md") {
      r.body = dialogue::RenderBriefingMarkdown(pack);
      r.Set("Content-Type", "text/markdown; charset=utf-8");
      return r;
    }
    const std::string html = dialogue::RenderBriefingHtml(pack);
    if (format == "html") {
      r.body = html;
      r.Set("Content-Type", "text/html; charset=utf-8");
      r.fixed_headers = RenderedPageHeaders();
      return r;
    }
    const auto chromium = dialogue::FindChromium();
    if (!chromium) {
      Throw(core::ErrorCode::kUnavailable,
            "PDF needs Chromium, which is not installed on this server; use ?format=html and print",
            "pdf-unavailable");
    }
    // Each print is a Chromium process holding a server thread; another at the same time is 503.
    static std::atomic<int> printing{0};
    struct Slot {
      ~Slot() { printing.fetch_sub(1); }
    } slot;
    if (printing.fetch_add(1) >= kMaxConcurrentPrints) {
      Throw(core::ErrorCode::kUnavailable,
            "the server is printing other packs; try again shortly or use ?format=html and print",
            "busy");
    }
    r.body = Ok(dialogue::RenderBriefingPdf(html, *chromium));
    r.Set("Content-Type", "application/pdf");
    r.Set("Content-Disposition", "attachment; filename=\"briefing-pack.pdf\"");
    return r;
  });
}

}  // namespace kenes::api
