// Encoding a whole CSV file into CLKs, in parallel, with errors that name the file and line.
// Thread-safe: each call uses its own encoders.
#pragma once

#include <cstddef>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "linkage/engine/clk.h"
#include "linkage/engine/schema.h"

namespace kenes::linkage {

// Turns the input columns of one record into the schema's feature values. The plain clkhash
// preparer reads one column per non-ignored feature, by identifier; the kazakh-worker preparer
// normalises names, dates, sex and passport numbers first.
class RecordPreparer {
 public:
  virtual ~RecordPreparer() = default;
  // Input columns the preparer reads, by header name (order of `in` in Prepare).
  virtual std::vector<std::string> Columns() const = 0;
  // Fills `out` with one value per schema feature, as views of `in` or of `scratch` (which the
  // preparer may resize and fill). Errors name the column and the value.
  virtual core::Status Prepare(std::span<const std::string_view> in,
                               std::vector<std::string>& scratch,
                               std::vector<std::string_view>& out) const = 0;
};

// One column per non-ignored feature, values passed through (after trimming surrounding blanks).
std::unique_ptr<RecordPreparer> PlainPreparer(const Schema& schema);

struct EncodeFileOptions {
  int threads = 1;  // 0 = every core
  // Called now and then from the encoding threads with records done and the total.
  std::function<void(std::size_t done, std::size_t total)> progress;
};

// Reads a CSV file with a header row (columns in any order, extra columns ignored) and encodes
// every data row, in file order. The first bad row stops the whole file: its error names
// `path:line` and nothing is returned.
core::Result<ClkSet> EncodeCsvFile(const Schema& schema, std::string_view secret,
                                   const RecordPreparer& preparer, const std::string& path,
                                   const EncodeFileOptions& options = {});

}  // namespace kenes::linkage
