// The labour-rights half of the demo (demo/cases.json): providers, farms and agencies, workers in
// both agencies' registries, cases at every step of the workflow, public reports and referrals
// both ways. Everything goes through the services, as an officer's clicks would, so the data is
// sealed, audited and on the timelines like any other; only the clock is set back so that the
// dashboards have months and the triage deadlines have passed.
#include <chrono>
#include <map>
#include <nlohmann/json.hpp>

#include "app/platform.h"
#include "auth/accounts.h"
#include "cases/cases_service.h"
#include "registry/organisations.h"
#include "registry/providers.h"
#include "registry/registry_service.h"

namespace kenes::app {
namespace {

using nlohmann::json;

// A clock the loader moves: each step happens `days_ago` before the load, a minute after the
// step before it on the same day.
class DemoClock final : public core::Clock {
 public:
  explicit DemoClock(core::TimePoint load) : load_(load), now_(load) {}
  core::TimePoint Now() const override { return now_; }
  void DaysAgo(int days) {
    now_ = load_ - std::chrono::hours(24 * days) + std::chrono::minutes(++step_);
  }

 private:
  core::TimePoint load_, now_;
  int step_ = 0;
};

template <typename T>
T OrThrow(core::Result<T> r) {
  if (!r) throw core::Failure(r.error());
  return std::move(*r);
}

// The provider register CSV for the demo providers, one row per status in their history.
std::string ProvidersCsv(const json& providers) {
  std::string csv =
      "licence_number,name,status,effective_from,expires_on,sectors,"
      "principal_authority\n";
  for (const auto& p : providers) {
    for (const auto& h : p.at("history")) {
      csv += p.at("licence_number").get<std::string>() + ",\"" + p.at("name").get<std::string>() +
             "\"," + h.at("status").get<std::string>() + "," +
             h.at("effective_from").get<std::string>() + "," + h.value("expires_on", "") + "," +
             p.value("sectors", "") + "," + p.value("principal_authority", "") + "\n";
    }
  }
  return csv;
}

}  // namespace

core::Result<std::string> LoadDemoCases(store::Database& db, const registry::DataKey& key,
                                        const std::string& request_id) {
  const auto record = json::parse(CasesDemoRecord());
  const auth::Principal system = auth::SystemPrincipal();
  DemoClock clock(core::SystemClock().Now());
  registry::ProviderRegister providers(db, clock);
  registry::RegistryService registry(db, clock, &key);
  if (auto ok = registry.CheckKey(); !ok) return tl::unexpected(ok.error());
  // The demo providers are the marker: present means the demo cases were loaded before.
  const auto first_licence = record.at("providers").at(0).at("licence_number").get<std::string>();
  if (auto found = providers.Check(system, first_licence, "2026-01-01")) {
    return std::string("Labour-rights demo: already loaded");
  } else if (found.error().code != core::ErrorCode::kNotFound) {
    return tl::unexpected(found.error());
  }
  try {
    auth::Accounts accounts(db, core::AuthConfig{}, clock);
    std::map<std::string, auth::Principal> people;
    auto as = [&](const json& username) -> const auth::Principal& {
      const auto name = username.get<std::string>();
      if (!people.count(name)) people[name] = DemoPrincipal(accounts, name);
      return people[name];
    };
    registry::OrganisationRegister organisations(db, clock);
    cases::CasesService cases(db, clock, &key);

    clock.DaysAgo(90);
    OrThrow(providers.Import(system, ProvidersCsv(record.at("providers")), request_id));
    std::map<std::string, long long> provider_ids, organisation_ids, worker_ids, case_ids;
    for (const auto& p : OrThrow(providers.Search(system, "DEMO/")))
      provider_ids[p.licence_number] = p.id;

    for (const auto& o : record.at("organisations")) {
      registry::NewOrganisation n;
      n.kind = o.at("kind");
      n.name = o.at("name");
      n.region = o.value("region", "");
      n.address = o.value("address", "");
      n.licence_number = o.value("licence_number", "");
      n.licence_status = o.value("licence_status", "");
      n.notes = o.value("notes", "");
      n.sectors = o.value("sectors", std::vector<std::string>{});
      organisation_ids[o.at("key")] =
          OrThrow(organisations.Create(as(o.at("user")), n, request_id)).id;
    }

    clock.DaysAgo(85);
    for (const auto& w : record.at("workers")) {
      registry::WorkerInput in;
      for (size_t f = 0; f < registry::kPersonalFieldCount; ++f) {
        const auto it = w.at("personal").find(registry::kPersonalFields[f]);
        if (it != w.at("personal").end()) in.personal[f] = it->get<std::string>();
      }
      in.visa_route = w.value("visa_route", "");
      in.visa_start = w.value("visa_start", "");
      in.visa_end = w.value("visa_end", "");
      in.recruitment_agency = w.value("recruitment_agency", "");
      in.scheme_operator = w.value("scheme_operator", "");
      const auto& officer = as(w.at("user"));
      const long long id = OrThrow(registry.Create(officer, in, request_id)).id;
      worker_ids[w.at("key")] = id;
      if (w.contains("placement")) {
        const auto& p = w.at("placement");
        OrThrow(organisations.Place(officer, id, organisation_ids.at(p.at("organisation")),
                                    p.at("start_date"), p.value("end_date", ""), request_id));
      }
    }

    for (const auto& k : record.at("cases")) {
      clock.DaysAgo(k.at("days_ago"));
      const auto& officer = as(k.at("user"));
      cases::NewCase n;
      n.source = k.at("source");
      n.language = k.value("language", "en");
      n.what_happened = k.at("what_happened");
      if (k.contains("worker")) {
        n.worker_id = worker_ids.at(k.at("worker"));
        const auto& p = record.at("workers");
        for (const auto& w : p) {
          if (w.at("key") != k.at("worker")) continue;
          n.worker_name = w.at("personal").at("given_name").get<std::string>() + " " +
                          w.at("personal").at("family_name").get<std::string>();
          n.date_of_birth = w.at("personal").at("date_of_birth");
        }
      }
      n.provider_name = k.value("provider_name", "");
      n.employer_name = k.value("employer_name", "");
      n.location = k.value("location", "");
      n.categories = k.value("categories", std::vector<std::string>{});
      n.indicators = k.value("indicators", cases::IndicatorFlags{});
      const long long id = OrThrow(cases.Create(officer, n, request_id)).id;
      case_ids[k.at("key")] = id;
      for (const auto& s : k.value("subjects", json::array())) {
        const std::string kind = s.at("kind");
        const long long ref =
            kind == "provider" ? provider_ids.at(s.at("ref")) : organisation_ids.at(s.at("ref"));
        OrThrow(cases.AddSubject(officer, id, kind, ref, s.at("role"), request_id));
      }
      for (const auto& step : k.value("steps", json::array())) {
        clock.DaysAgo(step.at("days_ago"));
        const auto& actor = as(step.at("user"));
        if (step.contains("note")) OrThrow(cases.AddNote(actor, id, step.at("note"), request_id));
        cases::CaseUpdate u;
        if (step.contains("status")) u.status = step.at("status");
        if (step.contains("assign")) u.assigned_to = as(step.at("assign")).user_id;
        if (step.contains("closed_reason")) u.closed_reason = step.at("closed_reason");
        OrThrow(cases.Update(actor, id, u, request_id));
      }
    }

    int reports = 0;
    for (const auto& r : record.at("public_reports")) {
      clock.DaysAgo(r.at("days_ago"));
      cases::PublicReport p;
      p.language = r.at("language");
      p.recipient = r.at("recipient");
      p.what_happened = r.at("what_happened");
      p.categories = r.value("categories", std::vector<std::string>{});
      p.provider_name = r.value("provider_name", "");
      p.location = r.value("location", "");
      p.contact = r.value("contact", "");
      OrThrow(cases.SubmitPublicReport(p, "demo-" + std::to_string(++reports), request_id));
    }

    for (const auto& r : record.at("referrals")) {
      clock.DaysAgo(r.at("days_ago"));
      cases::NewReferral n;
      n.to_agency = r.at("to_agency");
      n.purpose = r.at("purpose");
      n.legal_basis = r.at("legal_basis");
      n.fields = r.at("fields").get<std::vector<std::string>>();
      n.consent = r.value("consent", false);
      const long long id =
          OrThrow(cases.Refer(as(r.at("user")), case_ids.at(r.at("case")), n, request_id)).id;
      for (const auto& reply : r.value("replies", json::array())) {
        clock.DaysAgo(reply.at("days_ago"));
        const auto& actor = as(reply.at("user"));
        if (reply.contains("action"))
          OrThrow(
              cases.Respond(actor, id, reply.at("action"), reply.value("reason", ""), request_id));
        if (reply.contains("message"))
          OrThrow(cases.AddMessage(actor, id, reply.at("message"), request_id));
      }
    }
    return "Labour-rights demo: " + std::to_string(provider_ids.size()) + " providers, " +
           std::to_string(organisation_ids.size()) + " employers and agencies, " +
           std::to_string(worker_ids.size()) + " workers, " +
           std::to_string(case_ids.size() + static_cast<size_t>(reports)) + " cases, " +
           std::to_string(record.at("referrals").size()) + " referrals (illustrative)";
  } catch (const core::Failure& f) {
    return tl::unexpected(f.error());
  }
}

}  // namespace kenes::app
