// The /api/v1/library routes, their public read-only mirror and /api/v1/search (see api.h).
#include <cctype>

#include "api/api.h"
#include "api/json_body.h"
#include "api/problem.h"
#include "api/route_util.h"

namespace kenes::api {

using nlohmann::json;

namespace {

constexpr long long kMaxId = 1'000'000'000'000LL;

search::Visibility VisibilityParam(const std::string& v) {
  const auto parsed = search::ParseVisibility(v);
  if (!parsed) {
    Throw(core::ErrorCode::kUnprocessable,
          "visibility must be \"agency\", \"shared\" or \"public\"", "invalid-visibility");
  }
  return *parsed;
}

// `signed_in` false: the public view, which names no staff.
json DocumentJson(const library::Document& d, bool full, bool signed_in) {
  const std::string base = "/api/v1/library/documents/" + std::to_string(d.id);
  json j = {{"id", d.id},
            {"agency", d.agency},
            {"visibility", search::VisibilityName(d.visibility)},
            {"language", d.language},
            {"title", d.title},
            {"summary", d.summary},
            {"tags", d.tags},
            {"translation_of", d.translation_of ? json(*d.translation_of) : json(nullptr)},
            {"version", d.version},
            {"created_at", d.created_at},
            {"updated_at", d.updated_at}};
  if (signed_in) {
    j["created_by"] = d.created_by;
    j["updated_by"] = d.updated_by;
  }
  if (!full) return j;
  j["body"] = d.body;
  json translations = json::array();
  for (const auto& t : d.translations) {
    translations.push_back({{"id", t.id}, {"language", t.language}, {"title", t.title}});
  }
  j["translations"] = translations;
  if (signed_in) {
    j["html"] = base + "/html";
    json files = json::array();
    for (const auto& a : d.attachments) {
      files.push_back({{"sha256", a.sha256},
                       {"name", a.name},
                       {"media_type", a.media_type},
                       {"size", a.size},
                       {"at", a.at},
                       {"author", a.author},
                       {"href", base + "/attachments/" + a.sha256}});
    }
    j["attachments"] = files;
  }
  return j;
}

json VersionJson(const library::Version& v, bool with_body) {
  json j = {{"document_id", v.document_id},
            {"version", v.version},
            {"language", v.language},
            {"title", v.title},
            {"summary", v.summary},
            {"visibility", search::VisibilityName(v.visibility)},
            {"tags", v.tags},
            {"at", v.at},
            {"author", v.author}};
  if (with_body) j["body"] = v.body;
  return j;
}

library::ListFilter ListFilterOf(const RequestContext& ctx) {
  library::ListFilter f;
  f.language = ctx.Query("language");
  f.tag = ctx.Query("tag");
  if (auto v = ctx.Query("visibility")) f.visibility = VisibilityParam(*v);
  f.limit = static_cast<int>(ctx.QueryInt("limit", 1, 500).value_or(100));
  return f;
}

}  // namespace

void Api::AddLibraryRoutes() {
  Add("POST", "/api/v1/library/documents", [this](RequestContext& ctx) {
    auto body = JsonBody::Parse(ctx.request);
    library::NewDocument n;
    n.title = body.RequiredString("title", library::LibraryService::kMaxTitleBytes);
    n.summary =
        body.OptionalString("summary", library::LibraryService::kMaxSummaryBytes).value_or("");
    n.language = body.RequiredString("language", 8);
    n.body = body.RequiredString("body", library::LibraryService::kMaxBodyBytes);
    n.visibility = VisibilityParam(body.OptionalString("visibility", 16).value_or("agency"));
    n.tags = body.OptionalStringArray("tags", library::LibraryService::kMaxTags, 100)
                 .value_or(std::vector<std::string>{});
    n.translation_of = body.OptionalInt("translation_of", 1, kMaxId);
    body.Finish();
    const auto d = Ok(library_.Create(ctx.who(), n, ctx.request_id));
    HttpResponse r = JsonResponse(201, DocumentJson(d, true, true));
    r.Set("Location", "/api/v1/library/documents/" + std::to_string(d.id));
    return r;
  });

  Add("GET", "/api/v1/library/documents", [this](RequestContext& ctx) {
    json items = json::array();
    for (const auto& d : Ok(library_.List(&ctx.who(), ListFilterOf(ctx)))) {
      items.push_back(DocumentJson(d, false, true));
    }
    return JsonResponse(200, {{"items", items}});
  });

  Add("GET", "/api/v1/library/documents/{document_id}", [this](RequestContext& ctx) {
    return JsonResponse(
        200, DocumentJson(Ok(library_.Get(&ctx.who(), ctx.IdParam("document_id"))), true, true));
  });

  // A new version; the old one stays readable under /versions.
  Add("PATCH", "/api/v1/library/documents/{document_id}", [this](RequestContext& ctx) {
    const long long id = ctx.IdParam("document_id");
    auto body = JsonBody::Parse(ctx.request);
    library::DocumentUpdate u;
    u.title = body.OptionalString("title", library::LibraryService::kMaxTitleBytes);
    u.summary = body.OptionalString("summary", library::LibraryService::kMaxSummaryBytes);
    u.language = body.OptionalString("language", 8);
    u.body = body.OptionalString("body", library::LibraryService::kMaxBodyBytes);
    if (auto v = body.OptionalString("visibility", 16)) u.visibility = VisibilityParam(*v);
    u.tags = body.OptionalStringArray("tags", library::LibraryService::kMaxTags, 100);
    u.base_version = body.OptionalInt("base_version", 1, kMaxId);
    body.Finish();
    return JsonResponse(
        200, DocumentJson(Ok(library_.Update(ctx.who(), id, u, ctx.request_id)), true, true));
  });

  Add("GET", "/api/v1/library/documents/{document_id}/versions", [this](RequestContext& ctx) {
    json items = json::array();
    for (const auto& v : Ok(library_.Versions(&ctx.who(), ctx.IdParam("document_id")))) {
      items.push_back(VersionJson(v, false));
    }
    return JsonResponse(200, {{"items", items}});
  });

  Add("GET", "/api/v1/library/documents/{document_id}/versions/{version}",
      [this](RequestContext& ctx) {
        return JsonResponse(200, VersionJson(Ok(library_.GetVersion(&ctx.who(),
                                                                    ctx.IdParam("document_id"),
                                                                    ctx.IdParam("version"))),
                                             true));
      });

  // The rendered page, under a policy of its own: nothing loads (no script, style, image, frame,
  // form or base), and `sandbox` so that even opened directly it runs nothing and has no origin.
  Add("GET", "/api/v1/library/documents/{document_id}/html", [this](RequestContext& ctx) {
    static const HeaderList kPage = {
        {"Content-Security-Policy",
         "sandbox; default-src 'none'; base-uri 'none'; form-action 'none'; "
         "frame-ancestors 'none'"},
        {"X-Content-Type-Options", "nosniff"},
        {"X-Frame-Options", "DENY"},
        {"Referrer-Policy", "no-referrer"},
        {"Cache-Control", "no-store"}};
    HttpResponse r;
    r.body = Ok(library_.RenderHtml(&ctx.who(), ctx.IdParam("document_id")));
    r.Set("Content-Type", "text/html; charset=utf-8");
    r.fixed_headers = &kPage;
    return r;
  });

  // The raw file as the body; its name in ?name=. Larger than the limit: 413, nothing stored.
  Add("POST", "/api/v1/library/documents/{document_id}/attachments", [this](RequestContext& ctx) {
    const long long id = ctx.IdParam("document_id");
    if (ctx.request.body.size() > library::LibraryService::kMaxAttachmentBytes) {
      return Problem(413, "file-too-large",
                     "the file is larger than " +
                         std::to_string(library::LibraryService::kMaxAttachmentBytes) + " bytes",
                     ctx.request_id);
    }
    const auto a = Ok(library_.Attach(ctx.who(), id, ctx.Query("name").value_or(""),
                                      ctx.request.body, ctx.request_id));
    const std::string href =
        "/api/v1/library/documents/" + std::to_string(id) + "/attachments/" + a.sha256;
    HttpResponse r = JsonResponse(201, {{"sha256", a.sha256},
                                        {"name", a.name},
                                        {"media_type", a.media_type},
                                        {"size", a.size},
                                        {"at", a.at},
                                        {"author", a.author},
                                        {"href", href}});
    r.Set("Location", href);
    return r;
  });

  Add("GET", "/api/v1/library/documents/{document_id}/attachments/{sha256}",
      [this](RequestContext& ctx) {
        const auto f = Ok(library_.GetAttachment(&ctx.who(), ctx.IdParam("document_id"),
                                                 ctx.params.at("sha256")));
        HttpResponse r;
        r.body = f.content;
        r.Set("Content-Type", f.media_type);
        // The name is the uploader's: only safe characters go into the header.
        std::string safe;
        for (const char c : f.name) {
          safe += std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_'
                      ? c
                      : '_';
        }
        r.Set("Content-Disposition", "attachment; filename=\"" + safe + "\"");
        return r;
      });

  // Without an account: public documents only, whoever asks.
  Add(
      "GET", "/api/v1/public/library/documents",
      [this](RequestContext& ctx) {
        json items = json::array();
        for (const auto& d : Ok(library_.List(nullptr, ListFilterOf(ctx)))) {
          items.push_back(DocumentJson(d, false, false));
        }
        return JsonResponse(200, {{"items", items}});
      },
      false);

  Add(
      "GET", "/api/v1/public/library/documents/{document_id}",
      [this](RequestContext& ctx) {
        return JsonResponse(
            200, DocumentJson(Ok(library_.Get(nullptr, ctx.IdParam("document_id"))), true, false));
      },
      false);
}

void Api::AddSearchRoutes() {
  // Open to everyone: without a session only public entries match.
  Add(
      "GET", "/api/v1/search",
      [this](RequestContext& ctx) {
        const std::string q = ctx.Query("q").value_or("");
        std::vector<std::string> kinds;
        if (const auto k = ctx.Query("kind")) {
          for (std::size_t start = 0; start <= k->size();) {
            const std::size_t comma = std::min(k->find(',', start), k->size());
            if (comma > start) kinds.push_back(k->substr(start, comma - start));
            start = comma + 1;
          }
        }
        const int limit = static_cast<int>(
            ctx.QueryInt("limit", 1, search::SearchService::kMaxLimit).value_or(20));
        const auth::Principal* who = ctx.principal ? &*ctx.principal : nullptr;
        json items = json::array();
        for (const auto& h : Ok(search_.Search(who, q, kinds, limit))) {
          items.push_back({{"kind", h.kind},
                           {"id", h.id},
                           {"title", h.title},
                           {"snippet", h.snippet},
                           {"rank", h.rank}});
        }
        return JsonResponse(200, {{"items", items}});
      },
      false);
}

}  // namespace kenes::api
