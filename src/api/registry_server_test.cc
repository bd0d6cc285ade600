// Black-box tests of the register of organisations (UK employers and farms, Kazakh recruitment
// agencies), workers' placements at employers, and the subjects of a case, on the real server and
// on SQLite and PostgreSQL: who may read and write, bad input refused with nothing written, and
// duplicates found through shared subjects.
#include "api/server_fixture.h"

namespace kenes::api {
namespace {

class RegistryServerTest : public ServerTest {
 protected:
  void StartWithKey() {
    key_ = dir_.path() + "/data.key";
    ASSERT_EQ(kenes::testing::RunKenes({"data-key", "create", "--output", key_}).exit_code, 0);
    Start({}, {{"KENES_DATA_KEY_FILE", key_}});
  }
  HttpResult Post(Browser& b, const std::string& path, const json& body) {
    return b.http->Send("POST", path, body, b.Headers());
  }
  long long Created(Browser& b, const std::string& path, const json& body) {
    auto r = Post(b, path, body);
    EXPECT_EQ(r.status, 201) << path << " " << body.dump() << " -> " << r.body;
    return r.status == 201 ? r.Json().value("id", 0LL) : 0;
  }
  long long Rows() {
    return Count("organisations") + Count("worker_placements") + Count("case_subject_links");
  }
  kenes::testing::TempDir dir_;
  std::string key_;
};

TEST_P(RegistryServerTest, OrganisationsAreReadByAllAndKeptByOfficers) {
  StartWithKey();
  Browser fwa = SignIn("fwa.officer");
  const long long farm = Created(fwa, "/api/v1/organisations",
                                 {{"kind", "employer"},
                                  {"name", "Hillside Berry Farm"},
                                  {"region", "Herefordshire"},
                                  {"sectors", {"horticulture"}}});
  Browser mlsp = SignIn("mlsp.officer");
  const long long agency = Created(mlsp, "/api/v1/organisations",
                                   {{"kind", "kz_agency"},
                                    {"name", "Astana Work Abroad LLP"},
                                    {"region", "Astana"},
                                    {"licence_number", "KZ-PEA-0042"},
                                    {"licence_status", "licensed"}});
  ASSERT_GT(farm, 0);
  ASSERT_GT(agency, 0);
  // Everyone signed in reads both, with the country the kind implies.
  for (const char* who : {"mfa.desk", "mlsp.auditor", "fcdo.desk"}) {
    Browser b = SignIn(who);
    auto r = b.http->Get("/api/v1/organisations/" + std::to_string(farm), b.Headers(false));
    ASSERT_EQ(r.status, 200) << who << r.body;
    EXPECT_EQ(r.Json()["country"], "GB");
    EXPECT_EQ(r.Json()["licence_number"], nullptr);
  }
  auto list = fwa.http->Get("/api/v1/organisations?kind=kz_agency&q=astana", fwa.Headers(false));
  ASSERT_EQ(list.status, 200);
  ASSERT_EQ(list.Json()["items"].size(), 1u);
  EXPECT_EQ(list.Json()["items"][0]["country"], "KZ");
  EXPECT_EQ(list.Json()["items"][0]["licence_status"], "licensed");
  EXPECT_EQ(
      fwa.http->Get("/api/v1/organisations?q=berry", fwa.Headers(false)).Json()["items"].size(),
      1u);
  // A licence suspended: recorded and audited.
  auto patched = fwa.http->Send("PATCH", "/api/v1/organisations/" + std::to_string(agency),
                                {{"licence_status", "suspended"}}, fwa.Headers());
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(patched.Json()["licence_status"], "suspended");
  EXPECT_EQ(Count("audit_events WHERE action LIKE 'registry.organisation.%'"), 3);
  // Auditors and desk officers read but do not write.
  Browser auditor = SignIn("mlsp.auditor");
  EXPECT_EQ(Post(auditor, "/api/v1/organisations", {{"kind", "employer"}, {"name", "X"}}).status,
            403);
  EXPECT_EQ(fwa.http->Get("/api/v1/organisations/999999", fwa.Headers(false)).status, 404);
}

TEST_P(RegistryServerTest, BadOrganisationsAreRefusedAndNothingIsWritten) {
  StartWithKey();
  Browser mlsp = SignIn("mlsp.officer");
  ASSERT_GT(Created(mlsp, "/api/v1/organisations",
                    {{"kind", "kz_agency"}, {"name", "Shymkent Jobs"}, {"licence_number", "L-1"}}),
            0);
  const long long before = Rows();
  struct Case {
    json body;
    int status;
  };
  for (const auto& c : std::vector<Case>{
           {{{"kind", "farm"}, {"name", "X"}}, 400},                               // unknown kind
           {{{"kind", "employer"}}, 400},                                          // no name
           {{{"kind", "employer"}, {"name", ""}}, 400},                            // empty name
           {{{"kind", "employer"}, {"name", "X"}, {"licence_number", "L"}}, 400},  // not licensed
           {{{"kind", "kz_agency"}, {"name", "X"}, {"licence_status", "maybe"}}, 400},
           {{{"kind", "kz_agency"}, {"name", "Again"}, {"licence_number", "L-1"}}, 409},
           {{{"kind", "employer"}, {"name", "<script>alert(1)</script>"}}, 400},
           {{{"kind", "employer"}, {"name", std::string(301, 'a')}}, 400},
           {{{"kind", "employer"}, {"name", "X"}, {"owner", "me"}}, 400},  // unknown field
       }) {
    auto r = Post(mlsp, "/api/v1/organisations", c.body);
    EXPECT_EQ(r.status, c.status) << c.body.dump().substr(0, 120) << " -> " << r.body;
    EXPECT_EQ(r.Header("content-type"), "application/problem+json");
  }
  EXPECT_EQ(Rows(), before);
  EXPECT_EQ(mlsp.http->Get("/api/v1/organisations?kind=nope", mlsp.Headers(false)).status, 400);
}

TEST_P(RegistryServerTest, WorkersArePlacedAtEmployersOfTheirAgencyOnly) {
  StartWithKey();
  Browser fwa = SignIn("fwa.officer");
  const long long worker = Created(
      fwa, "/api/v1/workers",
      {{"given_name", "Aigerim"}, {"family_name", "Sultanova"}, {"date_of_birth", "1998-03-14"}});
  const long long farm =
      Created(fwa, "/api/v1/organisations", {{"kind", "employer"}, {"name", "Orchard Ltd"}});
  const long long kz =
      Created(fwa, "/api/v1/organisations", {{"kind", "kz_agency"}, {"name", "Almaty Recruit"}});
  const std::string path = "/api/v1/workers/" + std::to_string(worker) + "/placements";
  auto placed =
      Post(fwa, path,
           {{"organisation_id", farm}, {"start_date", "2025-05-01"}, {"end_date", "2025-10-31"}});
  ASSERT_EQ(placed.status, 201) << placed.body;
  EXPECT_EQ(placed.Json()["organisation_name"], "Orchard Ltd");
  const long long before = Rows();
  EXPECT_EQ(
      Post(fwa, path,
           {{"organisation_id", farm}, {"start_date", "2025-05-01"}, {"end_date", "2025-04-01"}})
          .status,
      400);  // ends before it starts
  EXPECT_EQ(Post(fwa, path, {{"organisation_id", farm}, {"start_date", "1 May"}}).status, 400);
  EXPECT_EQ(Post(fwa, path, {{"organisation_id", kz}, {"start_date", "2025-05-01"}}).status,
            404);  // not an employer
  // The other agency sees neither the worker nor a way to place them.
  Browser mlsp = SignIn("mlsp.officer");
  EXPECT_EQ(Post(mlsp, path, {{"organisation_id", farm}, {"start_date", "2025-05-01"}}).status,
            404);
  EXPECT_EQ(mlsp.http->Get(path, mlsp.Headers(false)).status, 404);
  EXPECT_EQ(Rows(), before);
  auto list = fwa.http->Get(path, fwa.Headers(false));
  ASSERT_EQ(list.status, 200);
  ASSERT_EQ(list.Json()["items"].size(), 1u);
  EXPECT_EQ(list.Json()["items"][0]["end_date"], "2025-10-31");
}

TEST_P(RegistryServerTest, WorkersAreCorrectedResealedAndReindexed) {
  StartWithKey();
  Browser fwa = SignIn("fwa.officer");
  const long long worker = Created(fwa, "/api/v1/workers",
                                   {{"given_name", "Aigerim"},
                                    {"family_name", "Sultanova"},
                                    {"iin", "990702413772"},
                                    {"passport_number", "N11111111"},
                                    {"phone", "+447700900001"},
                                    {"visa_route", "seasonal"}});
  const std::string path = "/api/v1/workers/" + std::to_string(worker);
  auto patch = [&](Browser& b, const json& body) {
    return b.http->Send("PATCH", path, body, b.Headers());
  };
  // A wrong IIN, an unknown field: refused, and the record is as it was.
  auto bad = patch(fwa, {{"iin", "990702413773"}});
  EXPECT_EQ(bad.status, 422) << bad.body;
  EXPECT_EQ(patch(fwa, {{"nickname", "Aika"}}).status, 400);
  // Another agency cannot find the worker to correct; an analyst may not write.
  Browser mlsp = SignIn("mlsp.officer");
  EXPECT_EQ(patch(mlsp, {{"phone", "+1"}}).status, 404);
  EXPECT_EQ(fwa.http->Get(path, fwa.Headers(false)).Json()["phone"], "+447700900001");

  // A new passport and phone, the patronymic added, the visa route cleared.
  auto fixed = patch(fwa, {{"passport_number", "n 22222222"},
                           {"phone", "+447700900002"},
                           {"patronymic", "Serikovna"},
                           {"visa_route", ""}});
  ASSERT_EQ(fixed.status, 200) << fixed.body;
  const json w = fwa.http->Get(path, fwa.Headers(false)).Json();
  EXPECT_EQ(w["passport_number"], "N22222222");  // normalised as on creation
  EXPECT_EQ(w["phone"], "+447700900002");
  EXPECT_EQ(w["patronymic"], "Serikovna");
  EXPECT_EQ(w["given_name"], "Aigerim");  // not sent: kept
  EXPECT_EQ(w["date_of_birth"], "1999-07-02");
  EXPECT_EQ(w["visa_route"], "");
  // The blind index follows: the old passport finds nobody, the new one the worker.
  EXPECT_EQ(fwa.http->Get("/api/v1/workers?passport=N11111111", fwa.Headers(false))
                .Json()["items"]
                .size(),
            0u);
  EXPECT_EQ(fwa.http->Get("/api/v1/workers?passport=N22222222", fwa.Headers(false))
                .Json()["items"][0]["id"],
            worker);
  // null clears a personal field.
  ASSERT_EQ(patch(fwa, {{"phone", nullptr}}).status, 200);
  EXPECT_TRUE(fwa.http->Get(path, fwa.Headers(false)).Json()["phone"].is_null());
  // Audited with the names of what changed, never the values; nothing in plaintext at rest.
  const std::string detail = db_->Read([&](store::Conn& c) {
    std::string d;
    c.sql() << "SELECT detail FROM audit_events WHERE action = 'registry.worker.update'"
               " ORDER BY seq LIMIT 1",
        soci::into(d);
    return d;
  });
  EXPECT_EQ(json::parse(detail)["changed"],
            json({"patronymic", "passport_number", "phone", "visa_route"}));
  EXPECT_EQ(detail.find("2222"), std::string::npos);
  const long long plain = db_->Read([&](store::Conn& c) {
    long long n = 0;
    c.sql() << "SELECT COUNT(*) FROM workers WHERE passport_number LIKE '%2222%'"
               " OR patronymic LIKE '%Serik%'",
        soci::into(n);
    return n;
  });
  EXPECT_EQ(plain, 0);
}

TEST_P(RegistryServerTest, CasesNameSeveralWorkersTheProviderEmployerAndAgency) {
  StartWithKey();
  Browser fwa = SignIn("fwa.officer");
  auto worker = [&](const char* name) {
    return Created(fwa, "/api/v1/workers", {{"given_name", name}, {"family_name", "Bekov"}});
  };
  const long long w1 = worker("Nurlan"), w2 = worker("Dana");
  const long long farm =
      Created(fwa, "/api/v1/organisations", {{"kind", "employer"}, {"name", "Hill Farm"}});
  const long long kz =
      Created(fwa, "/api/v1/organisations", {{"kind", "kz_agency"}, {"name", "Steppe Jobs"}});
  auto headers = fwa.Headers();
  headers["Content-Type"] = "text/csv";
  auto imported = fwa.http->Request(
      "POST", "/api/v1/providers/import",
      "licence_number,name,status,effective_from\nEARL0002,Earl Labour,licensed,2020-01-01\n",
      headers);
  ASSERT_EQ(imported.status, 200) << imported.body;
  const long long provider = fwa.http->Get("/api/v1/providers?q=EARL", fwa.Headers(false))
                                 .Json()["items"][0]["id"]
                                 .get<long long>();
  auto open_case = [&]() {
    return Created(fwa, "/api/v1/cases",
                   {{"source", "hotline"}, {"what_happened", "Two workers were not paid."}});
  };
  const long long first = open_case(), second = open_case();
  const std::string subjects = "/api/v1/cases/" + std::to_string(first) + "/subjects";
  for (const json& s :
       {json{{"kind", "worker"}, {"id", w1}, {"role", "worker"}},
        json{{"kind", "worker"}, {"id", w2}, {"role", "worker"}},
        json{{"kind", "provider"}, {"id", provider}, {"role", "scheme_operator"}},
        json{{"kind", "organisation"}, {"id", farm}, {"role", "employer"}},
        json{{"kind", "organisation"}, {"id", kz}, {"role", "recruitment_agency"}}}) {
    auto r = Post(fwa, subjects, s);
    ASSERT_EQ(r.status, 201) << s.dump() << " -> " << r.body;
  }
  auto k = fwa.http->Get("/api/v1/cases/" + std::to_string(first), fwa.Headers(false)).Json();
  ASSERT_EQ(k["subjects"].size(), 5u);
  EXPECT_EQ(k["subjects"][0]["name"], nullptr);  // workers' names stay sealed
  EXPECT_EQ(k["subjects"][2]["name"], "Earl Labour");
  EXPECT_EQ(k["subjects"][3]["name"], "Hill Farm");
  EXPECT_EQ(k["subjects"][4]["role"], "recruitment_agency");
  EXPECT_EQ(k["timeline"].back()["kind"], "subject");

  const long long before = Rows();
  Browser mlsp = SignIn("mlsp.officer");
  const long long theirs = Created(mlsp, "/api/v1/workers", {{"given_name", "Erlan"}});
  for (const auto& [body, status] : std::vector<std::pair<json, int>>{
           {{{"kind", "worker"}, {"id", w1}, {"role", "worker"}}, 409},          // twice
           {{{"kind", "worker"}, {"id", theirs}, {"role", "worker"}}, 404},      // other agency
           {{{"kind", "organisation"}, {"id", kz}, {"role", "employer"}}, 400},  // role mismatch
           {{{"kind", "provider"}, {"id", provider}, {"role", "employer"}}, 400},
           {{{"kind", "farm"}, {"id", farm}, {"role", "employer"}}, 400},
           {{{"kind", "organisation"}, {"id", 999999}, {"role", "employer"}}, 404},
           {{{"kind", "worker"}, {"role", "worker"}}, 400}}) {
    auto r = Post(fwa, subjects, body);
    EXPECT_EQ(r.status, status) << body.dump() << " -> " << r.body;
  }
  // The partner agency cannot touch the case at all.
  EXPECT_EQ(Post(mlsp, subjects, {{"kind", "worker"}, {"id", theirs}, {"role", "worker"}}).status,
            404);
  EXPECT_EQ(Rows(), before);

  // A second open case about the same farm is flagged as a possible duplicate of the first.
  ASSERT_EQ(Post(fwa, "/api/v1/cases/" + std::to_string(second) + "/subjects",
                 {{"kind", "organisation"}, {"id", farm}, {"role", "employer"}})
                .status,
            201);
  auto again = fwa.http->Get("/api/v1/cases/" + std::to_string(second), fwa.Headers(false)).Json();
  EXPECT_EQ(again["possible_duplicates"], json::array({first}));
}

INSTANTIATE_TEST_SUITE_P(Backends, RegistryServerTest,
                         ::testing::ValuesIn(kenes::testing::BackendNames()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace kenes::api
