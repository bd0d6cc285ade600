// Validation of the Kazakh individual identification number (IIN, ЖСН/ИИН): 12 digits laid out as
// YYMMDD, a century-and-sex digit, a 4-digit serial and a check digit. Rules from Government
// Decree No. 565 of 11 June 2003, as summarised in docs REFERENCE.md §5.5.
// Thread-safe: pure functions.
#pragma once

#include <optional>
#include <string_view>

#include "core/error.h"

namespace kenes::registry {

// What an IIN says about its holder.
struct IinInfo {
  int year;   // full year of birth, e.g. 1985
  int month;  // 1-12
  int day;    // 1-31
  char sex;   // 'm' or 'f'
};

// Validates `iin`: after trimming surrounding ASCII whitespace it must be exactly 12 ASCII digits;
// the 7th digit 1-6 (century and sex), YYMMDD a real calendar date in that century, and the 12th
// digit the two-pass check digit of the first 11. Returns what the IIN encodes, or
// kInvalidArgument whose message names the rule that failed. The message never repeats the IIN
// itself, since it is personal data and errors end up in logs.
core::Result<IinInfo> ValidateIin(std::string_view iin);

// The check digit for the first 11 digits of an IIN (weights 1..11, then 3..11,1,2 if the first
// pass gives 10), or nullopt when both passes give 10 and so no IIN is issued with these digits.
// Useful to build valid IINs for test and demo data.
// REQUIRES: `first_eleven` is exactly 11 ASCII digits.
std::optional<int> IinCheckDigit(std::string_view first_eleven);

}  // namespace kenes::registry
