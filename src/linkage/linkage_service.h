// Linkage projects between two agencies. A project names a schema and two parties; each party
// uploads the CLKs it encoded on its own side (the server never sees either side's personal
// data), the match runs as a background job with progress, and each party then sees the pairs
// with its own record references and an opaque pair reference that stands for the other side.
// Only a referral opened from a pair (the cases module) may carry a name across. Every step is
// audited. Thread-safe: the store is, and jobs are tracked under a mutex.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "auth/principal.h"
#include "core/clock.h"
#include "core/error.h"
#include "linkage/engine/clk.h"
#include "store/database.h"

namespace kenes::linkage {

struct LinkageProject {
  long long id = 0;
  std::string name;
  std::string schema_name;  // "kazakh-worker" or the name given with a custom schema
  std::size_t clk_bits = 0;
  double threshold = 0.8;
  std::string party_a, party_b;  // agency codes; A created the project
  long long created_by = 0;
  std::string created_at;
  // open (waiting for uploads), ready (both uploaded), queued, running, matched, failed
  std::string status;
  double progress = 0;                       // 0..1 while queued or running
  std::string message;                       // why it failed
  long long records_a = -1, records_b = -1;  // -1: not uploaded yet
  long long candidates = 0, pairs = 0;
  std::string matched_at;
};

struct NewProject {
  std::string name;
  std::string partner;  // the other party's agency code
  // "kazakh-worker", or a clkhash v3 schema as JSON text.
  std::string schema;
  std::optional<double> threshold;  // default: the schema's, else 0.8
};

// One pair as one party sees it.
struct PairView {
  long long seq = 0;     // rank, from 1 (similarity descending): the paging cursor
  std::string pair_ref;  // opaque, the same for both parties
  double similarity = 0;
  long long own_index = 0;  // row in this party's upload
  std::string own_ref;      // this party's record reference ("" if none was uploaded)
};

// One pair found by its reference, as the calling party sees it.
struct PairMatch {
  long long project_id = 0;
  std::string partner_agency;  // the other party of the project
  PairView view;
};

class LinkageService {
 public:
  // REQUIRES: `db` and `clock` outlive this object.
  LinkageService(store::Database& db, const core::Clock& clock);
  // Waits for running matches to finish.
  ~LinkageService();
  LinkageService(const LinkageService&) = delete;
  LinkageService& operator=(const LinkageService&) = delete;

  // Schema of this module (versions 400-499).
  static std::vector<store::Migration> Migrations();

  // Marks matches a restart interrupted as failed. Call once before serving.
  core::Status Recover();

  // Errors: kPermissionDenied, kInvalidArgument (unknown partner, bad schema or threshold).
  core::Result<LinkageProject> Create(const auth::Principal& who, const NewProject& p,
                                      const std::string& request_id);
  core::Result<std::vector<LinkageProject>> List(const auth::Principal& who);
  core::Result<LinkageProject> Get(const auth::Principal& who, long long id);
  // Stores the caller's party's CLKs (replacing an earlier upload) with optional record
  // references, one per CLK. Errors: kUnprocessable (wrong CLK length, refs of another count,
  // the project is matching or matched).
  core::Result<LinkageProject> Upload(const auth::Principal& who, long long id, const ClkSet& clks,
                                      const std::vector<std::string>& refs,
                                      const std::string& request_id);
  // Queues the match and returns at once (status "queued"). Errors: kUnprocessable (a party
  // has not uploaded, or it is already running).
  core::Result<LinkageProject> StartMatch(const auth::Principal& who, long long id,
                                          const std::string& request_id);
  // The caller's side of the pairs after rank `after`, at most `limit`. Audited as a read.
  core::Result<std::vector<PairView>> Pairs(const auth::Principal& who, long long id,
                                            long long after, int limit,
                                            const std::string& request_id);

  // The pair `pair_ref` from the caller's side: its project must be one the caller's agency is a
  // party of; anything else is kNotFound (a reference reveals nothing to outsiders). Audited as a
  // read.
  core::Result<PairMatch> FindPair(const auth::Principal& who, const std::string& pair_ref,
                                   const std::string& request_id);

  // Blocks until no match is running (tests, shutdown).
  void WaitIdle();

 private:
  void RunMatch(long long id, audit::Actor actor);
  void SetProgress(long long id, double progress);

  store::Database& db_;
  const core::Clock& clock_;
  struct Job {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done;
  };
  std::mutex mutex_;
  std::vector<Job> jobs_;  // finished ones are joined when the next starts
};

}  // namespace kenes::linkage
