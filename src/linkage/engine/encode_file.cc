#include "linkage/engine/encode_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <optional>
#include <thread>

#include "core/csv.h"
#include "linkage/engine/encoder.h"

namespace kenes::linkage {
namespace {

using core::ErrorCode;
using core::Fail;

class Plain final : public RecordPreparer {
 public:
  explicit Plain(const Schema& schema) {
    for (std::size_t i = 0; i < schema.features.size(); ++i) {
      if (schema.features[i].ignored) continue;
      columns_.push_back(schema.features[i].identifier);
      slots_.push_back(i);
    }
    feature_count_ = schema.features.size();
  }
  std::vector<std::string> Columns() const override { return columns_; }
  core::Status Prepare(std::span<const std::string_view> in, std::vector<std::string>&,
                       std::vector<std::string_view>& out) const override {
    out.resize(feature_count_);
    for (std::size_t c = 0; c < slots_.size(); ++c) out[slots_[c]] = in[c];
    return {};
  }

 private:
  std::vector<std::string> columns_;
  std::vector<std::size_t> slots_;
  std::size_t feature_count_ = 0;
};

struct Line {
  const char* begin;
  const char* end;
  std::size_t number;  // 1-based, header = 1
};

struct RowError {
  std::size_t line = 0;
  std::string message;
};

}  // namespace

std::unique_ptr<RecordPreparer> PlainPreparer(const Schema& schema) {
  return std::make_unique<Plain>(schema);
}

core::Result<ClkSet> EncodeCsvFile(const Schema& schema, std::string_view secret,
                                   const RecordPreparer& preparer, const std::string& path,
                                   const EncodeFileOptions& options) {
  auto prototype = Encoder::Create(schema, secret);
  if (!prototype) return tl::unexpected(prototype.error());

  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return Fail(ErrorCode::kInvalidArgument, path + ": cannot open: " + std::strerror(errno));
  }
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    return Fail(ErrorCode::kInvalidArgument, path + ": not a regular file");
  }
  if (st.st_size == 0) return Fail(ErrorCode::kInvalidArgument, path + ": the file is empty");
  core::FileMapping map(fd, 0, st.st_size);
  if (!map.ok()) return Fail(ErrorCode::kUnavailable, path + ": cannot map the file");
  const std::string_view data = map.data();

  // Line boundaries first, so threads can take ranges of rows.
  std::vector<Line> lines;
  {
    const char* p = data.data();
    const char* end = p + data.size();
    std::size_t number = 1;
    while (p < end) {
      const void* nl = std::memchr(p, '\n', static_cast<std::size_t>(end - p));
      const char* stop = nl == nullptr ? end : static_cast<const char*>(nl);
      const char* content_end = (stop > p && stop[-1] == '\r') ? stop - 1 : stop;
      lines.push_back({p, content_end, number++});
      p = nl == nullptr ? end : stop + 1;
    }
    while (!lines.empty() && lines.back().begin == lines.back().end) lines.pop_back();
  }
  if (lines.empty()) return Fail(ErrorCode::kInvalidArgument, path + ": the file is empty");

  // Header: where each column the preparer needs is.
  core::CsvLineSplitter header_splitter;
  std::vector<std::string_view> names;
  std::string_view error;
  if (!header_splitter.Split(
          {lines[0].begin, static_cast<std::size_t>(lines[0].end - lines[0].begin)}, names,
          error)) {
    return Fail(ErrorCode::kInvalidArgument, path + ":1: " + std::string(error));
  }
  std::size_t field_count = names.size();
  std::vector<std::size_t> where;
  for (const std::string& column : preparer.Columns()) {
    auto it = std::find_if(names.begin(), names.end(),
                           [&](std::string_view n) { return core::TrimBlanks(n) == column; });
    if (it == names.end()) {
      return Fail(ErrorCode::kInvalidArgument,
                  path + ":1: the header has no column \"" + column + "\" (the schema needs it)");
    }
    where.push_back(static_cast<std::size_t>(it - names.begin()));
  }

  const std::size_t rows = lines.size() - 1;
  ClkSet clks(rows, schema.l);
  int threads = options.threads <= 0 ? static_cast<int>(std::thread::hardware_concurrency())
                                     : options.threads;
  threads =
      static_cast<int>(std::clamp<std::size_t>(rows / 256, 1, static_cast<std::size_t>(threads)));

  std::atomic<std::size_t> next{0}, done{0};
  std::atomic<bool> failed{false};
  std::vector<std::optional<RowError>> errors(static_cast<std::size_t>(threads));
  constexpr std::size_t kBatch = 512;
  auto work = [&](int t) {
    Encoder encoder(*prototype);
    core::CsvLineSplitter splitter;
    std::vector<std::string_view> fields, in(where.size());
    std::vector<std::string> values;
    std::vector<std::string_view> views;
    std::string_view line_text, split_error;
    while (!failed.load(std::memory_order_relaxed)) {
      const std::size_t from = next.fetch_add(kBatch);
      if (from >= rows) break;
      const std::size_t to = std::min(rows, from + kBatch);
      for (std::size_t r = from; r < to; ++r) {
        const Line& line = lines[r + 1];
        auto fail = [&](const std::string& message) {
          errors[static_cast<std::size_t>(t)] =
              RowError{line.number, path + ":" + std::to_string(line.number) + ": " + message};
          failed = true;
        };
        bool ok = true;
        splitter.SplitLine(line.begin, line.end, fields, line_text, ok, split_error);
        if (!ok) return fail(std::string(split_error));
        if (fields.size() != field_count) {
          return fail("expected " + std::to_string(field_count) + " fields, found " +
                      std::to_string(fields.size()));
        }
        for (std::size_t c = 0; c < where.size(); ++c) in[c] = core::TrimBlanks(fields[where[c]]);
        if (auto prepared = preparer.Prepare(in, values, views); !prepared) {
          return fail(prepared.error().message);
        }
        if (auto encoded = encoder.Encode(views, clks.bytes(r)); !encoded) {
          return fail(encoded.error().message);
        }
      }
      const std::size_t total_done = done.fetch_add(to - from) + (to - from);
      if (options.progress) options.progress(total_done, rows);
    }
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(work, t);
  work(0);
  for (std::thread& th : pool) th.join();
  // Report the earliest bad line any thread saw.
  const RowError* first = nullptr;
  for (const auto& e : errors) {
    if (e && (first == nullptr || e->line < first->line)) first = &*e;
  }
  if (first != nullptr) return Fail(ErrorCode::kInvalidArgument, first->message);
  return clks;
}

}  // namespace kenes::linkage
