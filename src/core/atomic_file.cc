#include "core/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace kenes::core {

Result<AtomicFile> AtomicFile::Create(const std::string& path) {
  if (path == "-") return AtomicFile(path, "", stdout);
  std::string temp = path + ".tmp-XXXXXX";
  const int fd = ::mkstemp(temp.data());
  if (fd < 0) {
    return Fail(ErrorCode::kUnavailable, path + ": cannot create: " + std::strerror(errno));
  }
  ::fchmod(fd, 0644);
  std::FILE* f = ::fdopen(fd, "wb");
  if (f == nullptr) {
    ::close(fd);
    ::unlink(temp.c_str());
    return Fail(ErrorCode::kUnavailable, path + ": cannot open: " + std::strerror(errno));
  }
  std::setvbuf(f, nullptr, _IOFBF, 1 << 20);
  return AtomicFile(path, std::move(temp), f);
}

AtomicFile::AtomicFile(AtomicFile&& other) noexcept
    : path_(std::move(other.path_)),
      temp_path_(std::move(other.temp_path_)),
      file_(std::exchange(other.file_, nullptr)),
      failed_(other.failed_) {}

AtomicFile::~AtomicFile() {
  if (file_ == nullptr || temp_path_.empty()) return;
  std::fclose(file_);
  ::unlink(temp_path_.c_str());
}

void AtomicFile::Write(std::string_view s) {
  if (file_ != nullptr && !s.empty() && std::fwrite(s.data(), 1, s.size(), file_) != s.size()) {
    failed_ = true;
  }
}

Status AtomicFile::Commit() {
  if (file_ == nullptr) return Fail(ErrorCode::kInternal, path_ + ": already committed");
  bool ok = std::fflush(file_) == 0 && !failed_;
  if (temp_path_.empty()) {
    file_ = nullptr;
    if (!ok) return Fail(ErrorCode::kUnavailable, "cannot write to standard output");
    return {};
  }
  ok = ok && ::fsync(::fileno(file_)) == 0;
  const int saved = errno;
  ok = std::fclose(file_) == 0 && ok;
  file_ = nullptr;
  if (ok && ::rename(temp_path_.c_str(), path_.c_str()) == 0) return {};
  const std::string reason = std::strerror(ok ? errno : saved);
  ::unlink(temp_path_.c_str());
  return Fail(ErrorCode::kUnavailable, path_ + ": cannot write: " + reason);
}

}  // namespace kenes::core
