// /api/v1/organisations (UK employers and farms, Kazakh recruitment agencies) and the placements
// of registry workers at employers (see api.h and registry/organisations.h).
#include "api/api.h"
#include "api/json_body.h"
#include "api/problem.h"
#include "api/route_util.h"

namespace kenes::api {

using nlohmann::json;

namespace {

json OrganisationJson(const registry::Organisation& o) {
  auto text_or_null = [](const std::string& v) { return v.empty() ? json(nullptr) : json(v); };
  return {{"id", o.id},
          {"kind", o.kind},
          {"name", o.name},
          {"country", o.country},
          {"region", o.region},
          {"address", o.address},
          {"licence_number", text_or_null(o.licence_number)},
          {"licence_status", text_or_null(o.licence_status)},
          {"sectors", o.sectors},
          {"notes", o.notes},
          {"created_by_agency", o.created_by_agency},
          {"created_at", o.created_at},
          {"updated_at", o.updated_at}};
}

json PlacementJson(const registry::Placement& p) {
  return {{"id", p.id},
          {"worker_id", p.worker_id},
          {"organisation_id", p.organisation_id},
          {"organisation_name", p.organisation_name},
          {"start_date", p.start_date},
          {"end_date", p.end_date.empty() ? json(nullptr) : json(p.end_date)},
          {"recorded_at", p.recorded_at}};
}

}  // namespace

void Api::AddOrganisationRoutes() {
  Add("GET", "/api/v1/organisations", [this](RequestContext& ctx) {
    json items = json::array();
    for (const auto& o : Ok(organisations_.Search(ctx.who(), ctx.Query("kind").value_or(""),
                                                  ctx.Query("q").value_or("")))) {
      items.push_back(OrganisationJson(o));
    }
    return JsonResponse(200, {{"items", items}});
  });

  Add("POST", "/api/v1/organisations", [this](RequestContext& ctx) {
    auto body = JsonBody::Parse(ctx.request);
    registry::NewOrganisation n;
    n.kind = body.RequiredString("kind", 20);
    n.name = body.RequiredString("name", 300);
    n.region = body.OptionalString("region", 200).value_or("");
    n.address = body.OptionalString("address", 500).value_or("");
    n.licence_number = body.OptionalString("licence_number", 60).value_or("");
    n.licence_status = body.OptionalString("licence_status", 20).value_or("");
    n.notes = body.OptionalString("notes", 5000).value_or("");
    n.sectors = body.OptionalStringArray("sectors", 20, 100).value_or(std::vector<std::string>{});
    body.Finish();
    const auto o = Ok(organisations_.Create(ctx.who(), n, ctx.request_id));
    HttpResponse r = JsonResponse(201, OrganisationJson(o));
    r.Set("Location", "/api/v1/organisations/" + std::to_string(o.id));
    return r;
  });

  Add("GET", "/api/v1/organisations/{organisation_id}", [this](RequestContext& ctx) {
    return JsonResponse(
        200, OrganisationJson(Ok(organisations_.Get(ctx.who(), ctx.IdParam("organisation_id")))));
  });

  Add("PATCH", "/api/v1/organisations/{organisation_id}", [this](RequestContext& ctx) {
    const long long id = ctx.IdParam("organisation_id");
    auto body = JsonBody::Parse(ctx.request);
    registry::OrganisationUpdate u;
    u.name = body.OptionalString("name", 300);
    u.region = body.OptionalString("region", 200);
    u.address = body.OptionalString("address", 500);
    u.licence_number = body.OptionalString("licence_number", 60);
    u.licence_status = body.OptionalString("licence_status", 20);
    u.notes = body.OptionalString("notes", 5000);
    u.sectors = body.OptionalStringArray("sectors", 20, 100);
    body.Finish();
    return JsonResponse(
        200, OrganisationJson(Ok(organisations_.Update(ctx.who(), id, u, ctx.request_id))));
  });

  Add("GET", "/api/v1/workers/{worker_id}/placements", [this](RequestContext& ctx) {
    json items = json::array();
    for (const auto& p : Ok(organisations_.Placements(ctx.who(), ctx.IdParam("worker_id")))) {
      items.push_back(PlacementJson(p));
    }
    return JsonResponse(200, {{"items", items}});
  });

  Add("POST", "/api/v1/workers/{worker_id}/placements", [this](RequestContext& ctx) {
    const long long worker = ctx.IdParam("worker_id");
    auto body = JsonBody::Parse(ctx.request);
    const long long organisation = body.RequiredInt("organisation_id", 1, 1'000'000'000'000LL);
    const std::string start = body.RequiredString("start_date", 10);
    const std::string end = body.OptionalString("end_date", 10).value_or("");
    body.Finish();
    return JsonResponse(201, PlacementJson(Ok(organisations_.Place(ctx.who(), worker, organisation,
                                                                   start, end, ctx.request_id))));
  });
}

}  // namespace kenes::api
