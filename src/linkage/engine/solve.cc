#include "linkage/engine/solve.h"

#include <algorithm>
#include <unordered_set>

namespace kenes::linkage {

std::vector<Candidate> GreedySolve(std::span<const Candidate> candidates) {
  std::vector<Candidate> sorted(candidates.begin(), candidates.end());
  if (!std::is_sorted(sorted.begin(), sorted.end(), CandidateBefore)) {
    std::sort(sorted.begin(), sorted.end(), CandidateBefore);
  }
  std::uint32_t max_a = 0, max_b = 0;
  for (const Candidate& c : sorted) {
    max_a = std::max(max_a, c.a);
    max_b = std::max(max_b, c.b);
  }
  std::vector<bool> used_a(sorted.empty() ? 0 : max_a + 1u),
      used_b(sorted.empty() ? 0 : max_b + 1u);
  std::vector<Candidate> out;
  for (const Candidate& c : sorted) {
    if (used_a[c.a] || used_b[c.b]) continue;
    used_a[c.a] = used_b[c.b] = true;
    out.push_back(c);
  }
  return out;
}

LinkageQuality Evaluate(std::span<const std::pair<std::uint32_t, std::uint32_t>> predicted,
                        std::span<const std::pair<std::uint32_t, std::uint32_t>> truth) {
  auto key = [](const std::pair<std::uint32_t, std::uint32_t>& p) {
    return (static_cast<std::uint64_t>(p.first) << 32) | p.second;
  };
  std::unordered_set<std::uint64_t> true_pairs, proposed;
  for (const auto& p : truth) true_pairs.insert(key(p));
  for (const auto& p : predicted) proposed.insert(key(p));
  LinkageQuality q;
  q.predicted = proposed.size();
  q.truth = true_pairs.size();
  for (const std::uint64_t p : proposed) q.correct += true_pairs.count(p);
  q.precision = q.predicted == 0 ? 0 : static_cast<double>(q.correct) / q.predicted;
  q.recall = q.truth == 0 ? 0 : static_cast<double>(q.correct) / q.truth;
  q.f1 = q.precision + q.recall == 0 ? 0 : 2 * q.precision * q.recall / (q.precision + q.recall);
  return q;
}

}  // namespace kenes::linkage
