// What a file is, decided from its bytes, never from its name or the client's Content-Type.
// Thread-safe: pure functions.
#pragma once

#include <string>
#include <string_view>

namespace kenes::core {

// The media type of `bytes` by their first bytes: application/pdf, image/png, image/jpeg,
// image/gif, application/zip (office files) or "text/plain; charset=utf-8" (valid UTF-8 without
// NUL). "" for anything else (executables, other binaries, empty input).
std::string SniffType(std::string_view bytes);

}  // namespace kenes::core
