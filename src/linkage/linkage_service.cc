#include "linkage/linkage_service.h"

#include <cstring>
#include <nlohmann/json.hpp>
#include <sstream>

#include "audit/audit_log.h"
#include "auth/policy.h"
#include "core/crypto.h"
#include "linkage/engine/dice.h"
#include "linkage/engine/kazakh_worker.h"
#include "linkage/engine/schema.h"
#include "linkage/engine/solve.h"

namespace kenes::linkage {

using core::ErrorCode;
using core::Fail;

namespace {

constexpr const char* kColumns =
    "id, name, schema_name, clk_bits, threshold, party_a, party_b, created_by, created_at, status,"
    " progress, message, candidates, pairs, matched_at,"
    " (SELECT records FROM linkage_uploads u WHERE u.project_id = p.id AND u.party = 'a'),"
    " (SELECT records FROM linkage_uploads u WHERE u.project_id = p.id AND u.party = 'b')";

LinkageProject FromRow(const soci::row& r) {
  LinkageProject p;
  p.id = store::GetInt(r, 0);
  p.name = store::GetText(r, 1);
  p.schema_name = store::GetText(r, 2);
  p.clk_bits = static_cast<std::size_t>(store::GetInt(r, 3));
  p.threshold = store::GetReal(r, 4);
  p.party_a = store::GetText(r, 5);
  p.party_b = store::GetText(r, 6);
  p.created_by = store::GetInt(r, 7);
  p.created_at = store::GetText(r, 8);
  p.status = store::GetText(r, 9);
  p.progress = store::GetReal(r, 10);
  p.message = store::GetText(r, 11);
  p.candidates = store::GetInt(r, 12);
  p.pairs = store::GetInt(r, 13);
  p.matched_at = store::GetText(r, 14);
  p.records_a = store::IsNull(r, 15) ? -1 : store::GetInt(r, 15);
  p.records_b = store::IsNull(r, 16) ? -1 : store::GetInt(r, 16);
  return p;
}

core::Error Denied(auth::Decision d) {
  return auth::DeniedError(d, "your roles do not allow record linkage", "no such linkage project");
}

// A project is shared by its two parties: either party's grant covers it.
auth::Decision AuthorizeProject(const auth::Principal& who, auth::Action action,
                                const LinkageProject& p) {
  const auth::Decision a = auth::Authorize(who, action, {p.party_a, std::nullopt});
  if (a == auth::Decision::kAllow) return a;
  return auth::Authorize(who, action, {p.party_b, std::nullopt});
}

// The caller's side of a project: 'a', 'b', or 0 for the system principal or an outsider.
char SideOf(const auth::Principal& who, const LinkageProject& p) {
  if (who.agency == p.party_a) return 'a';
  if (who.agency == p.party_b) return 'b';
  return 0;
}

std::string JoinClks(const ClkSet& clks) {
  std::string out;
  out.reserve(clks.size() * (clks.bytes_per_clk() * 4 / 3 + 5));
  for (std::size_t i = 0; i < clks.size(); ++i) {
    if (i > 0) out += '\n';
    out += ToBase64({clks.bytes(i), clks.bytes_per_clk()});
  }
  return out;
}

core::Result<ClkSet> SplitClks(const std::string& text, std::size_t count, std::size_t bits) {
  ClkSet clks(count, bits);
  std::size_t i = 0, at = 0;
  while (i < count && at <= text.size()) {
    const std::size_t nl = std::min(text.find('\n', at), text.size());
    auto bytes = FromBase64(std::string_view(text).substr(at, nl - at));
    if (!bytes || bytes->size() != bits / 8) {
      return Fail(ErrorCode::kInternal, "stored CLK " + std::to_string(i) + " is damaged");
    }
    std::memcpy(clks.bytes(i), bytes->data(), bytes->size());
    ++i;
    at = nl + 1;
  }
  if (i != count) return Fail(ErrorCode::kInternal, "stored CLKs are incomplete");
  return clks;
}

}  // namespace

LinkageService::LinkageService(store::Database& db, const core::Clock& clock)
    : db_(db), clock_(clock) {}

LinkageService::~LinkageService() { WaitIdle(); }

std::vector<store::Migration> LinkageService::Migrations() {
  return {
      {400,
       "linkage_projects",
       {"CREATE TABLE linkage_projects ("
        " id {{id}},"
        " name TEXT NOT NULL,"
        " schema_name TEXT NOT NULL,"
        " schema_json TEXT NOT NULL,"
        " clk_bits BIGINT NOT NULL,"
        " threshold DOUBLE PRECISION NOT NULL,"
        " party_a TEXT NOT NULL,"
        " party_b TEXT NOT NULL,"
        " created_by BIGINT NOT NULL,"
        " created_at TEXT NOT NULL,"
        " status TEXT NOT NULL,"
        " progress DOUBLE PRECISION NOT NULL,"
        " message TEXT NOT NULL,"
        " candidates BIGINT NOT NULL,"
        " pairs BIGINT NOT NULL,"
        " matched_at TEXT NOT NULL)",
        "CREATE INDEX linkage_projects_a ON linkage_projects(party_a, id)",
        "CREATE INDEX linkage_projects_b ON linkage_projects(party_b, id)",
        // One upload per party: base64 CLKs one per line, and the party's own references.
        "CREATE TABLE linkage_uploads ("
        " project_id BIGINT NOT NULL REFERENCES linkage_projects(id),"
        " party TEXT NOT NULL,"
        " records BIGINT NOT NULL,"
        " clks TEXT NOT NULL,"
        " refs TEXT NOT NULL,"
        " uploaded_by BIGINT NOT NULL,"
        " uploaded_at TEXT NOT NULL,"
        " PRIMARY KEY (project_id, party))",
        "CREATE TABLE linkage_pairs ("
        " project_id BIGINT NOT NULL REFERENCES linkage_projects(id),"
        " seq BIGINT NOT NULL,"
        " pair_ref TEXT NOT NULL,"
        " similarity DOUBLE PRECISION NOT NULL,"
        " a_index BIGINT NOT NULL,"
        " b_index BIGINT NOT NULL,"
        " PRIMARY KEY (project_id, seq))"}},
      {401, "linkage_pair_refs", {"CREATE INDEX linkage_pairs_ref ON linkage_pairs(pair_ref)"}}};
}

core::Status LinkageService::Recover() {
  return db_.Write([&](store::Conn& c) -> core::Status {
    c.sql() << "UPDATE linkage_projects SET status = 'failed', progress = 0, message = "
               "'interrupted by a restart; start the match again'"
               " WHERE status IN ('queued', 'running')";
    return {};
  });
}

core::Result<LinkageProject> LinkageService::Create(const auth::Principal& who, const NewProject& p,
                                                    const std::string& request_id) {
  const auth::Decision d =
      auth::Authorize(who, auth::Action::kLinkageManage, {who.agency, std::nullopt});
  if (d != auth::Decision::kAllow) return tl::unexpected(Denied(d));
  if (p.name.empty() || p.name.size() > 200) {
    return Fail(ErrorCode::kInvalidArgument, "name must have 1 to 200 characters", "invalid-field");
  }
  // The exchange is between the two labour agencies; the foreign ministries follow the
  // cooperation through the Dialogue record, not through personal data.
  auto labour = [](std::string_view a) { return a == "kz-mlsp" || a == "uk-fwa"; };
  if (!who.system && !labour(who.agency)) {
    return Fail(ErrorCode::kPermissionDenied,
                "linkage projects are between the labour agencies (kz-mlsp, uk-fwa)");
  }
  if (!labour(p.partner) || p.partner == who.agency) {
    return Fail(ErrorCode::kInvalidArgument,
                "partner_agency must be the other labour agency (kz-mlsp or uk-fwa)",
                "invalid-field");
  }
  Schema schema;
  std::string schema_name, schema_json;
  if (p.schema == kKazakhWorkerSchemaName) {
    schema = KazakhWorkerSchema();
    schema_name = std::string(kKazakhWorkerSchemaName);
    schema_json = std::string(KazakhWorkerSchemaJson());
  } else {
    auto parsed = ParseSchema(p.schema, "schema");
    if (!parsed) return Fail(ErrorCode::kInvalidArgument, parsed.error().message, "invalid-field");
    schema = *parsed;
    schema_name = "custom";
    schema_json = p.schema;
  }
  const double threshold = p.threshold.value_or(schema.threshold.value_or(0.8));
  if (!(threshold > 0 && threshold <= 1)) {
    return Fail(ErrorCode::kInvalidArgument, "threshold must be in (0, 1]", "invalid-field");
  }
  return db_.Write([&](store::Conn& c) -> core::Result<LinkageProject> {
    const std::string now = core::FormatUtc(clock_.Now());
    const long long bits = static_cast<long long>(schema.l);
    long long id = 0;
    c.sql() << "INSERT INTO linkage_projects (name, schema_name, schema_json, clk_bits, threshold,"
               " party_a, party_b, created_by, created_at, status, progress, message, candidates,"
               " pairs, matched_at) VALUES (:n, :sn, :sj, :b, :t, :a, :p, :u, :c, 'open', 0, '',"
               " 0, 0, '') RETURNING id",
        soci::use(p.name), soci::use(schema_name), soci::use(schema_json), soci::use(bits),
        soci::use(threshold), soci::use(who.agency), soci::use(p.partner), soci::use(who.user_id),
        soci::use(now), soci::into(id);
    audit::Append(c, who.ToActor(request_id),
                  {"linkage.project.create",
                   "linkage_project",
                   std::to_string(id),
                   {{"partner", p.partner}, {"schema", schema_name}, {"threshold", threshold}}},
                  clock_.Now());
    soci::rowset<soci::row> rows =
        (c.sql().prepare << "SELECT " << kColumns << " FROM linkage_projects p WHERE id = :id",
         soci::use(id));
    for (const auto& r : rows) return FromRow(r);
    return Fail(ErrorCode::kInternal, "the new project vanished");
  });
}

namespace {

core::Result<LinkageProject> Load(store::Conn& c, const auth::Principal& who, long long id,
                                  auth::Action action) {
  soci::rowset<soci::row> rows =
      (c.sql().prepare << "SELECT " << kColumns << " FROM linkage_projects p WHERE id = :id",
       soci::use(id));
  for (const auto& r : rows) {
    LinkageProject p = FromRow(r);
    const auth::Decision d = AuthorizeProject(who, action, p);
    if (d != auth::Decision::kAllow) return tl::unexpected(Denied(d));
    return p;
  }
  if (!auth::MayPerform(who, action)) return tl::unexpected(Denied(auth::Decision::kForbidden));
  return Fail(ErrorCode::kNotFound, "no such linkage project");
}

}  // namespace

core::Result<std::vector<LinkageProject>> LinkageService::List(const auth::Principal& who) {
  if (!auth::MayPerform(who, auth::Action::kLinkageRead)) {
    return tl::unexpected(Denied(auth::Decision::kForbidden));
  }
  return db_.Read([&](store::Conn& c) -> core::Result<std::vector<LinkageProject>> {
    std::vector<LinkageProject> out;
    soci::rowset<soci::row> rows =
        (c.sql().prepare << "SELECT " << kColumns
                         << " FROM linkage_projects p WHERE party_a = :a OR party_b = :b"
                            " ORDER BY id DESC",
         soci::use(who.agency), soci::use(who.agency));
    for (const auto& r : rows) {
      LinkageProject p = FromRow(r);
      if (AuthorizeProject(who, auth::Action::kLinkageRead, p) == auth::Decision::kAllow) {
        out.push_back(std::move(p));
      }
    }
    return out;
  });
}

core::Result<LinkageProject> LinkageService::Get(const auth::Principal& who, long long id) {
  return db_.Read([&](store::Conn& c) { return Load(c, who, id, auth::Action::kLinkageRead); });
}

core::Result<LinkageProject> LinkageService::Upload(const auth::Principal& who, long long id,
                                                    const ClkSet& clks,
                                                    const std::vector<std::string>& refs,
                                                    const std::string& request_id) {
  const std::string text = JoinClks(clks);
  const std::string refs_json = nlohmann::json(refs).dump();
  return db_.Write([&](store::Conn& c) -> core::Result<LinkageProject> {
    auto p = Load(c, who, id, auth::Action::kLinkageManage);
    if (!p) return p;
    const char side = SideOf(who, *p);
    if (side == 0) {
      return Fail(ErrorCode::kPermissionDenied, "only the two parties upload CLKs");
    }
    if (p->status == "queued" || p->status == "running" || p->status == "matched") {
      return Fail(ErrorCode::kUnprocessable,
                  "the project is " + p->status + ": its CLKs can no longer change",
                  "linkage-locked");
    }
    if (clks.size() == 0) {
      return Fail(ErrorCode::kUnprocessable, "the upload has no CLKs", "invalid-clks");
    }
    if (clks.bits() != p->clk_bits) {
      return Fail(ErrorCode::kUnprocessable,
                  "the CLKs have " + std::to_string(clks.bits()) +
                      " bits; the project's schema "
                      "makes " +
                      std::to_string(p->clk_bits),
                  "invalid-clks");
    }
    if (!refs.empty() && refs.size() != clks.size()) {
      return Fail(ErrorCode::kUnprocessable,
                  "refs has " + std::to_string(refs.size()) + " entries for " +
                      std::to_string(clks.size()) + " CLKs",
                  "invalid-clks");
    }
    const std::string party(1, side);
    const long long records = static_cast<long long>(clks.size());
    const std::string now = core::FormatUtc(clock_.Now());
    c.sql() << "DELETE FROM linkage_uploads WHERE project_id = :p AND party = :s", soci::use(id),
        soci::use(party);
    c.sql() << "INSERT INTO linkage_uploads (project_id, party, records, clks, refs, uploaded_by,"
               " uploaded_at) VALUES (:p, :s, :r, :c, :f, :u, :t)",
        soci::use(id), soci::use(party), soci::use(records), soci::use(text), soci::use(refs_json),
        soci::use(who.user_id), soci::use(now);
    const bool both = (side == 'a' ? p->records_b : p->records_a) >= 0;
    const std::string status = both ? "ready" : "open";
    c.sql() << "UPDATE linkage_projects SET status = :s, message = '' WHERE id = :id",
        soci::use(status), soci::use(id);
    audit::Append(c, who.ToActor(request_id),
                  {"linkage.clks.upload",
                   "linkage_project",
                   std::to_string(id),
                   {{"party", party}, {"records", records}, {"with_refs", !refs.empty()}}},
                  clock_.Now());
    return Load(c, who, id, auth::Action::kLinkageManage);
  });
}

core::Result<LinkageProject> LinkageService::StartMatch(const auth::Principal& who, long long id,
                                                        const std::string& request_id) {
  auto started = db_.Write([&](store::Conn& c) -> core::Result<LinkageProject> {
    auto p = Load(c, who, id, auth::Action::kLinkageManage);
    if (!p) return p;
    if (p->records_a < 0 || p->records_b < 0) {
      return Fail(ErrorCode::kUnprocessable, "both parties must upload their CLKs first",
                  "linkage-not-ready");
    }
    if (p->status == "queued" || p->status == "running") {
      return Fail(ErrorCode::kUnprocessable, "the match is already " + p->status,
                  "linkage-running");
    }
    c.sql() << "UPDATE linkage_projects SET status = 'queued', progress = 0, message = ''"
               " WHERE id = :id",
        soci::use(id);
    c.sql() << "DELETE FROM linkage_pairs WHERE project_id = :id", soci::use(id);
    audit::Append(c, who.ToActor(request_id),
                  {"linkage.match.start", "linkage_project", std::to_string(id), {}}, clock_.Now());
    return Load(c, who, id, auth::Action::kLinkageManage);
  });
  if (!started) return started;
  std::lock_guard lock(mutex_);
  for (auto it = jobs_.begin(); it != jobs_.end();) {
    if (it->done->load()) {
      it->thread.join();
      it = jobs_.erase(it);
    } else {
      ++it;
    }
  }
  auto done = std::make_shared<std::atomic<bool>>(false);
  jobs_.push_back({std::thread([this, id, done, actor = who.ToActor(request_id)] {
                     RunMatch(id, actor);
                     *done = true;
                   }),
                   done});
  return started;
}

void LinkageService::SetProgress(long long id, double progress) {
  (void)db_.Write([&](store::Conn& c) -> core::Status {
    c.sql() << "UPDATE linkage_projects SET progress = :p WHERE id = :id", soci::use(progress),
        soci::use(id);
    return {};
  });
}

void LinkageService::RunMatch(long long id, audit::Actor actor) {
  auto fail = [&](const std::string& why) {
    (void)db_.Write([&](store::Conn& c) -> core::Status {
      c.sql() << "UPDATE linkage_projects SET status = 'failed', progress = 0, message = :m"
                 " WHERE id = :id",
          soci::use(why), soci::use(id);
      audit::Append(c, actor,
                    {"linkage.match.fail", "linkage_project", std::to_string(id), {{"why", why}}},
                    clock_.Now());
      return {};
    });
  };
  try {
    struct Loaded {
      ClkSet a, b;
      double threshold = 0.8;
    };
    auto loaded = db_.Write([&](store::Conn& c) -> core::Result<Loaded> {
      c.sql() << "UPDATE linkage_projects SET status = 'running', progress = 0.05 WHERE id = :id",
          soci::use(id);
      Loaded l;
      long long bits = 0;
      c.sql() << "SELECT threshold, clk_bits FROM linkage_projects WHERE id = :id", soci::use(id),
          soci::into(l.threshold), soci::into(bits);
      for (const char* party : {"a", "b"}) {
        std::string text;
        long long records = 0;
        const std::string side(party);
        c.sql() << "SELECT clks, records FROM linkage_uploads WHERE project_id = :p AND party = :s",
            soci::use(id), soci::use(side), soci::into(text), soci::into(records);
        auto clks =
            SplitClks(text, static_cast<std::size_t>(records), static_cast<std::size_t>(bits));
        if (!clks) return tl::unexpected(clks.error());
        (side == "a" ? l.a : l.b) = std::move(*clks);
      }
      return l;
    });
    if (!loaded) return fail(loaded.error().message);
    SetProgress(id, 0.1);
    DiceOptions options;
    options.threshold = loaded->threshold;
    options.threads = 1;  // the server's threads are the parallelism; keep one core for requests
    auto candidates = FindCandidates(loaded->a, loaded->b, options);
    if (!candidates) return fail(candidates.error().message);
    SetProgress(id, 0.8);
    const std::vector<Candidate> pairs = GreedySolve(*candidates);
    SetProgress(id, 0.9);
    auto stored = db_.Write([&](store::Conn& c) -> core::Status {
      long long seq = 0, a_index = 0, b_index = 0;
      double similarity = 0;
      std::string ref;
      soci::statement insert =
          (c.sql().prepare << "INSERT INTO linkage_pairs (project_id, seq, pair_ref, similarity,"
                              " a_index, b_index) VALUES (:p, :s, :r, :m, :a, :b)",
           soci::use(id), soci::use(seq), soci::use(ref), soci::use(similarity), soci::use(a_index),
           soci::use(b_index));
      for (const Candidate& pair : pairs) {
        ++seq;
        ref = "lp_" + core::RandomToken(12);
        similarity = pair.similarity;
        a_index = pair.a;
        b_index = pair.b;
        insert.execute(true);
      }
      const long long n_candidates = static_cast<long long>(candidates->size());
      const long long n_pairs = static_cast<long long>(pairs.size());
      const std::string now = core::FormatUtc(clock_.Now());
      c.sql() << "UPDATE linkage_projects SET status = 'matched', progress = 1, candidates = :c,"
                 " pairs = :n, matched_at = :t WHERE id = :id",
          soci::use(n_candidates), soci::use(n_pairs), soci::use(now), soci::use(id);
      audit::Append(c, actor,
                    {"linkage.match.done",
                     "linkage_project",
                     std::to_string(id),
                     {{"candidates", n_candidates}, {"pairs", n_pairs}}},
                    clock_.Now());
      return {};
    });
    if (!stored) return fail(stored.error().message);
  } catch (const std::exception& e) {
    fail(std::string("the match failed: ") + e.what());
  }
}

core::Result<std::vector<PairView>> LinkageService::Pairs(const auth::Principal& who, long long id,
                                                          long long after, int limit,
                                                          const std::string& request_id) {
  return db_.Write([&](store::Conn& c) -> core::Result<std::vector<PairView>> {
    auto p = Load(c, who, id, auth::Action::kLinkageRead);
    if (!p) return tl::unexpected(p.error());
    const char side = SideOf(who, *p);
    if (side == 0) {
      return Fail(ErrorCode::kPermissionDenied, "only the two parties see the pairs");
    }
    std::string refs_text;
    const std::string party(1, side);
    c.sql() << "SELECT refs FROM linkage_uploads WHERE project_id = :p AND party = :s",
        soci::use(id), soci::use(party), soci::into(refs_text);
    const auto refs = nlohmann::json::parse(refs_text.empty() ? "[]" : refs_text, nullptr, false);
    std::vector<PairView> out;
    const std::string index_column = side == 'a' ? "a_index" : "b_index";
    soci::rowset<soci::row> rows =
        (c.sql().prepare << "SELECT seq, pair_ref, similarity, " << index_column
                         << " FROM linkage_pairs WHERE project_id = :p AND seq > :a"
                            " ORDER BY seq LIMIT :n",
         soci::use(id), soci::use(after), soci::use(limit));
    for (const auto& r : rows) {
      PairView v;
      v.seq = store::GetInt(r, 0);
      v.pair_ref = store::GetText(r, 1);
      v.similarity = store::GetReal(r, 2);
      v.own_index = store::GetInt(r, 3);
      if (refs.is_array() && v.own_index < static_cast<long long>(refs.size())) {
        v.own_ref = refs[static_cast<std::size_t>(v.own_index)].get<std::string>();
      }
      out.push_back(std::move(v));
    }
    audit::Append(c, who.ToActor(request_id),
                  {"linkage.pairs.read",
                   "linkage_project",
                   std::to_string(id),
                   {{"party", party}, {"after", after}, {"returned", out.size()}}},
                  clock_.Now());
    return out;
  });
}

core::Result<PairMatch> LinkageService::FindPair(const auth::Principal& who,
                                                 const std::string& pair_ref,
                                                 const std::string& request_id) {
  if (!auth::MayPerform(who, auth::Action::kLinkageRead)) {
    return Fail(ErrorCode::kPermissionDenied, "your roles do not allow reading linkage results");
  }
  if (pair_ref.empty() || pair_ref.size() > 100) {
    return Fail(ErrorCode::kNotFound, "no such linkage pair");
  }
  return db_.Write([&](store::Conn& c) -> core::Result<PairMatch> {
    long long project = 0, seq = 0;
    soci::indicator ind = soci::i_null;
    c.sql() << "SELECT project_id, seq FROM linkage_pairs WHERE pair_ref = :r", soci::use(pair_ref),
        soci::into(project, ind), soci::into(seq);
    if (!c.sql().got_data() || ind == soci::i_null) {
      return Fail(ErrorCode::kNotFound, "no such linkage pair");
    }
    auto p = Load(c, who, project, auth::Action::kLinkageRead);
    const char side = p ? SideOf(who, *p) : 0;
    if (side == 0) return Fail(ErrorCode::kNotFound, "no such linkage pair");
    std::string refs_text;
    const std::string party(1, side);
    c.sql() << "SELECT refs FROM linkage_uploads WHERE project_id = :p AND party = :s",
        soci::use(project), soci::use(party), soci::into(refs_text);
    const auto refs = nlohmann::json::parse(refs_text.empty() ? "[]" : refs_text, nullptr, false);
    PairMatch m;
    m.project_id = project;
    m.partner_agency = side == 'a' ? p->party_b : p->party_a;
    const std::string index_column = side == 'a' ? "a_index" : "b_index";
    soci::rowset<soci::row> rows =
        (c.sql().prepare << "SELECT seq, pair_ref, similarity, " << index_column
                         << " FROM linkage_pairs WHERE project_id = :p AND seq = :s",
         soci::use(project), soci::use(seq));
    for (const auto& r : rows) {
      m.view.seq = store::GetInt(r, 0);
      m.view.pair_ref = store::GetText(r, 1);
      m.view.similarity = store::GetReal(r, 2);
      m.view.own_index = store::GetInt(r, 3);
      if (refs.is_array() && m.view.own_index < static_cast<long long>(refs.size())) {
        m.view.own_ref = refs[static_cast<std::size_t>(m.view.own_index)].get<std::string>();
      }
    }
    audit::Append(c, who.ToActor(request_id),
                  {"linkage.pair.read",
                   "linkage_project",
                   std::to_string(project),
                   {{"party", party}, {"seq", seq}}},
                  clock_.Now());
    return m;
  });
}

void LinkageService::WaitIdle() {
  std::vector<Job> jobs;
  {
    std::lock_guard lock(mutex_);
    jobs.swap(jobs_);
  }
  for (Job& j : jobs) j.thread.join();
}

}  // namespace kenes::linkage
