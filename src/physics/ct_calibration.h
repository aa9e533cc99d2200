// CT calibration: CT number (HU) -> (material, mass density), in the style of Schneider et al.
// 2000 and AAPM TG-186: material bins by HU, and density piecewise linear in HU. One small JSON
// file per scanner (data/ct/*.json); the default is generic and says so.
#pragma once

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace kiort {

struct CtBin {
  std::string material;
  double hu_upper = 0;  // the bin holds HU < hu_upper (the last bin is open above)
};

struct CtSample {
  std::size_t bin = 0;  // index into bins()
  double density_g_cm3 = 0;
};

class CtCalibration {
 public:
  // Throws Error(bad input) naming the field: bins out of order, density curve not increasing
  // in HU, densities not positive or not monotone (non-decreasing).
  CtCalibration(std::string name, std::string source, std::vector<CtBin> bins,
                std::vector<std::pair<double, double>> hu_density);

  static CtCalibration load(const std::filesystem::path& file);
  static CtCalibration load_default();

  const std::string& name() const { return name_; }
  const std::string& source() const { return source_; }
  const std::vector<CtBin>& bins() const { return bins_; }
  CtSample operator()(double hu) const;
  double density(double hu) const;

 private:
  std::string name_, source_;
  std::vector<CtBin> bins_;
  std::vector<std::pair<double, double>> curve_;  // (HU, g/cm3), HU strictly increasing
};

}  // namespace kiort
