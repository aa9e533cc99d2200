#include "outcomes/linalg.h"

#include <cmath>
#include <utility>

namespace kiort::detail {

bool invert(const SquareMatrix& m, SquareMatrix& inv, double tol) {
  const std::size_t n = m.n;
  SquareMatrix w = m;
  inv = SquareMatrix(n);
  for (std::size_t i = 0; i < n; ++i) inv(i, i) = 1.0;
  double scale = 0;
  for (double v : m.a) scale = std::fmax(scale, std::fabs(v));
  if (n == 0) return true;
  if (scale == 0 || !std::isfinite(scale)) return false;
  for (std::size_t col = 0; col < n; ++col) {
    std::size_t piv = col;
    for (std::size_t r = col + 1; r < n; ++r)
      if (std::fabs(w(r, col)) > std::fabs(w(piv, col))) piv = r;
    if (std::fabs(w(piv, col)) <= tol * scale) return false;
    if (piv != col) {
      for (std::size_t j = 0; j < n; ++j) {
        std::swap(w(piv, j), w(col, j));
        std::swap(inv(piv, j), inv(col, j));
      }
    }
    const double d = w(col, col);
    for (std::size_t j = 0; j < n; ++j) {
      w(col, j) /= d;
      inv(col, j) /= d;
    }
    for (std::size_t r = 0; r < n; ++r) {
      if (r == col) continue;
      const double f = w(r, col);
      if (f == 0) continue;
      for (std::size_t j = 0; j < n; ++j) {
        w(r, j) -= f * w(col, j);
        inv(r, j) -= f * inv(col, j);
      }
    }
  }
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
