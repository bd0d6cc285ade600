// An output file that appears under its name only when complete: writes go to a temporary file
// in the same directory, Commit() flushes, fsyncs and renames it over the target, and a file that
// is never committed is removed. "-" writes straight to stdout. Not thread-safe.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

#include "core/error.h"

namespace kenes::core {

class AtomicFile {
 public:
  static Result<AtomicFile> Create(const std::string& path);
  AtomicFile(AtomicFile&& other) noexcept;
  AtomicFile& operator=(AtomicFile&&) = delete;
  AtomicFile(const AtomicFile&) = delete;
  ~AtomicFile();

  void Write(std::string_view s);
  Status Commit();

 private:
  AtomicFile(std::string path, std::string temp_path, std::FILE* file)
      : path_(std::move(path)), temp_path_(std::move(temp_path)), file_(file) {}
  std::string path_;
  std::string temp_path_;  // empty for stdout
  std::FILE* file_ = nullptr;
  bool failed_ = false;
};

}  // namespace kenes::core
