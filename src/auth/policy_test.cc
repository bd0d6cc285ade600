// Walks every (role, action) pair against the permission matrix below, on three kinds of record:
// the user's own, another user's in the same agency, and one in another agency.
#include "auth/policy.h"

#include <gtest/gtest.h>

#include <map>
#include <sstream>

namespace kenes::auth {
namespace {

// S = own records only, O = own agency, A = any agency, - = never (403).
constexpr const char* kMatrix = R"(
action              admin supervisor officer analyst auditor viewer
me.read             S     S          S       S       S       S
agency.list         A     A          A       A       A       A
user.list           O     O          -       -       O       -
user.read           O     O          -       -       O       -
user.create         O     -          -       -       -       -
user.update         O     -          -       -       -       -
user.set_password   O     -          -       -       -       -
token.create        S     S          S       S       S       S
token.list          O     S          S       S       S       S
token.revoke        O     S          S       S       S       S
audit.read          -     -          -       -       O       -
audit.verify        A     -          -       -       A       -
payroll.check       -     O          O       O       -       -
payroll.read        -     O          O       O       O       -
linkage.manage      -     O          O       -       -       -
linkage.read        -     O          O       O       O       -
registry.write      -     O          O       -       -       -
registry.read       -     O          O       -       -       -
case.read           -     O          O       -       -       -
case.write          -     O          O       -       -       -
case.supervise      -     O          -       -       -       -
case.aggregate      -     O          O       O       -       -
provider.read       A     A          A       A       A       A
provider.write      -     O          O       -       -       -
dialogue.read       A     A          A       A       A       A
dialogue.write      -     -          -       -       -       -
library.read        A     A          A       A       A       A
library.write       -     O          O       O       -       -
)";

std::map<std::string, std::map<std::string, char>> ParseMatrix() {
  std::istringstream in(kMatrix);
  std::string line;
  std::vector<std::string> roles;
  std::map<std::string, std::map<std::string, char>> out;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    std::istringstream cells(line);
    std::string first;
    cells >> first;
    if (first == "action") {
      std::string r;
      while (cells >> r) roles.push_back(r);
      continue;
    }
    for (const auto& r : roles) {
      std::string cell;
      cells >> cell;
      out[first][r] = cell[0];
    }
  }
  return out;
}

TEST(PolicyTest, EveryRoleActionPairMatchesTheMatrix) {
  const auto matrix = ParseMatrix();
  ASSERT_EQ(matrix.size(), std::size(kAllActions)) << "every action needs a row in the matrix";
  int checked = 0;
  for (Action action : kAllActions) {
    const std::string name(ActionName(action));
    ASSERT_TRUE(matrix.count(name)) << "no matrix row for " << name;
    for (Role role : kAllRoles) {
      const char expected = matrix.at(name).at(std::string(RoleName(role)));
      Principal p;
      p.user_id = 10;
      p.agency = "kz-mlsp";
      p.roles = {role};
      const RecordRef own{"kz-mlsp", 10};
      const RecordRef colleague{"kz-mlsp", 11};
      const RecordRef foreign{"uk-fwa", 20};
      const std::string where = name + " / " + std::string(RoleName(role));
      switch (expected) {
        case '-':
          EXPECT_EQ(Authorize(p, action, own), Decision::kForbidden) << where;
          EXPECT_EQ(Authorize(p, action, foreign), Decision::kForbidden) << where;
          EXPECT_FALSE(MayPerform(p, action)) << where;
          break;
        case 'S':
          EXPECT_EQ(Authorize(p, action, own), Decision::kAllow) << where;
          EXPECT_EQ(Authorize(p, action, colleague), Decision::kNotFound) << where;
          EXPECT_EQ(Authorize(p, action, foreign), Decision::kNotFound) << where;
          break;
        case 'O':
          EXPECT_EQ(Authorize(p, action, own), Decision::kAllow) << where;
          EXPECT_EQ(Authorize(p, action, colleague), Decision::kAllow) << where;
          EXPECT_EQ(Authorize(p, action, foreign), Decision::kNotFound) << where;
          break;
        case 'A':
          EXPECT_EQ(Authorize(p, action, colleague), Decision::kAllow) << where;
          EXPECT_EQ(Authorize(p, action, foreign), Decision::kAllow) << where;
          break;
        default:
          FAIL() << "bad matrix cell for " << where;
      }
      ++checked;
    }
  }
  EXPECT_EQ(checked, static_cast<int>(std::size(kAllActions) * std::size(kAllRoles)));
}

