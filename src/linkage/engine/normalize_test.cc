// Tables of spellings that must fold together (REFERENCE.md §5.2 and §5.4, and common Kazakh
// names), names that must stay apart, and the date, sex and passport parsers.
#include "linkage/engine/normalize.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace kenes::linkage {
namespace {

// Every spelling in `variants` must fold to `key`.
struct FoldGroup {
  std::string_view key;
  std::vector<std::string_view> variants;
};

void ExpectGroups(std::string (*fold)(std::string_view), const std::vector<FoldGroup>& groups) {
  for (const FoldGroup& g : groups) {
    for (std::string_view v : g.variants) {
      EXPECT_EQ(fold(v), g.key) << "input: " << v;
    }
  }
}

TEST(FoldNameTest, GivenNamesAcrossScriptsAndRomanisations) {
  ExpectGroups(
      FoldName,
      {
          // Cyrillic, ICAO/BGN, 2021 Latin, ISO 9, Russian Дж, upper case, decomposed ž.
          {"janar",
           {"Жанар", "Zhanar", "Janar", "Žanar", "Dzhanar", "ZHANAR", "Djanar", "Z\u030Canar",
            "ЖАНАР"}},
          // Passport I, BGN/ICS Y, GOST j, 2021 dotless ı, Kazakh-Latin/BGN ī̆.
          {"aigerim",
           {"Айгерім", "Aigerim", "Aygerim", "Ajgerim", "Aigerım", "AIGERIM", "AYGERIM", "Aī̆gerim",
            "Айгерим", "AİGERİM"}},
          {"nursultan",
           {"Нұрсұлтан", "Nursultan", "Nūrsūltan", "Nursoultan", "NURSULTAN", "Нурсултан",
            "NŪRSŪLTAN"}},
          {"nazarbaev", {"Назарбаев", "NAZARBAEV", "Nazarbayev", "Nazarbaev"}},
          {"kasimkizi",
           {"Қасымқызы", "Kasymkyzy", "Qasymqyzy", "Kasymkizi", "Kasymkızı", "QASYMQYZY",
            "Касымкызы"}},
          {"ahmetov", {"Ахметов", "Akhmetov", "Axmetov", "AHMETOV", "AXMETOV", "Ahmetov"}},
          {"erlan", {"Ерлан", "Yerlan", "Erlan", "YERLAN"}},
          {"asel", {"Әсел", "Asel", "Äsel", "ÄSEL", "Ásel"}},
          {"galim", {"Ғалым", "Galym", "Ghalym", "Ğalym", "Ǵalym", "Galim", "Ġalym"}},
          {"jumabek", {"Жұмабек", "Zhumabek", "Jumabek", "Jūmabek", "Žumabek", "Dzhumabek"}},
          {"omirzak", {"Өмірзақ", "Omirzak", "Ömirzaq", "Ómirzaq", "OMIRZAK"}},
          // Ч joins Ш: French "Chokan", Russian Чокан, 2017 s'.
          {"shokan", {"Шоқан", "Shokan", "Şoqan", "Chokan", "Чокан", "Tchokan", "S'oqan", "Šokan"}},
          // ИЯ and the -iia/-iya/-ia endings collapse.
          {"iulia", {"Юлия", "Yuliya", "Iuliia", "Yulia", "Iulia", "YULIYA"}},
          {"shiniz", {"Чингиз", "Chingiz", "Tchinguiz", "CHINGIZ"}},
          // Ң: passport N, BGN ng, 2021 ñ, the Ŋ variant.
          {"teniz", {"Теңіз", "Teniz", "Tengiz", "Teñiz", "Teŋiz", "Тенгиз"}},
          {"shinis", {"Шыңғыс", "Shyngys", "Shyngghys", "Şyñğys", "SHYNGYS"}},
          {"aijan", {"Айжан", "Aizhan", "Ayzhan", "Aijan", "AIZHAN"}},
          {"erjan", {"Ержан", "Yerzhan", "Erzhan", "Erjan", "Yerjan"}},
          {"kuanish", {"Қуаныш", "Kuanysh", "Quanysh", "Quanış", "Kuanish"}},
          {"saule", {"Сәуле", "Saule", "Säule", "SAULE"}},
          {"gulnara", {"Гүлнара", "Gulnara", "Gülnara", "Гульнара", "Gul'nara"}},
          {"dinmuhamed", {"Дінмұхамед", "Dinmukhamed", "Dinmuhamed", "Dinmūhamed"}},
          {"janibek", {"Жәнібек", "Zhanibek", "Janibek", "Jänibek", "Ja'nibek"}},
          {"alia", {"Әлия", "Алия", "Aliya", "Alia", "Äliia"}},
          {"ilias", {"Ильяс", "Ilyas", "Ilias", "Il'yas", "Iliyas"}},
          {"bahtiar", {"Бахтияр", "Bakhtiyar", "Bakhtiar", "Bahtiiar"}},
          {"dmitri", {"Дмитрий", "Dmitriy", "Dmitrii", "Dmitry"}},
          {"fedor", {"Фёдор", "Федор", "Fyodor", "Fedor", "Fëdor"}},
          {"kuanishbai", {"Қуанышбай", "Kuanyshbay", "Kuanyshbai", "Quanyshbaj"}},
          {"muhtar", {"Мұхтар", "Mukhtar", "Muhtar", "Muxtar"}},
          {"tsoi", {"Цой", "Tsoi", "Tsoy", "TSOI"}},
      });
}

TEST(FoldNameTest, SeparatorsCaseAndStrayCharacters) {
  ExpectGroups(FoldName, {
                             {"", {"", "   ", "-", "'", "·", "123", "\xff\xfe"}},
                             {"nursultan abishuli nazarbaev",
                              {"Нұрсұлтан Әбішұлы Назарбаев", "  NURSULTAN  ABISHULY\tNAZARBAYEV ",
                               "Nursultan-Abishuly-Nazarbayev", "Nursultan Äbişūly Nazarbaev"}},
                             {"abdu aziz", {"Abdu-Aziz", "ABDU - AZIZ", "Abdu.Aziz", "Abdu, Aziz"}},
                             // BGN middle dot, apostrophes of every kind, ICU's "kˌ".
                             {"ashi", {"Ash·chy", "Ashchy", "Ащы", "Ашчы"}},
                             {"obrien", {"O'Brien", "O’Brien", "OʼBrien", "O`Brien"}},
                             {"kasim", {"Kˌasym", "Қасым"}},
                             {"jana", {"Jana1", "Жана\u00A0"}},
                         });
}

TEST(FoldNameTest, OutputIsLowerAsciiWithSingleSpaces) {
  for (std::string_view raw : {"Щорс Ёлкин-Ъ Ь", "Ὀδυσσεύς Ахмет", "  a  b  ", "ÆØÅ ß Łódź"}) {
    const std::string key = FoldName(raw);
    for (const char c : key) EXPECT_TRUE((c >= 'a' && c <= 'z') || c == ' ') << raw;
    EXPECT_EQ(key.find("  "), std::string::npos) << raw;
    EXPECT_FALSE(!key.empty() && (key.front() == ' ' || key.back() == ' ')) << raw;
  }
  EXPECT_EQ(FoldName("Ὀδυσσεύς Ахмет"), "ahmet");  // other scripts are dropped
  EXPECT_EQ(FoldName("ÆØÅ ß Łódź"), "aeoa ss lodz");
}

TEST(FoldNameTest, DifferentNamesStayDifferent) {
  const std::vector<std::pair<std::string_view, std::string_view>> pairs = {
      {"Aigerim", "Aigul"},    {"Nursultan", "Nurlan"},
      {"Akhmetov", "Ahmedov"}, {"Asel", "Aisel"},
      {"Erlan", "Erbol"},      {"Zhanar", "Sanar"},
      {"Galym", "Kalym"},      {"Omar", "Umar"},
      {"Dana", "Dina"},        {"Aida", "Aidana"},
      {"Marat", "Murat"},      {"Saule", "Saltanat"},
      {"Жанна", "Жанар"},      {"Sattarkhanov", "Satarkhanov"},
  };
  for (const auto& [a, b] : pairs) {
    EXPECT_NE(FoldName(a), FoldName(b)) << a << " vs " << b;
  }
}

TEST(FoldFamilyNameTest, RussifiedAndKazakhSurnameForms) {
  ExpectGroups(
      FoldFamilyName,
      {
          {"ahmet",
           {"Ахметов", "Akhmetov", "Axmetov", "AHMETOV", "AXMETOV", "Ахметова", "Akhmetova",
            "Ахметұлы", "Akhmetuly", "Ахметқызы", "Akhmetkyzy", "Akhmet", "Ахмет ұлы",
            "AKHMETOVA"}},
          {"nazarbai",
           {"Назарбаев", "NAZARBAEV", "Nazarbayev", "Nazarbaev", "Назарбаева", "Nazarbayeva",
            "Назарбай", "Nazarbay", "Назарбайұлы", "Nazarbaiuly", "Nazarbayqyzy"}},
          {"ospan", {"Оспанов", "Ospanov", "Ospanova", "Оспанұлы", "Ospan"}},
          {"omar", {"Омаров", "Omarov", "Omarova", "Омарқызы", "Omarqyzy"}},
          {"ali", {"Алиев", "Aliyev", "Aliev", "Aliyeva", "Алиева", "Әліұлы"}},
          {"mus", {"Мусин", "Musin", "Musina", "MUSINA"}},
          {"janbulat",
           {"Джанбулатов", "Джанбулатова", "Жанбулатов", "Жанбулат", "Zhanbulatov",
            "Dzhanbulatova"}},
          {"suleimen", {"Сулейменов", "Suleimenov", "Suleymenov", "Сүлейменова", "Suleimenuly"}},
          {"kovalski", {"Ковальский", "Ковальская", "Kovalskiy", "Kovalskaya", "Koval'skaia"}},
          {"kim", {"Ким", "Kim", "KIM"}},
          {"lev", {"Lev", "Лев"}},
          {"dina", {"Dina"}},
          {"ivan petr", {"Ivanova-Petrova", "Иванов Петров"}},
      });
  EXPECT_NE(FoldFamilyName("Akhmetov"), FoldFamilyName("Omarov"));
  EXPECT_NE(FoldFamilyName("Nazarbayev"), FoldFamilyName("Nazarov"));
  EXPECT_EQ(FoldFamilyName(""), "");
}

TEST(FoldPatronymicTest, RussianAndKazakhPatronymics) {
  ExpectGroups(
      FoldPatronymic,
      {
          {"", {"", "  "}},
          {"nursultan",
           {"Нурсултанович", "Nursultanovich", "Нұрсұлтанұлы", "Nursultanuly", "Nūrsūltanūly",
            "Нурсултановна", "Nursultanovna", "Nursultanqyzy", "Nursultan uly"}},
          {"kasim",
           {"Қасымқызы", "Kasymkyzy", "Qasymqyzy", "Kasymkizi", "Kasymkızı", "Касымовна",
            "Kasymovna", "Kasymovich", "Қасым қызы", "Kasymuli"}},
          {"abish", {"Әбішұлы", "Abishuly", "Äbişūly", "Абишевич", "Abishevich", "ABISHEVNA"}},
          {"sergei", {"Сергеевич", "Sergeevich", "Sergeyevich", "Сергеевна", "Sergeyevna"}},
      });
  EXPECT_NE(FoldPatronymic("Kasymovna"), FoldPatronymic("Kasenovna"));
}

TEST(FoldNameTest, ThreadSafe) {
  std::vector<std::thread> threads;
  std::vector<std::string> results(4);
  for (std::size_t t = 0; t < results.size(); ++t) {
    threads.emplace_back([&results, t] {
      for (int i = 0; i < 200; ++i) results[t] = FoldFamilyName("Назарбайұлы Ахметова");
    });
  }
  for (std::thread& th : threads) th.join();
  for (const std::string& r : results) EXPECT_EQ(r, "nazarbai ahmet");
}

TEST(ParseDateTest, AcceptedFormats) {
  struct Case {
    std::string_view raw;
    Date want;
  };
  const std::vector<Case> cases = {
      {"1990-04-30", {1990, 4, 30}},     {"30.04.1990", {1990, 4, 30}},
      {"30/04/1990", {1990, 4, 30}},     {"19900430", {1990, 4, 30}},
      {"  1990-04-30\t", {1990, 4, 30}}, {"1.2.1985", {1985, 2, 1}},
      {"1985-2-1", {1985, 2, 1}},        {"29.02.2024", {2024, 2, 29}},
      {"2000-02-29", {2000, 2, 29}},     {"19960229", {1996, 2, 29}},
      {"31/12/1899", {1899, 12, 31}},    {"01.01.1800", {1800, 1, 1}},
  };
  for (const Case& c : cases) {
    const auto got = ParseDate(c.raw);
    ASSERT_TRUE(got.has_value()) << c.raw << ": " << got.error().message;
    EXPECT_EQ(*got, c.want) << c.raw;
  }
}

TEST(ParseDateTest, RejectsMalformedAndImpossibleDates) {
  for (std::string_view raw :
       {"2023-02-29",   "31.04.1990", "1990/13/01", "abc",        "",           "   ",
        "1900-02-29",   "2100-02-29", "1990-13-01", "1990-00-10", "00.01.1990", "32.01.1990",
        "1990-04-31",   "19900431",   "1990-4",     "30.04.90",   "30-04-1990", "30.04/1990",
        "1990-04-30-1", "+1.05.1990", "-1.05.1990", "1990430",    "199004301",  "01.01.1799",
        "1990 04 30",   "٣٠.٠٤.١٩٩٠"}) {
    const auto got = ParseDate(raw);
    EXPECT_FALSE(got.has_value()) << raw;
    if (!got) {
      EXPECT_EQ(got.error().code, core::ErrorCode::kInvalidArgument);
    }
  }
  const auto april = ParseDate("31.04.1990");
  ASSERT_FALSE(april.has_value());
  EXPECT_NE(april.error().message.find("31.04.1990"), std::string::npos) << april.error().message;
  const auto feb = ParseDate("2023-02-29");
  ASSERT_FALSE(feb.has_value());
  EXPECT_NE(feb.error().message.find("2023-02-29"), std::string::npos) << feb.error().message;
}

TEST(ParseSexTest, AcceptedForms) {
  struct Case {
    std::string_view raw;
    char want;
  };
  const std::vector<Case> cases = {
      {"M", 'm'},       {"m", 'm'},    {"М", 'm'},       {"м", 'm'},       {"male", 'm'},
      {"MALE", 'm'},    {"Male", 'm'}, {"муж", 'm'},     {"МУЖ", 'm'},     {"мужской", 'm'},
      {"Мужской", 'm'}, {"ер", 'm'},   {"ЕР", 'm'},      {" Ер ", 'm'},    {"F", 'f'},
      {"f", 'f'},       {"Ж", 'f'},    {"ж", 'f'},       {"female", 'f'},  {"FEMALE", 'f'},
      {"жен", 'f'},     {"Жен", 'f'},  {"женский", 'f'}, {"ЖЕНСКИЙ", 'f'}, {"әйел", 'f'},
      {"ӘЙЕЛ", 'f'},    {"Әйел", 'f'}, {"\tf\n", 'f'},
  };
  for (const Case& c : cases) {
    const auto got = ParseSex(c.raw);
    ASSERT_TRUE(got.has_value()) << c.raw << ": " << got.error().message;
    EXPECT_EQ(*got, c.want) << c.raw;
  }
}

TEST(ParseSexTest, RejectsEverythingElse) {
  for (std::string_view raw :
       {"", " ", "x", "U", "mf", "ma", "fem", "Ж М", "1", "2", "мужчина", "woman", "e", "\xff"}) {
    const auto got = ParseSex(raw);
    EXPECT_FALSE(got.has_value()) << raw;
    if (!got) {
      EXPECT_EQ(got.error().code, core::ErrorCode::kInvalidArgument);
    }
  }
}

TEST(FoldPassportTest, CanonicalForm) {
  struct Case {
    std::string_view raw;
    std::string_view want;
  };
  const std::vector<Case> cases = {
      {"n 1234 5678", "12345678"},
      {"N12345678", "12345678"},
      {"12345678", "12345678"},
      {"N-1234-5678", "12345678"},
      {" n12345678 ", "12345678"},
      {"Н12345678", "12345678"},
      {"AB 123456", "123456"},
      {"123456a", "123456A"},
      {"", ""},
      {"N", ""},
      {"12 34–56", "123456"},
  };
  for (const Case& c : cases) EXPECT_EQ(FoldPassport(c.raw), c.want) << c.raw;
}

}  // namespace
}  // namespace kenes::linkage
