// Reading CSV files line by line without copying: a read-only file mapping and an RFC 4180 line
// splitter (quoted fields must close on their line). Not thread-safe: one splitter per thread.
#pragma once

#include <csv.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kenes::core {

// A read-only mapping of part of a file, released on destruction.
class FileMapping {
 public:
  FileMapping(int fd, long long offset, long long length);
  ~FileMapping();
  FileMapping(const FileMapping&) = delete;
  FileMapping& operator=(const FileMapping&) = delete;
  bool ok() const { return map_ != nullptr; }
  std::string_view data() const { return data_; }

 private:
  char* map_ = nullptr;
  size_t map_length_ = 0;
  std::string_view data_;
};

// Splits lines into fields. Lines without quotes are split at commas (exactly what RFC 4180 does
// for them) without copying; lines with quotes go through libcsv.
class CsvLineSplitter {
 public:
  CsvLineSplitter();
  ~CsvLineSplitter();
  CsvLineSplitter(const CsvLineSplitter&) = delete;
  CsvLineSplitter& operator=(const CsvLineSplitter&) = delete;

  // Splits the line starting at `p` (ending at '\n' or `end`) into `fields`, sets `line` to it
  // (without the line break or a trailing '\r') and returns where the next line starts. Sets `ok`
  // to false (with `error`) for malformed quoting. Fields point into the input, or into this
  // splitter's storage until the next call.
  const char* SplitLine(const char* p, const char* end, std::vector<std::string_view>& fields,
                        std::string_view& line, bool& ok, std::string_view& error);

  // Fills `fields` from one line; returns false (with `error`) for malformed quoting.
  bool Split(std::string_view line, std::vector<std::string_view>& fields, std::string_view& error);

 private:
  static void OnField(void* data, size_t length, void* self_ptr);
  static void OnRow(int, void*) {}

  csv_parser parser_{};
  std::string storage_;
  std::vector<std::pair<size_t, size_t>> offsets_;
};

// Appends `value` as one CSV field (RFC 4180 quoting when needed).
void AppendCsvField(std::string& out, std::string_view value);

// `value` made safe for a spreadsheet cell: a leading = + - @ tab or CR gets an apostrophe.
std::string NeutralizeFormula(std::string_view value);

// `s` without leading and trailing spaces and tabs.
std::string_view TrimBlanks(std::string_view s);

}  // namespace kenes::core
