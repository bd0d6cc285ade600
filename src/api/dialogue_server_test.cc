// Black-box tests of the Strategic Dialogue routes on the real server, on SQLite and PostgreSQL:
// the demo record, who may edit, agreements whose status follows their actions (and refuses
// actions out of order), commitments rolling up, bad input, and the briefing pack.
#include <filesystem>
#include <fstream>
#include <thread>

#include "api/server_fixture.h"
#include "dialogue/briefing.h"

namespace kenes::api {
namespace {

class DialogueTest : public ServerTest {
 protected:
  // Loads the built-in demo record the way `make run` does.
  void LoadDemo() {
    auto r = kenes::testing::RunKenes({"demo", "load", "--database", tdb_->url()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  json Get(Browser& b, const std::string& path, int expected = 200) {
    auto r = b.http->Get(path, b.Headers(false));
    EXPECT_EQ(r.status, expected) << path << ": " << r.body;
    return r.status == 200 ? r.Json() : json();
  }
  HttpResult Post(Browser& b, const std::string& path, const json& body) {
    return b.http->Send("POST", path, body, b.Headers());
  }
};

TEST_P(DialogueTest, DemoShowsTheEighthMeetingAndTheSpcaAwaitingRatification) {
  Start();
  LoadDemo();
  Browser fwa = SignIn("fwa.officer");  // the labour agencies read the record
  const json meetings = Get(fwa, "/api/v1/dialogue/meetings")["items"];
  ASSERT_GE(meetings.size(), 5u);
  const json* eighth = nullptr;
  for (const auto& m : meetings) {
    if (m["number"] == 8) eighth = &m;
  }
  ASSERT_NE(eighth, nullptr);
  EXPECT_EQ((*eighth)["date"], "2025-02-11");
  EXPECT_EQ((*eighth)["city"], "London");
  ASSERT_EQ((*eighth)["co_chairs"].size(), 2u);
  EXPECT_EQ((*eighth)["co_chairs"][0]["name"], "Roman Vassilenko");
  EXPECT_EQ((*eighth)["co_chairs"][1]["name"], "Stephen Doughty");
  EXPECT_EQ((*eighth)["areas"].size(), 8u);
  EXPECT_FALSE((*eighth)["sources"].empty());
  ASSERT_EQ((*eighth)["documents_signed"].size(), 1u);  // the MLSP-GLAA MoU
  EXPECT_EQ((*eighth)["side_engagements"].size(), 2u);  // Nusrat Ghani, the IISS

  const json mou = Get(fwa, (*eighth)["documents_signed"][0].get<std::string>());
  EXPECT_EQ(mou["kind"], "memorandum_of_understanding");
  EXPECT_EQ(mou["status"], "signed");
  EXPECT_EQ(mou["signatory_bodies"], json({"MLSP", "GLAA"}));

  const json agreements = Get(fwa, "/api/v1/dialogue/agreements")["items"];
  const json* spca = nullptr;
  for (const auto& a : agreements) {
    if (a["title"].get<std::string>().rfind("Strategic Partnership and Cooperation", 0) == 0) {
      spca = &a;
    }
  }
  ASSERT_NE(spca, nullptr);
  EXPECT_EQ((*spca)["status"], "signed");
  EXPECT_NE((*spca)["status_label"].get<std::string>().find("awaiting ratification"),
            std::string::npos);
  ASSERT_EQ((*spca)["party_status"].size(), 2u);
  for (const auto& p : (*spca)["party_status"]) {
    EXPECT_EQ(p["state"], "signed");
    EXPECT_FALSE(p["next_step"].get<std::string>().empty());
  }
  // The quoted figures are there with their source; invented commitments say so.
  bool quoted = false;
  const json indicators = Get(fwa, "/api/v1/dialogue/indicators")["items"];
  for (const auto& i : indicators) {
    for (const auto& v : i["values"]) {
      if (v["value"] == 18 && i["code"] == "uk_investment_stock") {
        quoted = v["source"].get<std::string>().find("astanatimes.com") != std::string::npos;
      }
    }
  }
  EXPECT_TRUE(quoted);
  const json commitments = Get(fwa, "/api/v1/dialogue/commitments")["items"];
  EXPECT_GE(commitments.size(), 3u);
  for (const auto& k : commitments) {
    EXPECT_TRUE(k["illustrative"]) << k["text"];
  }
  // Loading twice adds nothing.
  const long long before = Count("dialogue_meetings") + Count("dialogue_commitments");
  LoadDemo();
  EXPECT_EQ(Count("dialogue_meetings") + Count("dialogue_commitments"), before);
}

TEST_P(DialogueTest, ForeignMinistriesEditLabourAgenciesRead) {
  Start();
  Browser fwa = SignIn("fwa.officer");
  Browser fcdo = SignIn("fcdo.desk");
  const json agreement = {
      {"title", "Roadmap on seasonal work"}, {"kind", "roadmap"}, {"parties", {"KZ", "UK"}}};
  EXPECT_EQ(Post(fwa, "/api/v1/dialogue/agreements", agreement).status, 403);
  EXPECT_EQ(Count("dialogue_agreements"), 0);
  auto created = Post(fcdo, "/api/v1/dialogue/agreements", agreement);
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_GT(created.Json()["id"].get<long long>(), 0);
  Browser mfa = SignIn("mfa.desk");
  EXPECT_EQ(Get(mfa, "/api/v1/dialogue/agreements")["items"].size(), 1u);
  EXPECT_EQ(Get(fwa, "/api/v1/dialogue/agreements")["items"].size(), 1u);
  // Audited, with who did it.
  const long long audited = db_->Read([](store::Conn& c) {
    long long n = 0;
    c.sql() << "SELECT COUNT(*) FROM audit_events WHERE action = 'dialogue.agreement.create'",
        soci::into(n);
    return n;
  });
  EXPECT_EQ(audited, 1);
  // Anonymous: nothing.
  HttpClient anonymous(server_->port());
  EXPECT_EQ(anonymous.Get("/api/v1/dialogue/agreements").status, 401);
}

TEST_P(DialogueTest, AgreementStatusFollowsActionsAndRefusesThemOutOfOrder) {
  Start();
  Browser mfa = SignIn("mfa.desk");
  auto created = Post(mfa, "/api/v1/dialogue/agreements",
                      {{"title", "Agreement on social security"},
                       {"kind", "agreement"},
                       {"parties", {"KZ", "UK"}}});
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string base =
      "/api/v1/dialogue/agreements/" + std::to_string(created.Json()["id"].get<long long>());
  auto action = [&](const std::string& party, const std::string& what, const std::string& date) {
    return Post(mfa, base + "/actions", {{"party", party}, {"action", what}, {"date", date}});
  };
  auto step = [&](const std::string& party, const std::string& what, const std::string& date) {
    return Post(mfa, base + "/steps", {{"party", party}, {"step", what}, {"date", date}});
  };
  // Ratified before signed: refused with the reason.
  auto r = action("KZ", "ratification", "2024-05-01");
  EXPECT_EQ(r.status, 422);
  EXPECT_NE(r.Json()["detail"].get<std::string>().find("signature"), std::string::npos) << r.body;
  EXPECT_EQ(Count("dialogue_party_actions"), 0);

  EXPECT_EQ(action("KZ", "signature", "2024-04-24").status, 201);
  EXPECT_EQ(Get(mfa, base)["status"], "partly_signed");
  EXPECT_EQ(action("UK", "signature", "2024-04-24").status, 201);
  EXPECT_EQ(Get(mfa, base)["status"], "signed");
  EXPECT_EQ(action("KZ", "signature", "2024-04-25").status, 422);  // signed already
  // A date before the signature.
  EXPECT_EQ(action("UK", "ratification", "2024-04-01").status, 422);
  // In force before ratified.
  r = action("KZ", "entry_into_force", "2024-06-01");
  EXPECT_EQ(r.status, 422);
  EXPECT_NE(r.Json()["detail"].get<std::string>().find("ratified"), std::string::npos) << r.body;
  // A date in the future.
  EXPECT_EQ(action("UK", "ratification", "2199-01-01").status, 422);
  EXPECT_EQ(action("UK", "ratification", "2999-01-01").status, 400);  // not a date we can hold
  // Not a party.
  EXPECT_EQ(action("FR", "signature", "2024-04-24").status, 400);

  // Kazakhstan's domestic procedure, in order.
  EXPECT_EQ(step("KZ", "mazhilis", "2024-09-01").status, 422);  // expertise comes first
  EXPECT_EQ(step("KZ", "legal_expertise", "2024-06-01").status, 201);
  EXPECT_EQ(step("KZ", "linguistic_expertise", "2024-05-01").status, 422);  // before the last step
  json a = Post(mfa, base + "/steps",
                {{"party", "KZ"}, {"step", "linguistic_expertise"}, {"date", "2024-07-01"}})
               .Json();
  for (const auto& p : a["party_status"]) {
    if (p["party"] == "KZ") {
      EXPECT_NE(p["next_step"].get<std::string>().find("Mazhilis"), std::string::npos);
    }
  }
  // Ratifying mid-procedure is refused; completing it allows ratification.
  EXPECT_EQ(action("KZ", "ratification", "2024-08-01").status, 422);
  for (const auto& [s, d] :
       std::vector<std::pair<std::string, std::string>>{{"mazhilis", "2024-10-02"},
                                                        {"senate", "2024-11-14"},
                                                        {"presidential_signature", "2024-12-20"}}) {
    EXPECT_EQ(step("KZ", s, d).status, 201) << s;
  }
  EXPECT_EQ(action("KZ", "ratification", "2024-12-20").status, 201);
  EXPECT_EQ(Get(mfa, base)["status"], "partly_ratified");
  EXPECT_EQ(step("UK", "laid_before_parliament", "2024-10-01").status, 201);
  EXPECT_EQ(step("UK", "crag_period_ended", "2024-11-20").status, 201);
  EXPECT_EQ(action("UK", "ratification", "2025-01-10").status, 201);
  EXPECT_EQ(Get(mfa, base)["status"], "ratified");
  EXPECT_EQ(action("UK", "entry_into_force", "2025-01-09").status, 422);  // before UK ratified
  EXPECT_EQ(action("KZ", "entry_into_force", "2025-02-01").status, 201);
  EXPECT_EQ(action("UK", "entry_into_force", "2025-02-01").status, 201);
  EXPECT_EQ(Get(mfa, base)["status"], "in_force");
  // A memorandum is not ratified.
  auto mou = Post(mfa, "/api/v1/dialogue/agreements",
                  {{"title", "MoU on vocational training"},
                   {"kind", "memorandum_of_understanding"},
                   {"parties", {"KZ", "UK"}}})
                 .Json();
  const std::string mou_base =
      "/api/v1/dialogue/agreements/" + std::to_string(mou["id"].get<long long>());
  EXPECT_EQ(Post(mfa, mou_base + "/actions",
                 {{"party", "KZ"}, {"action", "signature"}, {"date", "2025-03-01"}})
                .status,
            201);
  EXPECT_EQ(Post(mfa, mou_base + "/actions",
                 {{"party", "KZ"}, {"action", "ratification"}, {"date", "2025-03-02"}})
                .status,
            422);
}

TEST_P(DialogueTest, CommitmentsRollUpAndGoOverdue) {
  Start();
  Browser mfa = SignIn("mfa.desk");
  auto m =
      Post(mfa, "/api/v1/dialogue/meetings",
           {{"number", 9},
            {"date", "2024-03-01"},
            {"city", "Astana"},
            {"country", "KZ"},
            {"co_chairs",
             {{{"side", "KZ"}, {"name", "A. Deputy"}}, {{"side", "UK"}, {"name", "B. Minister"}}}},
            {"areas", {"economy"}}});
  ASSERT_EQ(m.status, 201) << m.body;
  const long long meeting = m.Json()["id"];
  auto parent = Post(mfa, "/api/v1/dialogue/commitments",
                     {{"meeting_id", meeting},
                      {"area", "economy"},
                      {"text", "Hold a business forum"},
                      {"owner_agency", "kz-mfa"},
                      {"due_date", "2024-12-31"}});
  ASSERT_EQ(parent.status, 201) << parent.body;
  const long long pid = parent.Json()["id"];
  EXPECT_TRUE(parent.Json()["overdue"]);  // due date passed, not complete
  for (const char* text : {"Agree the date", "Invite companies"}) {
    EXPECT_EQ(Post(mfa, "/api/v1/dialogue/commitments",
                   {{"meeting_id", meeting}, {"parent_id", pid}, {"text", text}})
                  .status,
              201);
  }
  const json children =
      Get(mfa, "/api/v1/dialogue/commitments/" + std::to_string(pid))["sub_commitments"];
  ASSERT_EQ(children.size(), 2u);
  auto up = Post(mfa, children[0].get<std::string>() + "/updates",
                 {{"date", "2024-05-01"}, {"status", "complete"}, {"text", "Date agreed"}});
  ASSERT_EQ(up.status, 201) << up.body;
  const json p = Get(mfa, "/api/v1/dialogue/commitments/" + std::to_string(pid));
  EXPECT_EQ(p["progress_percent"], 50);  // one of two complete
  // Dropping the other leaves only the complete one.
  EXPECT_EQ(Post(mfa, children[1].get<std::string>() + "/updates",
                 {{"date", "2024-06-01"}, {"status", "dropped"}, {"text", "Not needed"}})
                .status,
            201);
  EXPECT_EQ(Get(mfa, "/api/v1/dialogue/commitments/" + std::to_string(pid))["progress_percent"],
            100);
  // An update dated before the meeting contradicts the record.
  EXPECT_EQ(Post(mfa, children[0].get<std::string>() + "/updates",
                 {{"date", "2023-01-01"}, {"status", "limited"}, {"text", "x"}})
                .status,
            422);
  EXPECT_EQ(Get(mfa, "/api/v1/dialogue/commitments?overdue=true")["items"].size(), 1u);
}

TEST_P(DialogueTest, MeetingsAndCommitmentsAreEditedByMergePatch) {
  Start();
  Browser mfa = SignIn("mfa.desk");
  Browser fwa = SignIn("fwa.officer");
  auto patch = [](Browser& b, const std::string& path, const json& body) {
    return b.http->Send("PATCH", path, body, b.Headers());
  };
  auto held = Post(mfa, "/api/v1/dialogue/meetings",
                   {{"number", 7}, {"date", "2024-03-01"}, {"city", "Astana"}, {"country", "KZ"}});
  ASSERT_EQ(held.status, 201) << held.body;
  auto planned = Post(mfa, "/api/v1/dialogue/meetings",
                      {{"number", 9},
                       {"date", "2030-06-01"},
                       {"city", "London"},
                       {"country", "UK"},
                       {"status", "planned"},
                       {"areas", {"economy"}}});
  ASSERT_EQ(planned.status, 201) << planned.body;
  const std::string path =
      "/api/v1/dialogue/meetings/" + std::to_string(planned.Json()["id"].get<long long>());

  // Held while its day is still ahead: refused, and nothing changes.
  auto early = patch(mfa, path, {{"status", "held"}});
  EXPECT_EQ(early.status, 422) << early.body;
  EXPECT_NE(early.body.find("in the future"), std::string::npos) << early.body;
  // The labour agencies read the record but do not edit it; unknown fields are named.
  EXPECT_EQ(patch(fwa, path, {{"summary", "x"}}).status, 403);
  auto unknown = patch(mfa, path, {{"venue", "Lancaster House"}});
  EXPECT_EQ(unknown.status, 400);
  EXPECT_NE(unknown.body.find("venue"), std::string::npos) << unknown.body;
  // Another meeting's number, or a date out of order with the 7th: refused.
  EXPECT_EQ(patch(mfa, path, {{"number", 7}}).status, 409);
  EXPECT_EQ(patch(mfa, path, {{"date", "2024-01-10"}, {"status", "held"}}).status, 422);
  const json unchanged = Get(mfa, path);
  EXPECT_EQ(unchanged["status"], "planned");
  EXPECT_EQ(unchanged["date"], "2030-06-01");

  // Brought forward and held: the fields sent change, the rest stay.
  auto done = patch(
      mfa, path,
      {{"date", "2026-01-15"},
       {"status", "held"},
       {"outcomes", "Agreed a roadmap on seasonal work"},
       {"co_chairs",
        {{{"side", "KZ"}, {"name", "A. Deputy"}}, {{"side", "UK"}, {"name", "B. Minister"}}}}});
  ASSERT_EQ(done.status, 200) << done.body;
  const json m = Get(mfa, path);
  EXPECT_EQ(m["status"], "held");
  EXPECT_EQ(m["date"], "2026-01-15");
  EXPECT_EQ(m["city"], "London");
  EXPECT_EQ(m["areas"], json({"economy"}));
  EXPECT_EQ(m["outcomes"], "Agreed a roadmap on seasonal work");
  ASSERT_EQ(m["co_chairs"].size(), 2u);
  EXPECT_EQ(m["co_chairs"][1]["name"], "B. Minister");
  const std::string changed = db_->Read([](store::Conn& c) {
    std::string detail;
    c.sql() << "SELECT detail FROM audit_events WHERE action = 'dialogue.meeting.update'",
        soci::into(detail);
    return detail;
  });
  EXPECT_EQ(json::parse(changed)["changed"], json({"date", "status", "co_chairs", "outcomes"}))
      << changed;

  // A commitment agreed there: its text and due date are edited; its status is not.
  auto k = Post(mfa, "/api/v1/dialogue/commitments",
                {{"meeting_id", m["id"]},
                 {"area", "economy"},
                 {"text", "Hold a forum"},
                 {"due_date", "2026-06-30"}});
  ASSERT_EQ(k.status, 201) << k.body;
  const std::string kpath =
      "/api/v1/dialogue/commitments/" + std::to_string(k.Json()["id"].get<long long>());
  EXPECT_EQ(patch(mfa, kpath, {{"status", "complete"}}).status, 400);
  EXPECT_EQ(patch(mfa, kpath, {{"due_date", "2025-12-31"}}).status, 422);  // before the meeting
  auto edited = patch(mfa, kpath,
                      {{"text", "Hold a business forum in Almaty"},
                       {"owner_agency", "uk-fcdo"},
                       {"due_date", "2026-03-31"}});
  ASSERT_EQ(edited.status, 200) << edited.body;
  EXPECT_EQ(edited.Json()["text"], "Hold a business forum in Almaty");
  EXPECT_EQ(edited.Json()["status"], "not_started");
  EXPECT_TRUE(edited.Json()["overdue"]);
  // The meeting cannot now move past what it agreed.
  auto late = patch(mfa, path, {{"date", "2026-05-01"}});
  EXPECT_EQ(late.status, 422);
  EXPECT_NE(late.body.find("2026-03-31"), std::string::npos) << late.body;
  EXPECT_EQ(patch(mfa, "/api/v1/dialogue/commitments/999999", {{"text", "x"}}).status, 404);
}

TEST_P(DialogueTest, BadInputIsRefusedAndNothingIsWritten) {
  Start();
  Browser mfa = SignIn("mfa.desk");
  const json good = {{"number", 8}, {"date", "2025-02-11"}, {"city", "London"}, {"country", "UK"}};
  ASSERT_EQ(Post(mfa, "/api/v1/dialogue/meetings", good).status, 201);
  struct Case {
    json body;
    int status;
  };
  const std::vector<Case> cases = {
      {good, 409},  // duplicate number
      {{{"number", 9}, {"date", "2024-01-01"}, {"city", "Astana"}, {"country", "KZ"}}, 422},
      {{{"date", "2025-13-01"}, {"city", "Astana"}, {"country", "KZ"}}, 400},  // no such date
      {{{"date", "2024-01-01"}, {"city", "Astana"}, {"country", "KZ"}, {"areas", {"sport"}}},
       400},                                                                   // unknown area
      {{{"date", "2099-01-01"}, {"city", "Astana"}, {"country", "KZ"}}, 422},  // held in future
      {{{"date", "2024-01-01"}, {"city", "Astana"}, {"country", "FR"}}, 400},
      {{{"date", "2024-01-01"}, {"city", "Astana"}, {"country", "KZ"}, {"mood", "good"}}, 400},
      {{{"date", "2024-01-01"},
        {"city", "Astana"},
        {"country", "KZ"},
        {"sources", {{{"url", "javascript:alert(1)"}}}}},
       400},
  };
  for (const auto& c : cases) {
    auto r = Post(mfa, "/api/v1/dialogue/meetings", c.body);
    EXPECT_EQ(r.status, c.status) << c.body.dump() << " -> " << r.body;
    EXPECT_EQ(r.Header("content-type"), "application/problem+json");
  }
  EXPECT_EQ(Count("dialogue_meetings"), 1);
  EXPECT_EQ(Count("dialogue_meeting_people"), 0);
  EXPECT_EQ(Count("dialogue_sources"), 0);
  // A commitment due before its meeting.
  EXPECT_EQ(
      Post(mfa, "/api/v1/dialogue/commitments",
           {{"meeting_id", 1}, {"area", "economy"}, {"text", "x"}, {"due_date", "2020-01-01"}})
          .status,
      422);
  EXPECT_EQ(Count("dialogue_commitments"), 0);
  EXPECT_EQ(Post(mfa, "/api/v1/dialogue/agreements",
                 {{"title", "x"}, {"kind", "pact"}, {"parties", {"KZ", "UK"}}})
                .status,
            400);
  EXPECT_EQ(Count("dialogue_agreements"), 0);
}

TEST_P(DialogueTest, BriefingPackAsHtmlMarkdownAndPdf) {
  Start();
  LoadDemo();
  Browser fcdo = SignIn("fcdo.desk");
  auto html = fcdo.http->Get("/api/v1/dialogue/briefing", fcdo.Headers(false));
  ASSERT_EQ(html.status, 200) << html.body;
  EXPECT_EQ(html.Header("content-type"), "text/html; charset=utf-8");
  EXPECT_NE(html.Header("content-security-policy").find("script-src"), 0u);
  EXPECT_EQ(html.Header("content-security-policy").find("script"), std::string::npos);
  for (const char* expected :
       {"9th meeting", "Strategic Partnership and Cooperation Agreement", "Labour migration",
        "/api/v1/dialogue/agreements/", "/api/v1/dialogue/commitments/", "<svg",
        "UK investment in Kazakhstan", "Intergovernmental Commission", "diplomatic relations",
        "@media print"}) {
    EXPECT_NE(html.body.find(expected), std::string::npos) << expected;
  }
  auto md = fcdo.http->Get("/api/v1/dialogue/briefing?format=md", fcdo.Headers(false));
  ASSERT_EQ(md.status, 200);
  EXPECT_EQ(md.Header("content-type"), "text/markdown; charset=utf-8");
  EXPECT_NE(md.body.find("](/api/v1/dialogue/agreements/"), std::string::npos);
  EXPECT_NE(md.body.find("Strategic Partnership and Cooperation Agreement"), std::string::npos);
  EXPECT_EQ(fcdo.http->Get("/api/v1/dialogue/briefing?format=doc", fcdo.Headers(false)).status,
            400);
  // In Kazakh by ?lang=, in the reader's own language without it; typed titles stay as typed.
  auto kk = fcdo.http->Get("/api/v1/dialogue/briefing?lang=kk", fcdo.Headers(false));
  ASSERT_EQ(kk.status, 200);
  for (const char* expected :
       {"<html lang=\"kk\">", "Брифинг пакеті: 9-отырыс", "ратификация күтілуде",
        "Бұрынғы отырыстардың міндеттемелері", "Strategic Partnership and Cooperation Agreement"}) {
    EXPECT_NE(kk.body.find(expected), std::string::npos) << expected;
  }
  EXPECT_EQ(kk.body.find("awaiting ratification"), std::string::npos);
  EXPECT_EQ(fcdo.http->Get("/api/v1/dialogue/briefing?lang=de", fcdo.Headers(false)).status, 400);
  ASSERT_EQ(fcdo.http->Send("PATCH", "/api/v1/me", {{"language", "ru"}}, fcdo.Headers()).status,
            200);
  auto ru = fcdo.http->Get("/api/v1/dialogue/briefing?format=md", fcdo.Headers(false));
  ASSERT_EQ(ru.status, 200);
  EXPECT_EQ(ru.body.rfind("# Брифинг-пакет: 9-е заседание", 0), 0u) << ru.body.substr(0, 200);
  ASSERT_EQ(fcdo.http->Send("PATCH", "/api/v1/me", {{"language", "en"}}, fcdo.Headers()).status,
            200);
  // Once the next meeting is planned, the pack names it and links to its record.
  auto planned = fcdo.http->Send("POST", "/api/v1/dialogue/meetings",
                                 {{"number", 9},
                                  {"date", "2199-03-01"},
                                  {"city", "Astana"},
                                  {"country", "KZ"},
                                  {"status", "planned"}},
                                 fcdo.Headers());
  ASSERT_EQ(planned.status, 201) << planned.body;
  const std::string planned_href =
      "/api/v1/dialogue/meetings/" + std::to_string(planned.Json()["id"].get<long long>());
  auto with_next = fcdo.http->Get("/api/v1/dialogue/briefing", fcdo.Headers(false));
  ASSERT_EQ(with_next.status, 200);
  EXPECT_NE(with_next.body.find("href=\"" + planned_href + "\""), std::string::npos);
  EXPECT_NE(with_next.body.find("Astana"), std::string::npos);
  // The CLI renders the same pack.
  kenes::testing::TempDir dir;
  auto cli = kenes::testing::RunKenes({"brief", "--next-meeting", "--format", "md", "--output",
                                       dir.path() + "/pack.md", "--database", tdb_->url()});
  ASSERT_EQ(cli.exit_code, 0) << cli.err;
  std::ifstream in(dir.path() + "/pack.md");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("Strategic Partnership and Cooperation Agreement"), std::string::npos);
  auto cli_ru = kenes::testing::RunKenes(
      {"brief", "--next-meeting", "--format", "md", "--lang", "ru", "--database", tdb_->url()});
  ASSERT_EQ(cli_ru.exit_code, 0) << cli_ru.err;
  EXPECT_EQ(cli_ru.out.rfind("# Брифинг-пакет: 9-е заседание", 0), 0u) << cli_ru.out;
  if (!dialogue::FindChromium()) GTEST_SKIP() << "no Chromium: the PDF is not checked";
  auto pdf = fcdo.http->Get("/api/v1/dialogue/briefing?format=pdf", fcdo.Headers(false));
  ASSERT_EQ(pdf.status, 200) << pdf.body.substr(0, 300);
  EXPECT_EQ(pdf.Header("content-type"), "application/pdf");
  EXPECT_EQ(pdf.body.rfind("%PDF-", 0), 0u);
}

TEST_P(DialogueTest, OnePdfPrintsAtATimeAndTheOthersAreTurnedAway) {
  // A stand-in for Chromium that says it started, then waits for the test's word and fails.
  kenes::testing::TempDir dir;
  const std::string started = dir.path() + "/started", gate = dir.path() + "/gate";
  const std::string script = dir.path() + "/chromium";
  {
    std::ofstream out(script);
    out << "#!/bin/sh\ntouch '" << started << "'\n"
        << "i=0; while [ ! -e '" << gate << "' ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i+1)); "
        << "done\nexit 1\n";
  }
  std::filesystem::permissions(script, std::filesystem::perms::owner_all);
  Start({}, {{"KENES_CHROMIUM", script}, {"KENES_SERVER_THREADS", "3"}});
  Browser fcdo = SignIn("fcdo.desk");
  HttpResult first;
  std::thread printing([&] {
    HttpClient http(server_->port());
    first = http.Get("/api/v1/dialogue/briefing?format=pdf", fcdo.Headers(false));
  });
  for (int i = 0; i < 600 && !std::filesystem::exists(started); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_TRUE(std::filesystem::exists(started));
  // While it prints: another PDF is 503 "busy"; the HTML pack and everything else still answer.
  auto second = fcdo.http->Get("/api/v1/dialogue/briefing?format=pdf", fcdo.Headers(false));
  EXPECT_EQ(second.status, 503) << second.body;
  EXPECT_NE(second.body.find("busy"), std::string::npos) << second.body;
  EXPECT_EQ(fcdo.http->Get("/api/v1/dialogue/briefing", fcdo.Headers(false)).status, 200);
  std::ofstream(gate).put('\n');
  printing.join();
  EXPECT_EQ(first.status, 503) << first.body;  // the stand-in wrote no PDF
  EXPECT_NE(first.body.find("Chromium exited"), std::string::npos) << first.body;
  // The slot is free again.
  std::filesystem::remove(started);
  auto third = fcdo.http->Get("/api/v1/dialogue/briefing?format=pdf", fcdo.Headers(false));
  EXPECT_EQ(third.status, 503);
  EXPECT_EQ(third.body.find("busy"), std::string::npos) << third.body;
}

TEST_P(DialogueTest, ImportIsAllOrNothingWithTheFileNamed) {
  Start();
  kenes::testing::TempDir dir;
  const std::string path = dir.path() + "/record.json";
  {
    std::ofstream out(path);
    out << R"({"meetings": [
  {"ref": "a", "date": "2020-01-01", "city": "Astana", "country": "KZ"},
  {"ref": "b", "date": "2021-01-01", "city": "London", "country": "UK", "areas": ["sport"]}
]})";
  }
  auto r = kenes::testing::RunKenes({"dialogue", "import", path, "--database", tdb_->url()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("record.json"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("sport"), std::string::npos) << r.err;
  EXPECT_EQ(Count("dialogue_meetings"), 0);
  {
    std::ofstream out(path);
    out << "{\n \"meetings\": [\n  {\"ref\": \"a\",}\n]}";
  }
  r = kenes::testing::RunKenes({"dialogue", "import", path, "--database", tdb_->url()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("record.json:3:"), std::string::npos) << r.err;
  // An agreement's history in any order in the file: applied in time order, so Kazakhstan's
  // domestic procedure (after the signature, before the ratification) is accepted.
  {
    std::ofstream out(path);
    out << R"({"agreements": [{"title": "Agreement on labour migration", "kind": "agreement",
  "parties": ["KZ", "UK"],
  "actions": [{"party": "KZ", "action": "ratification", "date": "2024-12-20"},
              {"party": "KZ", "action": "signature", "date": "2024-04-24"},
              {"party": "UK", "action": "signature", "date": "2024-04-24"}],
  "steps": [{"party": "KZ", "step": "presidential_signature", "date": "2024-12-20"},
            {"party": "KZ", "step": "senate", "date": "2024-11-14"},
            {"party": "KZ", "step": "mazhilis", "date": "2024-10-02"},
            {"party": "KZ", "step": "linguistic_expertise", "date": "2024-07-01"},
            {"party": "KZ", "step": "legal_expertise", "date": "2024-06-01"}]}]})";
  }
  r = kenes::testing::RunKenes({"dialogue", "import", path, "--database", tdb_->url()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Count("dialogue_procedure_steps"), 5);
  EXPECT_EQ(Count("dialogue_party_actions"), 3);
  Browser mfa = SignIn("mfa.desk");
  const json list = Get(mfa, "/api/v1/dialogue/agreements");
  ASSERT_EQ(list["items"].size(), 1u) << list.dump();
  EXPECT_EQ(list["items"][0]["status"], "partly_ratified");
}

INSTANTIATE_TEST_SUITE_P(Backends, DialogueTest,
                         ::testing::ValuesIn(kenes::testing::BackendNames()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace kenes::api
