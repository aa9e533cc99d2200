#include "outcomes/linalg.h"

#include <Eigen/Dense>
#include <cmath>

namespace kiort::detail {

bool invert(const SquareMatrix& m, SquareMatrix& inv, double tol) {
  // Every matrix inverted here is a symmetric positive semi-definite information or variance
  // matrix: Eigen's LDLT (pivoted Cholesky) solves it, and a pivot below tol times the largest
  // one means singular to working precision (collinear or constant covariates).
  const std::size_t n = m.n;
  inv = SquareMatrix(n);
  if (n == 0) return true;
  const auto k = static_cast<Eigen::Index>(n);
  const Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>> a(
      m.a.data(), k, k);
  if (!a.allFinite()) return false;
  const Eigen::LDLT<Eigen::MatrixXd> ldlt(a);
  if (ldlt.info() != Eigen::Success) return false;
  const Eigen::VectorXd d = ldlt.vectorD();
  const double largest = d.cwiseAbs().maxCoeff();
  if (!(largest > 0) || d.minCoeff() <= tol * largest) return false;
  const Eigen::MatrixXd x = ldlt.solve(Eigen::MatrixXd::Identity(k, k));
  for (std::size_t r = 0; r < n; ++r)
    for (std::size_t c = 0; c < n; ++c)
      inv(r, c) = x(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(c));
  return true;
}

double quadratic_form(const SquareMatrix& m, const std::vector<double>& x) {
  double s = 0;
  for (std::size_t i = 0; i < m.n; ++i)
    for (std::size_t j = 0; j < m.n; ++j) s += x[i] * m(i, j) * x[j];
  return s;
}

std::vector<double> multiply(const SquareMatrix& m, const std::vector<double>& x) {
  std::vector<double> y(m.n, 0.0);
  for (std::size_t i = 0; i < m.n; ++i)
    for (std::size_t j = 0; j < m.n; ++j) y[i] += m(i, j) * x[j];
  return y;
}

}  // namespace kiort::detail
