#include "app/link_cli.h"

#include <unistd.h>

#include <atomic>
#include <charconv>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "core/atomic_file.h"
#include "linkage/engine/encode_file.h"
#include "linkage/engine/kazakh_worker.h"
#include "linkage/engine/solve.h"
#include "linkage/mpi/distributed_match.h"

namespace kenes::app {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;

int Failed(const std::string& message) {
  std::cerr << "kenes: error: " << message << "\n";
  return kExitFailed;
}

// The secret is the file's bytes without one trailing line break (what `echo` leaves).
core::Result<std::string> ReadSecret(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return core::Fail(core::ErrorCode::kInvalidArgument, path + ": cannot open");
  std::stringstream text;
  text << in.rdbuf();
  std::string secret = text.str();
  if (!secret.empty() && secret.back() == '\n') secret.pop_back();
  if (!secret.empty() && secret.back() == '\r') secret.pop_back();
  if (secret.empty()) {
    return core::Fail(core::ErrorCode::kInvalidArgument, path + ": the secret file is empty");
  }
  return secret;
}

// Pairs or truth CSV: a_index,b_index[,similarity] with an optional header row.
core::Result<std::vector<std::pair<std::uint32_t, std::uint32_t>>> ReadPairs(
    const std::string& path) {
  std::ifstream in(path);
  if (!in) return core::Fail(core::ErrorCode::kInvalidArgument, path + ": cannot open");
  std::vector<std::pair<std::uint32_t, std::uint32_t>> pairs;
  std::string line;
  for (std::size_t number = 1; std::getline(in, line); ++number) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    if (number == 1 && line.rfind("a_index", 0) == 0) continue;
    std::uint32_t a = 0, b = 0;
    const char* p = line.data();
    const char* end = p + line.size();
    auto ra = std::from_chars(p, end, a);
    bool ok = ra.ec == std::errc() && ra.ptr != end && *ra.ptr == ',';
    if (ok) {
      auto rb = std::from_chars(ra.ptr + 1, end, b);
      ok = rb.ec == std::errc() && (rb.ptr == end || *rb.ptr == ',');
    }
    if (!ok) {
      return core::Fail(
          core::ErrorCode::kInvalidArgument,
          path + ":" + std::to_string(number) + ": expected a_index,b_index (row numbers from 0)");
    }
    pairs.emplace_back(a, b);
  }
  return pairs;
}

std::string FormatSimilarity(double s) {
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, s);
  return std::string(buf, r.ptr);
}

}  // namespace

int LinkEncode(const LinkEncodeArgs& args) {
  using namespace linkage;
  std::optional<Schema> custom;
  const Schema* schema = nullptr;
  std::unique_ptr<RecordPreparer> preparer;
  if (args.schema == kKazakhWorkerSchemaName) {
    schema = &KazakhWorkerSchema();
    preparer = KazakhWorkerPreparer();
  } else {
    auto loaded = LoadSchemaFile(args.schema);
    if (!loaded) return Failed(loaded.error().message);
    custom = std::move(*loaded);
    schema = &*custom;
    preparer = PlainPreparer(*schema);
  }
  auto secret = ReadSecret(args.secret_file);
  if (!secret) return Failed(secret.error().message);

  EncodeFileOptions options;
  options.threads = args.threads;
  const bool tty = ::isatty(STDERR_FILENO) == 1;
  std::atomic<std::size_t> shown{0};
  if (tty) {
    options.progress = [&](std::size_t done, std::size_t total) {
      // Redraw at most every 1% and only for inputs worth watching.
      if (total < 100000 || done - shown.load() < total / 100) return;
      shown = done;
      std::fprintf(stderr, "\rkenes: link: encoded %zu of %zu records (%zu%%)", done, total,
                   done * 100 / total);
    };
  }
  auto clks = EncodeCsvFile(*schema, *secret, *preparer, args.input, options);
  if (tty && shown.load() > 0) std::fputc('\n', stderr);
  if (!clks) return Failed(clks.error().message);
  ClkFileInfo info{
      .schema = schema->name, .schema_sha256 = schema->sha256, .threshold = schema->threshold};
  if (auto written = WriteClkFile(args.output, *clks, info); !written) {
    return Failed(written.error().message);
  }
  std::cerr << "kenes: link: encoded " << clks->size() << " records of " << args.input << " into "
            << schema->l << "-bit CLKs (schema " << schema->name << ") in " << args.output << "\n";
  return kExitOk;
}

