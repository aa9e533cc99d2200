// Non-negative least squares, the optimiser's core: dwell times are never negative.
// Lawson & Hanson (1974), Solving Least Squares Problems, ch. 23 (the active-set algorithm).
#pragma once

#include <cstddef>
#include <vector>

namespace kiort {

// Minimises |A t - b|^2 over t >= 0; A dense column-major, rows x cols.
std::vector<double> nnls(const std::vector<double>& a, std::size_t rows, std::size_t cols,
                         const std::vector<double>& b);

}  // namespace kiort
