// The words of the briefing pack in English, Russian and Kazakh: the fixed text of its templates
// and the labels the service derives from the record (statuses, states, procedure steps, kinds,
// meeting names, anniversaries). What people typed into the record (titles, commitment texts,
// notes) stays in the language it was written in. Thread-safe: constant tables, pure functions.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kenes::dialogue {

// en, ru, kk.
bool IsBriefingLanguage(std::string_view lang);

// The text of `key` in `lang` (English when `lang` is not one of the three); the key itself when
// no entry has it, so that a missing word shows rather than vanishes.
std::string Say(std::string_view lang, std::string_view key);

// `text` with every "{name}" replaced by its value.
std::string Fill(std::string_view text,
                 std::initializer_list<std::pair<std::string_view, std::string>> values);

// Every key whose prefix is "tpl." (the templates' fixed words), without the prefix, with its
// text in `lang`: the templates read them as {{t.name}}.
std::vector<std::pair<std::string, std::string>> TemplateWords(std::string_view lang);

// "1st", "2nd", "11th", "22nd": English ordinals, for names and messages.
std::string Ordinal(int n);

// "8th meeting" / "8-е заседание" / "8-отырыс"; "Meeting" when the number is unknown.
std::string MeetingName(std::string_view lang, int number, bool inferred);

// "1 year" / "3 года" / "3 жыл".
std::string Years(std::string_view lang, int years);

// The words of each key, for the tests that every language has them all.
std::vector<std::string> BriefingKeys();

}  // namespace kenes::dialogue