int LinkMatch(const LinkMatchArgs& args) {
  using namespace linkage;
  auto a = ReadClkFile(args.a);
  if (!a) return Failed(a.error().message);
  auto b = ReadClkFile(args.b);
  if (!b) return Failed(b.error().message);
  if (a->clks.size() > 0 && b->clks.size() > 0 && a->clks.bits() != b->clks.bits()) {
    return Failed(args.a + " has " + std::to_string(a->clks.bits()) + "-bit CLKs but " + args.b +
                  " has " + std::to_string(b->clks.bits()) + "-bit CLKs");
  }
  if (!a->info.schema_sha256.empty() && !b->info.schema_sha256.empty() &&
      a->info.schema_sha256 != b->info.schema_sha256) {
    return Failed(args.a + " and " + args.b + " were encoded with different schemas (" +
                  a->info.schema + ", " + b->info.schema + "): their CLKs cannot be compared");
  }
  double threshold = 0.8;
  if (args.threshold) {
    threshold = *args.threshold;
  } else if (a->info.threshold) {
    threshold = *a->info.threshold;
  } else if (b->info.threshold) {
    threshold = *b->info.threshold;
  }
  DiceOptions options;
  options.threshold = threshold;
  options.threads = args.threads;
  options.top_k = args.top_k;
  // Under mpirun every rank reads both files and compares its band of A; rank 0 writes.
  std::optional<MpiSession> mpi;
  if (LaunchedByMpirun()) {
    mpi.emplace();
    if (args.threads == 0) options.threads = mpi->DefaultThreads();
  }
  auto candidates = mpi ? DistributedCandidates(*mpi, a->clks, b->clks, options)
                        : FindCandidates(a->clks, b->clks, options);
  if (mpi && mpi->rank() != 0) return candidates ? kExitOk : kExitFailed;
  if (!candidates) return Failed(candidates.error().message);
  const std::vector<Candidate> pairs =
      args.candidates ? std::move(*candidates) : GreedySolve(*candidates);

  auto out = core::AtomicFile::Create(args.output);
  if (!out) return Failed(out.error().message);
  out->Write("a_index,b_index,similarity\n");
  std::string line;
  for (const Candidate& c : pairs) {
    line.clear();
    line += std::to_string(c.a);
    line += ',';
    line += std::to_string(c.b);
    line += ',';
    line += FormatSimilarity(c.similarity);
    line += '\n';
    out->Write(line);
  }
  if (auto committed = out->Commit(); !committed) return Failed(committed.error().message);
  std::cerr << "kenes: link: " << a->clks.size() << " x " << b->clks.size() << " CLKs compared"
            << (mpi ? " on " + std::to_string(mpi->size()) + " MPI ranks" : std::string())
            << " at threshold " << FormatSimilarity(threshold) << ": " << pairs.size()
            << (args.candidates ? " candidates" : " pairs") << " written to " << args.output
            << "\n";
  return kExitOk;
}

int LinkEval(const LinkEvalArgs& args) {
  auto pairs = ReadPairs(args.pairs);
  if (!pairs) return Failed(pairs.error().message);
  auto truth = ReadPairs(args.truth);
  if (!truth) return Failed(truth.error().message);
  const linkage::LinkageQuality q = linkage::Evaluate(*pairs, *truth);
  char text[256];
  std::snprintf(text, sizeof text,
                "pairs %zu, true pairs %zu, correct %zu\nprecision %.4f\nrecall %.4f\nf1 %.4f\n",
                q.predicted, q.truth, q.correct, q.precision, q.recall, q.f1);
  std::cout << text;
  return kExitOk;
}

int LinkSchema(const std::string& name) {
  if (name != linkage::kKazakhWorkerSchemaName) {
    std::cerr << "kenes: error: no built-in schema \"" << name << "\" (there is: kazakh-worker)\n";
    return 2;
  }
  std::cout << linkage::KazakhWorkerSchemaJson() << "\n";
  return kExitOk;
}

}  // namespace kenes::app
