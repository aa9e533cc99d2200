// Small dense linear algebra for the outcomes statistics (log-rank variance, Cox information):
// matrices of a handful of rows; the inverse by Eigen's LDLT (the matrices are symmetric
// positive semi-definite).
// Internal to the outcomes module; not a general-purpose matrix library.
#pragma once

#include <cstddef>
#include <vector>

namespace kiort::detail {

// Row-major square matrix of order n.
struct SquareMatrix {
  std::size_t n = 0;
  std::vector<double> a;
  explicit SquareMatrix(std::size_t order) : n(order), a(order * order, 0.0) {}
  double& operator()(std::size_t i, std::size_t j) { return a[i * n + j]; }
  double operator()(std::size_t i, std::size_t j) const { return a[i * n + j]; }
};

// The inverse of a symmetric positive semi-definite m; returns false (and leaves inv unspecified)
// when m is singular to working precision (an LDLT pivot below tol times the largest pivot).
bool invert(const SquareMatrix& m, SquareMatrix& inv, double tol = 1e-12);

// x' M x.
double quadratic_form(const SquareMatrix& m, const std::vector<double>& x);
// M x.
std::vector<double> multiply(const SquareMatrix& m, const std::vector<double>& x);

}  // namespace kiort::detail
