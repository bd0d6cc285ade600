// Name folding in three stages (see normalize.h for the contract):
//
//  1. Unicode: NFC, root-locale lower case (İ becomes i + U+0307, removed in stage 2).
//  2. Script: every Cyrillic letter (Kazakh and Russian) and every Latin letter whose diacritic
//     carries a sound (ž š č ş ğ ñ ŋ ə ı ý ...) is replaced from a fixed table by the ASCII that
//     passport (ICAO 9303) practice would write for it; then NFD and all combining marks are
//     dropped, so ä ö ü ū ī ǵ ń ó ú ... lose their accents. Cyrillic is rendered as passport
//     Latin on purpose: whatever Latin the Kazakh passport office produced from a Cyrillic name,
//     the Cyrillic name itself yields the same Latin here, so the two always agree after stage 3.
//     A table instead of an ICU Transliterator: ICU runs every rule-based transliteration under
//     one process-wide mutex (rbt.cpp), and none of its transforms covers passport or 2021 Latin.
//  3. Romanisation: one left-to-right pass over each ASCII word (kLatinRules) folds the spellings
//     of the different systems to one letter or digraph per Kazakh sound:
//
//       Ж  zh j(+vowel) dzh dj ž     -> j     Ш Ч Щ  sh ch tch shch š č ş ç  -> sh
//       Х Һ  kh h x                  -> h     Ғ Г    gh g ğ ǵ ġ              -> g
//       Қ К  q k                     -> k     Ң Н    ng ñ ń ŋ n (+ngg nggh)  -> n
//       Ә А  ä ə a                   -> a     Ө О    ö ó o                   -> o
//       Ұ Ү У  u ū ü ú ý ou          -> u     І И Й Ы  i ı ī y j(no vowel)   -> i, runs of i -> i
//       Е Э Ё  e ė ë ye yo(after consonant) -> e     Я Ю  ya ia / yu iu      -> ia / iu
//       Ц  ts  Ъ Ь ' ʹ · removed     2017 apostrophes: s' c' -> sh, y' -> u
//
//     Choices and their reasons:
//     - Ч joins Ш. Kazakh has no native Ч and its speakers say Ш; Russian renderings of Kazakh
//       names write Ч for Ш (Чокан/Шоқан, Чингиз/Шыңғыс), and French-style "Chokan" means Ш.
//     - ng joins n, because passports write Ң as N and BGN writes it NG; Н+Г (Чингиз) is then
//       folded too, on both sides alike, so no pair is split by it.
//     - y is always a vowel or glide (Ы, Й, Я/Ю onglide) and folds to i with І/И/Й, since ICAO
//       and 2021 swap Y and I for Ы/І (Kasymkyzy, Kasymkizi, Kasymkızı). Runs of i collapse so
//       that ИЙ/ИЯ (Dmitriy/Dmitrii, Yuliya/Iuliia/Yulia) agree. No other doubled letter is
//       collapsed (Sattarkhanov vs Satarkhanov is left to the Bloom filter's bigrams).
//     - j before a vowel is Ж (2021 Latin: Janar, Aijan); j elsewhere is Й (GOST/ISO: Ajgerim).
//       Hence GOST "Julija" (Юлия) is not folded with Yuliya: passports never use it.
//     - x is Х (AXMETOV); a Latin "Maxim" therefore differs from "Maksim".
//     Not folded: Russian and Kazakh forms that differ by more than letter values (Нурлан and
//     Нұрлан agree, Бауыржан/Бауржан and Валиханов/Уәлиханов do not), and spelling errors: those
//     are left to the Bloom filter.
//
// Thread-safety: no mutable state; ICU's Normalizer2 singletons are immutable after creation.
#include "linkage/engine/normalize.h"

#include <unicode/locid.h>
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>

