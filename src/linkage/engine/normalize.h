// Normalisation of Kazakh personal data before Bloom-filter (CLK) encoding: folds names written
// in Kazakh or Russian Cyrillic or in any romanisation (passport/ICAO 9303, BGN/PCGN, US ICS,
// the 2017, 2018 and 2021 Kazakh Latin alphabets, ISO 9, older French-style spellings) to one
// canonical key, and parses dates, sex and passport numbers. Rules and sources:
// shared/domain/REFERENCE.md §5.
//
// Pure functions; no I/O. Expected failures are returned as Result; std::runtime_error is thrown
// only if ICU's normalisation data is missing (a broken installation).
// Thread-safety: every function may be called from any number of threads at once (the only shared
// state is ICU's immutable normaliser singletons).
#pragma once

#include <string>
#include <string_view>

#include "core/error.h"

namespace kenes::linkage {

// Canonical key of one personal-name word or phrase: lower-case ASCII letters, words separated by
// single spaces, no leading or trailing space. Kazakh Cyrillic, Russian Cyrillic, passport/ICAO
// 9303, BGN/PCGN, the 2021 Kazakh Latin alphabet with or without diacritics, the 2017 (apostrophe)
// and 2018 (acute) Latin variants, ISO 9 (ž š č), French-style spellings (ou, tch, dj, gui) and any
// letter case map to the same key, e.g. Жанар, Zhanar, Janar, Žanar, Dzhanar, ZHANAR -> "janar".
// The key stays close to the pronunciation (it feeds n-gram encoding); the folding table is in
// normalize.cc. Letters of other scripts (Greek, Arabic, CJK...) and digits are dropped;
// whitespace, hyphens and other punctuation separate words; apostrophes, U+00B7 and the Cyrillic
// soft and hard signs are removed. Invalid UTF-8 is tolerated (bad bytes are dropped).
std::string FoldName(std::string_view raw);

// FoldName, then each word loses a surname suffix so that the Russified -ov/-ova, -ev/-eva,
// -in/-ina and the Kazakh -uly/-kyzy forms share one stem: Akhmetov, Akhmetova, AXMETOV, Ахметов,
// Ахметова, Ахметұлы and Akhmet -> "ahmet". After a vowel, -ev stands for the stem's й
// (Назарбай -> Назарбаев), so Nazarbayev, Назарбаева, Nazarbay, Назарбайұлы -> "nazarbai". A
// trailing separate word "uly"/"kyzy" is dropped. A suffix is removed only when at least three
// letters remain (so Lev, Kim, Dina are kept whole). Also folds -skaya to -skiy.
std::string FoldFamilyName(std::string_view raw);

// FoldName, then each word loses a patronymic suffix: -ovich/-evich/-ovna/-evna (Cyrillic
// -ович/-евич/-овна/-евна) and -uly/-kyzy (-ұлы/-қызы, -uli/-qyzy/-kizi/-kızı), leaving the
// father's-name stem: Nursultanovich, Нұрсұлтанұлы -> "nursultan"; Kasymovna, Қасымқызы ->
// "kasim". A trailing separate word "uly"/"kyzy" is dropped. Returns "" if `raw` is empty.
std::string FoldPatronymic(std::string_view raw);

// A calendar date (proleptic Gregorian).
struct Date {
  int year;
  int month;  // 1..12
  int day;    // 1..days in month
  friend bool operator==(const Date&, const Date&) = default;
};

// Parses YYYY-MM-DD, DD.MM.YYYY, DD/MM/YYYY (day and month may have one digit in the separated
// forms) or YYYYMMDD, with surrounding whitespace allowed. Years 1800..9999 (the IIN century digit
// starts at the 1800s).
// Errors: kInvalidArgument, with a message quoting the value, for any other format and for
// impossible dates (31 April, 29 February of a non-leap year, month 13).
[[nodiscard]] core::Result<Date> ParseDate(std::string_view raw);

// 'm' or 'f' from M/F, Cyrillic М/Ж, male/female, муж/жен, мужской/женский, Kazakh ер/әйел, in any
// case, with surrounding whitespace allowed.
// Errors: kInvalidArgument for anything else, the empty string included.
[[nodiscard]] core::Result<char> ParseSex(std::string_view raw);

// Canonical passport number: upper case, whitespace and dashes removed, leading letters dropped
// (Kazakh passports are N12345678 and the UK side often drops the N; a Cyrillic Н typed for the N
// is dropped too), so "n 1234 5678", "N12345678" and "12345678" all give "12345678". Letters after
// the first digit are kept. May return "" (no digits at all); callers treat that as missing.
std::string FoldPassport(std::string_view raw);

}  // namespace kenes::linkage
