#include "registry/iin.h"

#include <array>
#include <cassert>
#include <string>

namespace kenes::registry {
namespace {

constexpr std::string_view kWhitespace = " \t\r\n\v\f";

bool IsLeapYear(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

int DaysInMonth(int year, int month) {
  static constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month == 2 && IsLeapYear(year)) return 29;
  return kDays[static_cast<size_t>(month - 1)];
}

int Digit(std::string_view digits, size_t i) { return digits[i] - '0'; }

int TwoDigits(std::string_view digits, size_t i) {
  return Digit(digits, i) * 10 + Digit(digits, i + 1);
}

}  // namespace

std::optional<int> IinCheckDigit(std::string_view first_eleven) {
  assert(first_eleven.size() == 11);
  static constexpr std::array<int, 11> kFirstPass = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
  static constexpr std::array<int, 11> kSecondPass = {3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2};
  for (const auto& weights : {kFirstPass, kSecondPass}) {
    int sum = 0;
    for (size_t i = 0; i < weights.size(); ++i) sum += Digit(first_eleven, i) * weights[i];
    if (const int k = sum % 11; k != 10) return k;
  }
  return std::nullopt;
}

core::Result<IinInfo> ValidateIin(std::string_view iin) {
  using core::ErrorCode;
  using core::Fail;
  const size_t first = iin.find_first_not_of(kWhitespace);
  iin = first == std::string_view::npos
            ? std::string_view()
            : iin.substr(first, iin.find_last_not_of(kWhitespace) - first + 1);
  if (iin.size() != 12) {
    return Fail(ErrorCode::kInvalidArgument,
                "IIN must be 12 digits, got " + std::to_string(iin.size()) + " characters");
  }
  if (iin.find_first_not_of("0123456789") != std::string_view::npos) {
    return Fail(ErrorCode::kInvalidArgument, "IIN must contain only the digits 0-9");
  }

  // 7th digit: 1/2 = 1800s, 3/4 = 1900s, 5/6 = 2000s; odd = male (REFERENCE §5.5).
  const int century_sex = Digit(iin, 6);
  if (century_sex < 1 || century_sex > 6) {
    return Fail(ErrorCode::kInvalidArgument,
                "IIN 7th digit (century and sex) must be 1-6, got " + std::to_string(century_sex));
  }
  IinInfo info{};
  info.year = 1800 + 100 * ((century_sex - 1) / 2) + TwoDigits(iin, 0);
  info.month = TwoDigits(iin, 2);
  info.day = TwoDigits(iin, 4);
  info.sex = century_sex % 2 == 1 ? 'm' : 'f';
  if (info.month < 1 || info.month > 12) {
    return Fail(ErrorCode::kInvalidArgument,
                "IIN birth month (digits 3-4) must be 01-12, got " + std::to_string(info.month));
  }
  if (info.day < 1 || info.day > DaysInMonth(info.year, info.month)) {
    return Fail(ErrorCode::kInvalidArgument,
                "IIN birth day (digits 5-6) is not a day of " + std::to_string(info.year) + "-" +
                    (info.month < 10 ? "0" : "") + std::to_string(info.month));
  }

  const std::optional<int> check = IinCheckDigit(iin.substr(0, 11));
  if (!check) {
    return Fail(ErrorCode::kInvalidArgument,
                "IIN is not issued: both check-digit passes give 10 for its first 11 digits");
  }
  if (Digit(iin, 11) != *check) {
    return Fail(ErrorCode::kInvalidArgument, "IIN check digit (12th digit) does not match");
  }
  return info;
}

}  // namespace kenes::registry