#include <array>
#include <charconv>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace kenes::linkage {
namespace {

// --- Stage 2: script -----------------------------------------------------------------------------

struct ScriptLetter {
  char32_t letter;  // lower case, NFC
  std::string_view ascii;
};

// Letters whose sound is not simply their base letter. Cyrillic follows ICAO 9303 (the Russian
// table) with the Kazakh letters reduced to their base letter, as passports do (REFERENCE §5.2).
// clang-format off
constexpr auto kScriptLetters = std::to_array<ScriptLetter>({
    // Cyrillic shared by Russian and Kazakh.
    {U'а', "a"}, {U'б', "b"}, {U'в', "v"}, {U'г', "g"}, {U'д', "d"}, {U'е', "e"},
    {U'ё', "e"}, {U'ж', "zh"}, {U'з', "z"}, {U'и', "i"}, {U'й', "i"}, {U'к', "k"}, {U'л', "l"},
    {U'м', "m"}, {U'н', "n"}, {U'о', "o"}, {U'п', "p"}, {U'р', "r"}, {U'с', "s"}, {U'т', "t"},
    {U'у', "u"}, {U'ф', "f"}, {U'х', "kh"}, {U'ц', "ts"}, {U'ч', "ch"}, {U'ш', "sh"},
    {U'щ', "shch"}, {U'ъ', ""}, {U'ы', "y"}, {U'ь', ""}, {U'э', "e"}, {U'ю', "iu"}, {U'я', "ia"},
    // The nine Kazakh letters.
    {U'ә', "a"}, {U'ғ', "g"}, {U'қ', "k"}, {U'ң', "n"}, {U'ө', "o"}, {U'ұ', "u"}, {U'ү', "u"},
    {U'һ', "h"}, {U'і', "i"},
    // Ukrainian and Belarusian letters that turn up in post-Soviet records.
    {U'ї', "i"}, {U'є', "e"}, {U'ґ', "g"}, {U'ў', "u"},
    // Latin letters whose diacritic makes a different sound: ISO 9 / ICU Cyrillic-Latin (ž š č ŝ),
    // 2021 Kazakh (ş ğ ñ ı), Turkish-style (ç ș), 2018 Kazakh (ǵ ń ý; ý is У there), Ŋ (§5.1).
    {U'ž', "zh"}, {U'š', "sh"}, {U'č', "ch"}, {U'ŝ', "shch"}, {U'ş', "sh"}, {U'ș', "sh"},
    {U'ç', "ch"}, {U'ğ', "g"}, {U'ġ', "g"}, {U'ǵ', "g"}, {U'ñ', "n"}, {U'ń', "n"}, {U'ŋ', "n"},
    {U'ə', "a"}, {U'ı', "i"}, {U'ý', "u"},
    // Latin letters without a canonical decomposition.
    {U'ø', "o"}, {U'æ', "ae"}, {U'œ', "oe"}, {U'ß', "ss"}, {U'ł', "l"}, {U'đ', "d"}, {U'ð', "d"},
    {U'þ', "th"},
});
// clang-format on

// The ASCII for `c` from kScriptLetters, or nullopt to keep the code point (its diacritics, if
// any, are dropped afterwards).
std::optional<std::string_view> ScriptToAscii(UChar32 c) {
  if (c < 0x80) return std::nullopt;
  for (const ScriptLetter& l : kScriptLetters) {
    if (static_cast<UChar32>(l.letter) == c) return l.ascii;
  }
  return std::nullopt;
}

// Apostrophe-like marks: removed inside words, but first they mark 2017 Latin letters (s' c' y').
// ʹ and ʺ are the BGN soft and hard signs.
bool IsApostrophe(UChar32 c) {
  switch (c) {
    case U'\'':
    case U'`':
    case U'´':
    case U'ʹ':
    case U'ʺ':
    case U'ʻ':
    case U'ʼ':
    case U'‘':
    case U'’':
      return true;
    default:
      return false;
  }
}

const icu::Normalizer2& Nfc() {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* n = icu::Normalizer2::getNFCInstance(status);
  if (U_FAILURE(status)) throw std::runtime_error("ICU NFC normaliser unavailable");
  return *n;
}

const icu::Normalizer2& Nfd() {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* n = icu::Normalizer2::getNFDInstance(status);
  if (U_FAILURE(status)) throw std::runtime_error("ICU NFD normaliser unavailable");
  return *n;
}

icu::UnicodeString Normalize(const icu::Normalizer2& n, const icu::UnicodeString& s) {
  UErrorCode status = U_ZERO_ERROR;
  icu::UnicodeString out = n.normalize(s, status);
  if (U_FAILURE(status)) throw std::runtime_error("ICU normalisation failed");
  return out;
}

// Stages 1 and 2: `raw` as ASCII lower-case letters, apostrophes and single spaces between words.
std::string ToAsciiWords(std::string_view raw) {
  icu::UnicodeString text = Normalize(Nfc(), icu::UnicodeString::fromUTF8(icu::StringPiece(
                                                 raw.data(), static_cast<int32_t>(raw.size()))));
  text.toLower(icu::Locale::getRoot());

  icu::UnicodeString mapped;
  for (int32_t i = 0; i < text.length(); i = text.moveIndex32(i, 1)) {
    const UChar32 c = text.char32At(i);
    if (auto ascii = ScriptToAscii(c)) {
      mapped.append(icu::UnicodeString::fromUTF8(
          icu::StringPiece(ascii->data(), static_cast<int32_t>(ascii->size()))));
    } else {
      mapped.append(c);
    }
  }
  const icu::UnicodeString decomposed = Normalize(Nfd(), mapped);

  std::string out;
  out.reserve(raw.size());
  for (int32_t i = 0; i < decomposed.length(); i = decomposed.moveIndex32(i, 1)) {
    const UChar32 c = decomposed.char32At(i);
    if (c >= 'a' && c <= 'z') {
      out.push_back(static_cast<char>(c));
    } else if (IsApostrophe(c)) {
      out.push_back('\'');
    } else if (c == 0x00B7 || u_charType(c) == U_NON_SPACING_MARK || u_isalpha(c) ||
               u_charType(c) == U_MODIFIER_LETTER) {
      // Accents, BGN's disambiguating U+00B7, ICU's "kˌ", and letters of other scripts: dropped.
    } else if (!out.empty() && out.back() != ' ') {
      out.push_back(' ');  // whitespace, hyphens, dots, digits, other punctuation: word break
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

// --- Stage 3: romanisation -----------------------------------------------------------------------

bool IsVowel(char c) {
  return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' || c == 'y';
}

enum class Context {
  kAny,
  kBeforeVowel,       // the next letter is a vowel
  kBeforeFrontVowel,  // the next letter is e or i (French gu/gue/gui)
  kAfterConsonant,    // the previous letter is a consonant
};

struct LatinRule {
  std::string_view from;
  std::string_view to;
  Context context = Context::kAny;
};

// Tried in order at each position; the first match wins, so a longer spelling precedes its
// prefixes. A letter that no rule matches is copied.
constexpr std::array kLatinRules = {
    // Ж: ICAO/BGN zh, Russian Дж dzh, French dj, 2021 j; ISO ž arrives as zh.
    LatinRule{"dzh", "j"},
    LatinRule{"dj", "j"},
    LatinRule{"zh", "j"},
    LatinRule{"j", "j", Context::kBeforeVowel},
    LatinRule{"j", "i"},  // Й in GOST/ISO (Ajgerim)
    // Ш, Ч, Щ as one key (see the file comment); French tch for Ч.
    LatinRule{"shch", "sh"},
    LatinRule{"tch", "sh"},
    LatinRule{"ch", "sh"},
    LatinRule{"sh", "sh"},
    // Х and Һ: ICAO kh, 2021 h, Russian-Latin lookalike x (AXMETOV).
    LatinRule{"kh", "h"},
    LatinRule{"x", "h"},
    // Ң: BGN ng, also before BGN Ғ (gh) or Г (Shyngghys); French ngu before e/i (Tchinguiz).
    LatinRule{"ngu", "n", Context::kBeforeFrontVowel},
    LatinRule{"nggh", "n"},
    LatinRule{"ngg", "n"},
    LatinRule{"ng", "n"},
    // Ғ: BGN gh; French gu before e/i.
    LatinRule{"gh", "g"},
    LatinRule{"gu", "g", Context::kBeforeFrontVowel},
    // Қ: BGN and 2021 q.
    LatinRule{"q", "k"},
    // У: French ou (Nursoultan).
    LatinRule{"ou", "u"},
    // Е, Ё: BGN ye (Yerlan, Nazarbayev), yo after a consonant (Pyotr, Semyonov).
    LatinRule{"ye", "e"},
    LatinRule{"yo", "e", Context::kAfterConsonant},
    // Ы, Й and the onglide of Я/Ю (ya/yu -> ia/iu).
    LatinRule{"y", "i"},
};

bool ContextHolds(Context context, std::string_view word, std::size_t begin, std::size_t end) {
  switch (context) {
    case Context::kAny:
      return true;
    case Context::kBeforeVowel:
      return end < word.size() && IsVowel(word[end]);
    case Context::kBeforeFrontVowel:
      return end < word.size() && (word[end] == 'e' || word[end] == 'i');
    case Context::kAfterConsonant:
      return begin > 0 && !IsVowel(word[begin - 1]);
  }
  return false;
}

// 2017 Latin (apostrophe letters): s' is Ш, c' is Ч, y' is У; other apostrophes are dropped
// (a' g' n' o' u' i' then read as their base letter, which is what they fold to anyway).
std::string ResolveApostrophes(std::string_view word) {
  std::string out;
  out.reserve(word.size() + 2);
  for (std::size_t i = 0; i < word.size(); ++i) {
    const char c = word[i];
    if (c == '\'') continue;
    const bool marked = i + 1 < word.size() && word[i + 1] == '\'';
    if (marked && c == 's') {
      out += "sh";
    } else if (marked && c == 'c') {
      out += "ch";
    } else if (marked && c == 'y') {
      out += 'u';
    } else {
      out += c;
    }
  }
  return out;
}

std::string FoldLatinWord(std::string_view raw_word) {
  const std::string word = ResolveApostrophes(raw_word);
  std::string out;
  out.reserve(word.size());
  std::size_t p = 0;
  while (p < word.size()) {
    bool matched = false;
    for (const LatinRule& rule : kLatinRules) {
      if (word.compare(p, rule.from.size(), rule.from) == 0 &&
          ContextHolds(rule.context, word, p, p + rule.from.size())) {
        out += rule.to;
        p += rule.from.size();
        matched = true;
        break;
      }
    }
    if (!matched) out += word[p++];
  }
  // Runs of i (ИЙ, ИЯ, ЬЯ as i-i-a) become one i.
  std::string collapsed;
  collapsed.reserve(out.size());
  for (const char c : out) {
    if (c == 'i' && !collapsed.empty() && collapsed.back() == 'i') continue;
    collapsed += c;
  }
  return collapsed;
}

std::vector<std::string> SplitWords(std::string_view s) {
  std::vector<std::string> words;
  std::size_t start = 0;
  while (start < s.size()) {
    std::size_t end = s.find(' ', start);
    if (end == std::string_view::npos) end = s.size();
    if (end > start) words.emplace_back(s.substr(start, end - start));
    start = end + 1;
  }
  return words;
}

std::string JoinWords(const std::vector<std::string>& words) {
  std::string out;
  for (const std::string& w : words) {
    if (w.empty()) continue;
    if (!out.empty()) out += ' ';
    out += w;
  }
  return out;
}

std::vector<std::string> FoldNameWords(std::string_view raw) {
  std::vector<std::string> words;
  for (const std::string& w : SplitWords(ToAsciiWords(raw))) {
    std::string folded = FoldLatinWord(w);
    if (!folded.empty()) words.push_back(std::move(folded));
  }
  return words;
}

// --- Surname and patronymic suffixes (on folded words) -------------------------------------------

// Minimum stem left after removing a suffix, so that short names (Lev, Dina) are kept whole.
constexpr std::size_t kMinStem = 3;

struct Suffix {
  std::string_view ending;
  // -ev after a vowel spells the stem's final й (Назарбай -> Назарбаев): restore it as i.
  bool restores_i = false;
};

// Drops the first matching suffix of `word` if at least kMinStem letters remain.
std::string StripSuffix(std::string word, std::span<const Suffix> suffixes) {
  for (const Suffix& s : suffixes) {
    if (word.size() < s.ending.size() + kMinStem || !word.ends_with(s.ending)) continue;
    word.resize(word.size() - s.ending.size());
    if (s.restores_i && IsVowel(word.back()) && word.back() != 'i') word += 'i';
    break;
  }
  return word;
}

// Removes a trailing separate "uly"/"kyzy" (Ахмет ұлы) when other words precede it.
void DropSeparateFilial(std::vector<std::string>& words) {
  if (words.size() > 1 && (words.back() == "uli" || words.back() == "kizi")) words.pop_back();
}

// Folded forms: -ов -ova... are "ov" "ova"; -ұлы/-uly "uli"; -қызы/-kyzy "kizi".
constexpr std::array kSurnameSuffixes = {
    Suffix{"ova"},      Suffix{"eva", true}, Suffix{"ina"}, Suffix{"ov"},
    Suffix{"ev", true}, Suffix{"in"},        Suffix{"uli"}, Suffix{"kizi"},
};

// Folded forms: -ович "ovish" (ch folds to sh), -овна "ovna".
constexpr std::array kPatronymicSuffixes = {
    Suffix{"ovish"},      Suffix{"evish", true}, Suffix{"ovna"},
    Suffix{"evna", true}, Suffix{"uli"},         Suffix{"kizi"},
};

// --- Dates ---------------------------------------------------------------------------------------

std::string_view TrimAscii(std::string_view s) {
  constexpr std::string_view kSpace = " \t\r\n\f\v";
  const std::size_t b = s.find_first_not_of(kSpace);
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(kSpace) - b + 1);
}

// The digits of `s` as a number if `s` is min_len..max_len ASCII digits (no sign).
std::optional<int> Digits(std::string_view s, std::size_t min_len, std::size_t max_len) {
  if (s.size() < min_len || s.size() > max_len) return std::nullopt;
  if (s.find_first_not_of("0123456789") != std::string_view::npos) return std::nullopt;
  int value = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return value;
}

bool IsLeapYear(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int DaysInMonth(int year, int month) {
  static constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month == 2 && IsLeapYear(year)) return 29;
  return kDays[static_cast<std::size_t>(month - 1)];
}

// Splits "a<sep>b<sep>c" into three parts, or nullopt.
std::optional<std::array<std::string_view, 3>> SplitDate(std::string_view s, char sep) {
  const std::size_t first = s.find(sep);
  if (first == std::string_view::npos) return std::nullopt;
  const std::size_t second = s.find(sep, first + 1);
  if (second == std::string_view::npos || s.find(sep, second + 1) != std::string_view::npos) {
    return std::nullopt;
  }
  return std::array{s.substr(0, first), s.substr(first + 1, second - first - 1),
                    s.substr(second + 1)};
}

std::string Quote(std::string_view s) {
  constexpr std::size_t kMaxShown = 40;
  // Appended piece by piece: `"\"" + std::string(...)` trips GCC 12's -Wrestrict at -O3.
  std::string out = "\"";
  out.append(s.substr(0, kMaxShown));
  out.append(s.size() > kMaxShown ? "...\"" : "\"");
  return out;
}

}  // namespace

std::string FoldName(std::string_view raw) { return JoinWords(FoldNameWords(raw)); }

std::string FoldFamilyName(std::string_view raw) {
  std::vector<std::string> words = FoldNameWords(raw);
  DropSeparateFilial(words);
  for (std::string& w : words) {
    // -ская/-skaya folds to -ский/-skiy ("skaia" and "skii" -> "ski" after FoldName).
    if (w.size() >= 5 + kMinStem && w.ends_with("skaia")) w.replace(w.size() - 5, 5, "ski");
    w = StripSuffix(std::move(w), kSurnameSuffixes);
  }
  return JoinWords(words);
}

std::string FoldPatronymic(std::string_view raw) {
  std::vector<std::string> words = FoldNameWords(raw);
  DropSeparateFilial(words);
  for (std::string& w : words) w = StripSuffix(std::move(w), kPatronymicSuffixes);
  return JoinWords(words);
}

core::Result<Date> ParseDate(std::string_view raw) {
  const std::string_view s = TrimAscii(raw);
  std::optional<int> y, m, d;
  if (s.size() == 8 && s.find_first_not_of("0123456789") == std::string_view::npos) {
    y = Digits(s.substr(0, 4), 4, 4);  // YYYYMMDD
    m = Digits(s.substr(4, 2), 2, 2);
    d = Digits(s.substr(6, 2), 2, 2);
  } else if (auto ymd = SplitDate(s, '-')) {  // YYYY-MM-DD
    y = Digits((*ymd)[0], 4, 4);
    m = Digits((*ymd)[1], 1, 2);
    d = Digits((*ymd)[2], 1, 2);
  } else if (auto dmy = SplitDate(s, '.'); dmy || (dmy = SplitDate(s, '/'))) {
    d = Digits((*dmy)[0], 1, 2);  // DD.MM.YYYY or DD/MM/YYYY
    m = Digits((*dmy)[1], 1, 2);
    y = Digits((*dmy)[2], 4, 4);
  }
  if (!y || !m || !d) {
    return core::Fail(
        core::ErrorCode::kInvalidArgument,
        "date " + Quote(s) + " is not YYYY-MM-DD, DD.MM.YYYY, DD/MM/YYYY or YYYYMMDD");
  }
  if (*y < 1800) {
    return core::Fail(core::ErrorCode::kInvalidArgument,
                      "date " + Quote(s) + ": year " + std::to_string(*y) + " is before 1800");
  }
  if (*m < 1 || *m > 12) {
    return core::Fail(core::ErrorCode::kInvalidArgument,
                      "date " + Quote(s) + ": month " + std::to_string(*m) + " does not exist");
  }
  if (*d < 1 || *d > DaysInMonth(*y, *m)) {
    return core::Fail(core::ErrorCode::kInvalidArgument,
                      "date " + Quote(s) + ": day " + std::to_string(*d) + " does not exist in " +
                          std::to_string(*y) + "-" + (*m < 10 ? "0" : "") + std::to_string(*m));
  }
  return Date{*y, *m, *d};
}

core::Result<char> ParseSex(std::string_view raw) {
  icu::UnicodeString text = Normalize(Nfc(), icu::UnicodeString::fromUTF8(icu::StringPiece(
                                                 raw.data(), static_cast<int32_t>(raw.size()))));
  text.trim();
  text.toLower(icu::Locale::getRoot());
  std::string key;
  text.toUTF8String(key);
  static constexpr std::array<std::string_view, 6> kMale = {"m",   "м",       "male",
                                                            "муж", "мужской", "ер"};
  static constexpr std::array<std::string_view, 6> kFemale = {"f",   "ж",       "female",
                                                              "жен", "женский", "әйел"};
  for (std::string_view m : kMale) {
    if (key == m) return 'm';
  }
  for (std::string_view f : kFemale) {
    if (key == f) return 'f';
  }
  return core::Fail(core::ErrorCode::kInvalidArgument,
                    "sex " + Quote(TrimAscii(raw)) +
                        " is not one of M/F, М/Ж, male/female, муж/жен, мужской/женский, ер/әйел");
}

std::string FoldPassport(std::string_view raw) {
  const icu::UnicodeString text =
      icu::UnicodeString::fromUTF8(icu::StringPiece(raw.data(), static_cast<int32_t>(raw.size())));
  icu::UnicodeString kept;
  bool leading = true;  // still in the letter prefix (N, or a Cyrillic Н typed for it)
  for (int32_t i = 0; i < text.length(); i = text.moveIndex32(i, 1)) {
    const UChar32 c = text.char32At(i);
    if (u_isUWhiteSpace(c) || u_charType(c) == U_DASH_PUNCTUATION) continue;
    if (leading && u_isalpha(c)) continue;
    leading = false;
    kept.append(c);
  }
  kept.toUpper(icu::Locale::getRoot());
  std::string out;
  kept.toUTF8String(out);
  return out;
}

}  // namespace kenes::linkage