TEST(PolicyTest, NoRolesMeansNothing) {
  Principal p;
  p.user_id = 1;
  p.agency = "uk-fwa";
  for (Action a : kAllActions) {
    EXPECT_EQ(Authorize(p, a, RecordRef{"uk-fwa", 1}), Decision::kForbidden) << ActionName(a);
  }
}

TEST(PolicyTest, RolesCombineToTheWidestGrant) {
  Principal p;
  p.user_id = 1;
  p.agency = "uk-fwa";
  p.roles = {Role::kViewer, Role::kAuditor};
  EXPECT_EQ(Authorize(p, Action::kAuditRead, RecordRef{"uk-fwa", 2}), Decision::kAllow);
  EXPECT_EQ(Authorize(p, Action::kAuditRead, RecordRef{"kz-mlsp", 3}), Decision::kNotFound);
}

TEST(PolicyTest, OnlyTheForeignMinistriesEditTheDialogueRecord) {
  for (const char* agency : {"kz-mfa", "uk-fcdo", "kz-mlsp", "uk-fwa"}) {
    const bool ministry = std::string(agency) == "kz-mfa" || std::string(agency) == "uk-fcdo";
    for (Role role : kAllRoles) {
      Principal p;
      p.user_id = 1;
      p.agency = agency;
      p.roles = {role};
      const bool editor =
          ministry && (role == Role::kAdmin || role == Role::kSupervisor || role == Role::kOfficer);
      const std::string where = std::string(agency) + " / " + std::string(RoleName(role));
      EXPECT_EQ(MayPerform(p, Action::kDialogueWrite), editor) << where;
      EXPECT_EQ(Authorize(p, Action::kDialogueWrite, RecordRef{"kz-mfa", std::nullopt}),
                editor ? Decision::kAllow : Decision::kForbidden)
          << where;
      EXPECT_EQ(Authorize(p, Action::kDialogueRead, RecordRef{"kz-mfa", std::nullopt}),
                Decision::kAllow)
          << where;
    }
  }
}

TEST(PolicyTest, OnlyTheLabourAgenciesDoTheLabourRightsWork) {
  const Action labour_work[] = {
      Action::kPayrollCheck,  Action::kPayrollRead,   Action::kLinkageManage, Action::kLinkageRead,
      Action::kRegistryWrite, Action::kRegistryRead,  Action::kCaseRead,      Action::kCaseWrite,
      Action::kCaseSupervise, Action::kCaseAggregate, Action::kProviderWrite};
  for (const char* agency : {"kz-mfa", "uk-fcdo", "kz-mlsp", "uk-fwa"}) {
    const bool labour = IsLabourAgency(agency);
    EXPECT_EQ(labour, !IsForeignMinistry(agency)) << agency;
    for (Role role : kAllRoles) {
      Principal p;
      p.user_id = 1;
      p.agency = agency;
      p.roles = {role};
      for (Action a : labour_work) {
        const std::string where = std::string(agency) + " / " + std::string(RoleName(role)) +
                                  " / " + std::string(ActionName(a));
        if (!labour) {
          EXPECT_FALSE(MayPerform(p, a)) << where;
          EXPECT_EQ(Authorize(p, a, RecordRef{agency, std::nullopt}), Decision::kForbidden)
              << where;
        }
      }
      // Everyone may read the public provider register.
      EXPECT_TRUE(MayPerform(p, Action::kProviderRead)) << agency;
    }
    Principal officer;
    officer.user_id = 1;
    officer.agency = agency;
    officer.roles = {Role::kOfficer};
    EXPECT_EQ(MayPerform(officer, Action::kCaseWrite), labour) << agency;
  }
}

TEST(PolicyTest, SystemMayDoEverything) {
  const Principal p = SystemPrincipal();
  for (Action a : kAllActions) {
    EXPECT_EQ(Authorize(p, a, RecordRef{"uk-fcdo", 99}), Decision::kAllow) << ActionName(a);
  }
}

TEST(PolicyTest, AgenciesShowBothNamesOfTheUkAuthority) {
  const auto fwa = FindAgency("uk-fwa");
  ASSERT_TRUE(fwa.has_value());
  EXPECT_NE(fwa->name_en.find("Fair Work Agency"), std::string_view::npos);
  EXPECT_NE(fwa->name_en.find("Gangmasters and Labour Abuse Authority"), std::string_view::npos);
  EXPECT_EQ(Agencies().size(), 4u);
  EXPECT_FALSE(FindAgency("uk-glaa").has_value());
}

}  // namespace
}  // namespace kenes::auth
