#include "linkage/engine/kazakh_worker.h"

#include <gtest/gtest.h>

#include <bit>
#include <vector>

#include "linkage/engine/encoder.h"

namespace kenes::linkage {
namespace {

using Row = std::vector<std::string_view>;  // id, given, family, patronymic, dob, sex, passport

std::vector<std::uint8_t> Encode(Encoder& encoder, const Row& row) {
  auto preparer = KazakhWorkerPreparer();
  std::vector<std::string> scratch;
  std::vector<std::string_view> values;
  auto ok = preparer->Prepare(row, scratch, values);
  EXPECT_TRUE(ok) << ok.error().message;
  std::vector<std::uint8_t> clk(encoder.clk_bytes());
  auto encoded = encoder.Encode(values, clk.data());
  EXPECT_TRUE(encoded) << encoded.error().message;
  return clk;
}

double Dice(const std::vector<std::uint8_t>& a, const std::vector<std::uint8_t>& b) {
  int both = 0, pa = 0, pb = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    both += std::popcount(static_cast<unsigned>(a[i] & b[i]));
    pa += std::popcount(static_cast<unsigned>(a[i]));
    pb += std::popcount(static_cast<unsigned>(b[i]));
  }
  return 2.0 * both / (pa + pb);
}

struct Pair {
  Row kazakh_side;
  Row uk_side;
};

// The same person as the Kazakh ministry and a UK agency write them.
const std::vector<Pair> kSamePerson = {
    {{"1", "Жанар", "Ахметова", "Қасымқызы", "1994-03-12", "Ж", "N12345678"},
     {"a", "ZHANAR", "AKHMETOVA", "", "12/03/1994", "F", "12345678"}},
    {{"2", "Нұрсұлтан", "Назарбаев", "Әбішұлы", "1990-07-06", "М", "N08765432"},
     {"b", "Nursultan", "Nazarbayev", "Abishuly", "06.07.1990", "male", "N08765432"}},
    // Given and family name swapped, 2021 Latin spelling.
    {{"3", "Айгерім", "Сейітова", "", "2001-11-30", "Ж", ""},
     {"c", "Seiıtova", "Aigerım", "", "30.11.2001", "F", ""}},
    // Day and month slipped.
    {{"4", "Ерлан", "Омаров", "Серікұлы", "1988-05-09", "М", "N11223344"},
     {"d", "Yerlan", "Omarov", "", "05.09.1988", "M", "N11223344"}},
    // Passport spelling without the patronymic and a typo in the surname.
    {{"5", "Ғалым", "Жұмабеков", "", "1979-12-01", "М", "N55667788"},
     {"e", "GALYM", "ZHUMABEKOV", "", "01.12.1979", "M", "55667788"}},
    {{"6", "Шолпан", "Исқақова", "Төлегенқызы", "1985-02-17", "Ж", "N99887766"},
     {"f", "Sholpan", "Iskakova", "Tolegenovna", "17/02/1985", "F", ""}},
    {{"7", "Әсел", "Тоқаева", "", "1999-08-23", "Ж", ""},
     {"g", "Asel", "Tokaeva", "", "23.08.1999", "F", ""}},
    {{"8", "Бауыржан", "Сүлейменов", "", "1992-10-04", "М", "N44556677"},
     {"h", "Bauyrzhan", "Suleimenov", "", "04.10.1992", "M", "N44556677"}},
};

// Different people who share something: a surname, a birthday, a given name.
const std::vector<Pair> kDifferentPeople = {
    {{"1", "Жанар", "Ахметова", "", "1994-03-12", "Ж", ""},
     {"x", "Aigerim", "Akhmetova", "", "1994-03-12", "F", ""}},
    {{"2", "Ерлан", "Омаров", "", "1988-05-09", "М", ""},
     {"y", "Yerlan", "Omarov", "", "1991-01-27", "M", ""}},
    {{"3", "Нұрлан", "Оспанов", "", "1980-04-04", "М", ""},
     {"z", "Nursultan", "Ospanov", "", "1980-04-14", "M", ""}},
    {{"4", "Әсел", "Тоқаева", "", "1999-08-23", "Ж", ""},
     {"w", "Asel", "Iskakova", "", "1999-08-23", "F", ""}},
};

TEST(KazakhWorkerTest, SchemaIsBuiltInWithAThreshold) {
  const Schema& s = KazakhWorkerSchema();
  EXPECT_EQ(s.l, 1024u);
  ASSERT_TRUE(s.threshold);
  EXPECT_EQ(*s.threshold, 0.875);
  EXPECT_EQ(KazakhWorkerPreparer()->Columns().size(), 7u);
}

TEST(KazakhWorkerTest, SamePersonAcrossScriptsScoresAboveTheThreshold) {
  auto encoder = Encoder::Create(KazakhWorkerSchema(), "shared secret");
  ASSERT_TRUE(encoder);
  const double t = *KazakhWorkerSchema().threshold;
  for (const Pair& p : kSamePerson) {
    const double d = Dice(Encode(*encoder, p.kazakh_side), Encode(*encoder, p.uk_side));
    EXPECT_GE(d, t) << p.kazakh_side[1] << " " << p.kazakh_side[2] << " vs " << p.uk_side[1] << " "
                    << p.uk_side[2];
  }
}

TEST(KazakhWorkerTest, DifferentPeopleScoreBelowTheThreshold) {
  auto encoder = Encoder::Create(KazakhWorkerSchema(), "shared secret");
  ASSERT_TRUE(encoder);
  const double t = *KazakhWorkerSchema().threshold;
  for (const Pair& p : kDifferentPeople) {
    const double d = Dice(Encode(*encoder, p.kazakh_side), Encode(*encoder, p.uk_side));
    EXPECT_LT(d, t) << p.kazakh_side[1] << " " << p.kazakh_side[2] << " vs " << p.uk_side[1] << " "
                    << p.uk_side[2];
  }
}

TEST(KazakhWorkerTest, SwappedNamesEncodeIdentically) {
  auto encoder = Encoder::Create(KazakhWorkerSchema(), "s");
  ASSERT_TRUE(encoder);
  EXPECT_EQ(Encode(*encoder, {"1", "Zhanar", "Akhmetova", "", "1994-03-12", "F", ""}),
            Encode(*encoder, {"2", "Akhmetova", "Zhanar", "", "1994-03-12", "F", ""}));
}

TEST(KazakhWorkerTest, BadDateAndSexAreNamed) {
  auto preparer = KazakhWorkerPreparer();
  std::vector<std::string> scratch;
  std::vector<std::string_view> values;
  auto bad_date = preparer->Prepare(Row{"1", "A", "B", "", "31.02.1990", "F", ""}, scratch, values);
  ASSERT_FALSE(bad_date);
  EXPECT_NE(bad_date.error().message.find("date_of_birth"), std::string::npos);
  EXPECT_NE(bad_date.error().message.find("31.02.1990"), std::string::npos);
  auto bad_sex = preparer->Prepare(Row{"1", "A", "B", "", "", "x", ""}, scratch, values);
  ASSERT_FALSE(bad_sex);
  EXPECT_NE(bad_sex.error().message.find("sex"), std::string::npos);
  // Missing date, sex and passport are allowed: those features add no bits.
  EXPECT_TRUE(preparer->Prepare(Row{"1", "A", "B", "", "", "", ""}, scratch, values));
}

}  // namespace
}  // namespace kenes::linkage
