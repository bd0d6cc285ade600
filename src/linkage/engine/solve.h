// One-to-one matching from candidate pairs, and scoring pairs against the truth.
// Thread-safe: pure functions.
#pragma once

#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "linkage/engine/dice.h"

namespace kenes::linkage {

// anonlink's greedy_solve for two parties: walks `candidates` in CandidateBefore order
// (similarity descending, then a, then b) and accepts a pair when neither row is matched yet.
// The input need not be sorted; the result is in that order.
std::vector<Candidate> GreedySolve(std::span<const Candidate> candidates);

struct LinkageQuality {
  std::size_t predicted = 0;  // pairs proposed
  std::size_t truth = 0;      // true pairs
  std::size_t correct = 0;    // proposed pairs that are true
  double precision = 0;       // correct / predicted (0 when nothing was proposed)
  double recall = 0;          // correct / truth (0 when there is no truth)
  double f1 = 0;              // harmonic mean of the two (0 when both are 0)
};

// Scores proposed (a, b) pairs against the true ones; duplicates count once.
LinkageQuality Evaluate(std::span<const std::pair<std::uint32_t, std::uint32_t>> predicted,
                        std::span<const std::pair<std::uint32_t, std::uint32_t>> truth);

}  // namespace kenes::linkage
