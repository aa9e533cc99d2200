#include "source/photon_source.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <numbers>
#include <sstream>

#include "core/error.h"
#include "core/read_file.h"
#include "physics/cross_sections.h"

namespace kiort {
namespace {
std::string num(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}
}  // namespace

Spectrum Spectrum::monoenergetic(double e_kev) {
  return Spectrum({e_kev}, {1.0}, num(e_kev) + " keV");
}

Spectrum::Spectrum(std::vector<double> e_kev, std::vector<double> fluence, std::string name)
    : e_(std::move(e_kev)), f_(std::move(fluence)), name_(std::move(name)) {
  if (e_.empty() || e_.size() != f_.size())
    throw Error::bad_input("spectrum needs energies with one fluence each").field(name_);
  for (std::size_t i = 0; i < e_.size(); ++i) {
    if (!(e_[i] >= kMinEnergyKeV && e_[i] <= kMaxEnergyKeV))
      throw Error::bad_input("photon energy outside the range kiort models")
          .field(name_)
          .seen(num(e_[i]))
          .expected("1 to 60 keV");
    if (!(f_[i] >= 0) || !std::isfinite(f_[i]))
      throw Error::bad_input("fluence must be finite and >= 0").field(name_).seen(num(f_[i]));
    if (i > 0 && !(e_[i] > e_[i - 1]))
      throw Error::bad_input("spectrum energies must increase").field(name_).seen(num(e_[i]));
  }
  if (e_.size() == 1) {
    mean_ = e_[0];
    return;
  }
  cdf_.assign(e_.size(), 0);
  double first_moment = 0;
  for (std::size_t i = 1; i < e_.size(); ++i) {
    const double de = e_[i] - e_[i - 1];
    cdf_[i] = cdf_[i - 1] + 0.5 * (f_[i] + f_[i - 1]) * de;
    // integral of E * (linear f) over the segment
    first_moment +=
        de * (f_[i - 1] * (2 * e_[i - 1] + e_[i]) + f_[i] * (e_[i - 1] + 2 * e_[i])) / 6;
  }
  if (!(cdf_.back() > 0)) throw Error::bad_input("spectrum has zero total fluence").field(name_);
  mean_ = first_moment / cdf_.back();
}

double Spectrum::cumulative(double e) const {
  if (e_.size() == 1) return e < e_[0] ? 0.0 : 1.0;
  if (e <= e_.front()) return 0.0;
  if (e >= e_.back()) return 1.0;
  const auto it = std::upper_bound(e_.begin(), e_.end(), e);
  const std::size_t i = std::size_t(it - e_.begin());
  const double x = e - e_[i - 1], de = e_[i] - e_[i - 1];
  const double fx = f_[i - 1] + (f_[i] - f_[i - 1]) * x / de;
  return (cdf_[i - 1] + 0.5 * (f_[i - 1] + fx) * x) / cdf_.back();
}

double Spectrum::sample(Philox& rng) const {
  if (e_.size() == 1) return e_[0];
  const double target = rng.uniform() * cdf_.back();
  const auto it = std::upper_bound(cdf_.begin(), cdf_.end(), target);
  const std::size_t i =
      std::min<std::size_t>(static_cast<std::size_t>(it - cdf_.begin()), e_.size() - 1);
  // Invert the quadratic CDF of a linear density on [e_{i-1}, e_i].
  const double e0 = e_[i - 1], de = e_[i] - e0, f0 = f_[i - 1], f1 = f_[i];
  const double a = target - cdf_[i - 1];
  const double slope = (f1 - f0) / de;
  double x;
  if (std::abs(slope) < 1e-12 * std::max(f0, f1)) {
    x = f0 > 0 ? a / f0 : 0.5 * de;
  } else {
    x = (-f0 + std::sqrt(std::max(0.0, f0 * f0 + 2 * slope * a))) / slope;
  }
  return std::clamp(e0 + x, e0, e_[i]);
}

std::vector<std::pair<double, double>> Spectrum::quadrature(
    double bin_kev, const std::vector<double>& breaks) const {
  if (e_.size() == 1) return {{e_[0], 1.0}};
  if (!(bin_kev > 0)) throw Error::internal("spectrum quadrature needs a positive piece width");
  const double total = cdf_.back();
  // The pieces: the spectrum's range in steps of at most bin_kev, cut at the breaks. A piece may
  // hold several of the spectrum's points (a finely tabulated spectrum costs no more nodes).
  std::vector<double> cuts{e_.front()};
  for (double x : breaks)
    if (x > e_.front() && x < e_.back()) cuts.push_back(x);
  cuts.push_back(e_.back());
  std::sort(cuts.begin(), cuts.end());
  std::vector<std::pair<double, double>> out;
  std::size_t i = 1;  // the spectrum's segment [e_[i-1], e_[i]] at the piece's start
  for (std::size_t c = 1; c < cuts.size(); ++c) {
    const double len = cuts[c] - cuts[c - 1];
    if (!(len > 0)) continue;
    const int n = std::max(1, static_cast<int>(std::ceil(len / bin_kev - 1e-9)));
    for (int k = 0; k < n; ++k) {
      const double a = cuts[c - 1] + len * k / n;
      const double b = k + 1 == n ? cuts[c] : cuts[c - 1] + len * (k + 1) / n;
      const double mid = 0.5 * (a + b);
      // Moments m_d = integral of f(E) (E - mid)^d over the piece, in closed form on each linear
      // part of the fluence f.
      double m[4] = {0, 0, 0, 0};
      while (i + 1 < e_.size() && e_[i] <= a) ++i;
      for (std::size_t j = i; j < e_.size(); ++j) {
        const double lo = std::max(a, e_[j - 1]), hi = std::min(b, e_[j]);
        if (hi > lo) {
          const double slope = (f_[j] - f_[j - 1]) / (e_[j] - e_[j - 1]);
          // f = p + q x with x = E - mid, on [x0, x1]
          const double q = slope, p = f_[j - 1] + slope * (mid - e_[j - 1]);
          const double x0 = lo - mid, x1 = hi - mid;
          double x0n = x0, x1n = x1;  // x^(n+1)
          for (int d = 0; d < 4; ++d) {
            const double x0n1 = x0n * x0, x1n1 = x1n * x1;  // x^(n+2)
            m[d] += p * (x1n - x0n) / (d + 1) + q * (x1n1 - x0n1) / (d + 2);
            x0n = x0n1;
            x1n = x1n1;
          }
        }
        if (e_[j] >= b) break;
      }
      if (!(m[0] > 0)) continue;
      // Two-point Gauss rule for the weight f on the piece (exact for cubics times f): the roots
      // of x^2 + alpha x + beta, orthogonal to 1 and x under f. A weight concentrated at one
      // energy (a line) gives one node.
      const double det = m[1] * m[1] - m[0] * m[2];
      const double alpha = (m[0] * m[3] - m[1] * m[2]) / det;
      const double beta = (m[2] * m[2] - m[1] * m[3]) / det;
      const double disc = alpha * alpha - 4 * beta;
      if (!(std::abs(det) > 1e-12 * m[0] * m[2]) || !(disc > 0)) {
        out.emplace_back(mid + m[1] / m[0], m[0] / total);
        continue;
      }
      const double x1 = 0.5 * (-alpha - std::sqrt(disc)), x2 = 0.5 * (-alpha + std::sqrt(disc));
      const double w1 = (m[1] - m[0] * x2) / (x1 - x2), w2 = m[0] - w1;
      if (w1 > 0) out.emplace_back(mid + x1, w1 / total);
      if (w2 > 0) out.emplace_back(mid + x2, w2 / total);
    }
  }
  return out;
}

Spectrum Spectrum::load(const std::filesystem::path& file) {
  check_input_file(file, 16u << 20, "spectrum file");
  std::ifstream in(file);
  if (!in) throw Error::bad_input("cannot read spectrum file").file(file.string());
  std::vector<double> e, f;
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    const auto hash = line.find('#');
    if (hash != std::string::npos) line.erase(hash);
    std::replace(line.begin(), line.end(), ',', ' ');
    std::replace(line.begin(), line.end(), '\t', ' ');
    if (line.find_first_not_of(" \r") == std::string::npos) continue;
    std::istringstream ss(line);
    double a, b;
    std::string rest;
    if (!(ss >> a >> b) || (ss >> rest))
      throw Error::bad_input("spectrum line is not two numbers")
          .file(file.string() + ":" + std::to_string(n))
          .seen(line)
          .expected("keV relative_fluence");
    e.push_back(a);
    f.push_back(b);
  }
  try {
    return Spectrum(std::move(e), std::move(f), file.filename().string());
  } catch (Error& err) {
    throw err.file(file.string());
  }
}

Photon IsotropicPointSource::sample(Philox& rng) const {
  const double c = 2.0 * rng.uniform() - 1.0;
  const double s = std::sqrt(std::max(0.0, 1.0 - c * c));
  const double phi = 2.0 * std::numbers::pi * rng.uniform();
  return {position_, {s * std::cos(phi), s * std::sin(phi), c}, spectrum_.sample(rng), 1.0};
}

std::string IsotropicPointSource::describe() const {
  return "isotropic point source, " + spectrum_.name();
}

}  // namespace kiort
