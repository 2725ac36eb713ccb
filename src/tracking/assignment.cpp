#include "tracking/assignment.h"

#include <algorithm>
#include <limits>

namespace argus {

Assignment solve_assignment(const std::vector<std::vector<float>>& cost, size_t cols, float max_cost) {
  Assignment out;
  const size_t rows = cost.size();
  if (rows == 0 || cols == 0) {
    for (size_t r = 0; r < rows; ++r) out.unmatched_rows.push_back(static_cast<int>(r));
    for (size_t c = 0; c < cols; ++c) out.unmatched_cols.push_back(static_cast<int>(c));
    return out;
  }
  // Square it: padding cells cost just above max_cost, so a real pair above the gate is never
  // preferred over leaving both sides unmatched, and gated pairs are dropped afterwards.
  const size_t n = std::max(rows, cols);
  const double pad = static_cast<double>(max_cost) + 1.0;
  auto at = [&](size_t r, size_t c) -> double {
    if (r >= rows || c >= cols) return pad;
    double v = cost[r][c];
    return v > max_cost ? pad + 1.0 : v;
  };
  // e-maxx Hungarian, 1-based: u/v potentials, p[j] = row matched to column j.
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<double> u(n + 1, 0), v(n + 1, 0);
  std::vector<size_t> p(n + 1, 0), way(n + 1, 0);
  for (size_t i = 1; i <= n; ++i) {
    p[0] = i;
    size_t j0 = 0;
    std::vector<double> minv(n + 1, inf);
    std::vector<bool> used(n + 1, false);
    do {
      used[j0] = true;
      size_t i0 = p[j0], j1 = 0;
      double delta = inf;
      for (size_t j = 1; j <= n; ++j) {
        if (used[j]) continue;
        double cur = at(i0 - 1, j - 1) - u[i0] - v[j];
        if (cur < minv[j]) {
          minv[j] = cur;
          way[j] = j0;
        }
        if (minv[j] < delta) {
          delta = minv[j];
          j1 = j;
        }
      }
      for (size_t j = 0; j <= n; ++j) {
        if (used[j]) {
          u[p[j]] += delta;
          v[j] -= delta;
        } else {
          minv[j] -= delta;
        }
      }
      j0 = j1;
    } while (p[j0] != 0);
    do {
      size_t j1 = way[j0];
      p[j0] = p[j1];
      j0 = j1;
    } while (j0);
  }
  std::vector<int> row_of_col(cols, -1);
  std::vector<bool> row_matched(rows, false);
  for (size_t j = 1; j <= n; ++j) {
    size_t r = p[j] - 1, c = j - 1;
    if (r < rows && c < cols && cost[r][c] <= max_cost) {
      out.matches.emplace_back(static_cast<int>(r), static_cast<int>(c));
      row_matched[r] = true;
      row_of_col[c] = static_cast<int>(r);
    }
  }
  for (size_t r = 0; r < rows; ++r)
    if (!row_matched[r]) out.unmatched_rows.push_back(static_cast<int>(r));
  for (size_t c = 0; c < cols; ++c)
    if (row_of_col[c] < 0) out.unmatched_cols.push_back(static_cast<int>(c));
  std::sort(out.matches.begin(), out.matches.end());
  return out;
}

}  // namespace argus
