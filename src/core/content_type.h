// What a file is, decided from its bytes, never from its name or the client's Content-Type.
// Thread-safe: pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/error.h"

namespace kenes::core {

// The media type of `bytes` by their first bytes: application/pdf, image/png, image/jpeg,
// image/gif, application/zip (office files) or "text/plain; charset=utf-8" (valid UTF-8 without
// NUL). "" for anything else (executables, other binaries, empty input).
std::string SniffType(std::string_view bytes);

// The checks every uploaded file gets; returns its SniffType. Errors: kInvalidArgument ("invalid-
// file" when empty, "file-too-large" above `max_bytes`, "invalid-field" when `name` is a path),
// kUnsupportedMedia ("unsupported-file-type") when SniffType knows no type for it.
Result<std::string> CheckUpload(std::string_view name, std::string_view content,
                                std::size_t max_bytes);

}  // namespace kenes::core
