#pragma once
// Minimum-cost assignment for tracker association.
#include <cstddef>
#include <utility>
#include <vector>

namespace argus {

// cost[r][c] for r rows (tracks) and c columns (detections), any shape. Pairs whose cost is
// above max_cost are left unassigned. Hungarian (Kuhn-Munkres with potentials), O(n^3);
// tracker matrices are tens of rows, so this is microseconds.
struct Assignment {
  std::vector<std::pair<int, int>> matches;  // (row, col)
  std::vector<int> unmatched_rows, unmatched_cols;
};
Assignment solve_assignment(const std::vector<std::vector<float>>& cost, std::size_t cols, float max_cost);

}  // namespace argus
