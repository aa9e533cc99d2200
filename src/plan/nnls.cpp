#include "plan/nnls.h"

#include <Eigen/Dense>
#include <algorithm>

namespace kiort {

std::vector<double> nnls(const std::vector<double>& a, std::size_t rows, std::size_t cols,
                         const std::vector<double>& b) {
  Eigen::Map<const Eigen::MatrixXd> A(a.data(), Eigen::Index(rows), Eigen::Index(cols));
  Eigen::Map<const Eigen::VectorXd> B(b.data(), Eigen::Index(rows));
  const Eigen::MatrixXd Q = A.transpose() * A;
  const Eigen::VectorXd c = A.transpose() * B;
  const Eigen::Index n = Eigen::Index(cols);
  Eigen::VectorXd x = Eigen::VectorXd::Zero(n);
  std::vector<bool> passive(cols, false);
  const double tol = 1e-12 * std::max(1.0, c.cwiseAbs().maxCoeff());
  for (int outer = 0; outer < 3 * int(cols) + 10; ++outer) {
    const Eigen::VectorXd w = c - Q * x;
    Eigen::Index j = -1;
    double best = tol;
    for (Eigen::Index k = 0; k < n; ++k)
      if (!passive[std::size_t(k)] && w[k] > best) {
        best = w[k];
        j = k;
      }
    if (j < 0) break;
    passive[std::size_t(j)] = true;
    for (int inner = 0; inner < 3 * int(cols) + 10; ++inner) {
      std::vector<Eigen::Index> P;
      for (Eigen::Index k = 0; k < n; ++k)
        if (passive[std::size_t(k)]) P.push_back(k);
      Eigen::MatrixXd Qp(P.size(), P.size());
      Eigen::VectorXd cp(P.size());
      for (std::size_t r = 0; r < P.size(); ++r) {
        cp[Eigen::Index(r)] = c[P[r]];
        for (std::size_t s = 0; s < P.size(); ++s)
          Qp(Eigen::Index(r), Eigen::Index(s)) = Q(P[r], P[s]);
      }
      const Eigen::VectorXd sp = Qp.ldlt().solve(cp);
      Eigen::VectorXd z = Eigen::VectorXd::Zero(n);
      for (std::size_t r = 0; r < P.size(); ++r) z[P[r]] = sp[Eigen::Index(r)];
      bool feasible = true;
      for (Eigen::Index k : P) feasible = feasible && z[k] > 0;
      if (feasible) {
        x = z;
        break;
      }
      double alpha = 1.0;
      for (Eigen::Index k : P)
        if (z[k] <= 0) alpha = std::min(alpha, x[k] / (x[k] - z[k]));
      x = x + alpha * (z - x);
      for (Eigen::Index k : P)
        if (x[k] <= 1e-14) {
          passive[std::size_t(k)] = false;
          x[k] = 0;
        }
    }
  }
  return std::vector<double>(x.data(), x.data() + n);
}

}  // namespace kiort
