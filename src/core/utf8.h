// UTF-8 validation and the checks every module applies to short free text. Thread-safe: pure
// functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/error.h"

namespace kenes::core {

// True when `s` is well-formed UTF-8 (no overlongs, surrogates or code points above U+10FFFF).
bool IsValidUtf8(std::string_view s);

enum class Markup { kAllowed, kRefused };

// Free text typed by a person: present when `required`, at most `max` bytes, valid UTF-8, no
// control characters but newline and tab, and with Markup::kRefused nothing that could run when
// shown in a page (<script, <iframe, javascript:, onerror=, onload=). Error: kInvalidArgument
// naming `field`, type "invalid-field".
// Appends `text` to `out` with & < > " ' as HTML character references, for text inside HTML
// elements and quoted attribute values.
void AppendHtmlEscaped(std::string& out, std::string_view text);

Status CheckPlainText(std::string_view field, std::string_view v, std::size_t max, bool required,
                      Markup markup = Markup::kRefused);

}  // namespace kenes::core
