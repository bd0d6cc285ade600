// UTF-8 validation. Thread-safe: a pure function.
#pragma once

#include <string_view>

namespace kenes::core {

// True when `s` is well-formed UTF-8 (no overlongs, surrogates or code points above U+10FFFF).
bool IsValidUtf8(std::string_view s);

}  // namespace kenes::core
