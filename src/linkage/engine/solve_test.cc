#include "linkage/engine/solve.h"

#include <gtest/gtest.h>

namespace kenes::linkage {
namespace {

TEST(GreedySolveTest, HighestFirstThenLowerIndicesAndEachRowOnce) {
  // Unsorted input; ties at 0.9 break by a, then b.
  const std::vector<Candidate> c = {{0.8, 2, 2},  {0.9, 1, 0},  {0.9, 0, 1}, {0.9, 0, 0},
                                    {0.85, 1, 1}, {0.95, 3, 0}, {0.7, 2, 3}};
  // (0,0) and (1,0) lose b=0 to (3,0); (1,1) loses b=1 to (0,1).
  const std::vector<Candidate> want = {{0.95, 3, 0}, {0.9, 0, 1}, {0.8, 2, 2}};
  EXPECT_EQ(GreedySolve(c), want);
}

TEST(GreedySolveTest, EmptyInputGivesNothing) { EXPECT_TRUE(GreedySolve({}).empty()); }

TEST(EvaluateTest, PrecisionRecallAndF1) {
  const std::vector<std::pair<std::uint32_t, std::uint32_t>> truth = {
      {0, 0}, {1, 1}, {2, 2}, {3, 3}};
  const std::vector<std::pair<std::uint32_t, std::uint32_t>> predicted = {{0, 0}, {1, 1}, {2, 3}};
  const LinkageQuality q = Evaluate(predicted, truth);
  EXPECT_EQ(q.correct, 2u);
  EXPECT_DOUBLE_EQ(q.precision, 2.0 / 3);
  EXPECT_DOUBLE_EQ(q.recall, 0.5);
  EXPECT_DOUBLE_EQ(q.f1, 2 * (2.0 / 3) * 0.5 / (2.0 / 3 + 0.5));
  const LinkageQuality none = Evaluate({}, truth);
  EXPECT_EQ(none.precision, 0);
  EXPECT_EQ(none.f1, 0);
}

}  // namespace
}  // namespace kenes::linkage
