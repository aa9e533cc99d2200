#include "physics/ct_calibration.h"

#include <fstream>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/paths.h"

namespace kiort {

CtCalibration::CtCalibration(std::string name, std::string source, std::vector<CtBin> bins,
                             std::vector<std::pair<double, double>> hu_density)
    : name_(std::move(name)),
      source_(std::move(source)),
      bins_(std::move(bins)),
      curve_(std::move(hu_density)) {
  if (bins_.empty()) throw Error::bad_input("CT calibration has no bins").field("bins");
  for (std::size_t i = 1; i + 1 < bins_.size(); ++i)
    if (!(bins_[i].hu_upper > bins_[i - 1].hu_upper))
      throw Error::bad_input("CT bins must have increasing upper HU")
          .field("bins[" + std::to_string(i) + "].hu_upper")
          .seen(std::to_string(bins_[i].hu_upper))
          .expected("> " + std::to_string(bins_[i - 1].hu_upper));
  if (curve_.size() < 2)
    throw Error::bad_input("CT density curve needs at least two points").field("hu_density");
  for (std::size_t i = 0; i < curve_.size(); ++i) {
    const std::string f = "hu_density[" + std::to_string(i) + "]";
    if (!(curve_[i].second > 0))
      throw Error::bad_input("density must be positive")
          .field(f)
          .seen(std::to_string(curve_[i].second))
          .expected("> 0 g/cm3");
    if (i > 0 && !(curve_[i].first > curve_[i - 1].first))
      throw Error::bad_input("HU of the density curve must increase")
          .field(f)
          .seen(std::to_string(curve_[i].first))
          .expected("> " + std::to_string(curve_[i - 1].first));
    if (i > 0 && curve_[i].second < curve_[i - 1].second)
      throw Error::bad_input("density must not decrease with HU")
          .field(f)
          .seen(std::to_string(curve_[i].second))
          .expected(">= " + std::to_string(curve_[i - 1].second));
  }
}

double CtCalibration::density(double hu) const {
  // Clamped at both ends: below the first point (e.g. -1024 padding) air stays air, and above the
  // last point (metal streaks, 12-bit saturation) density does not run away.
  if (hu <= curve_.front().first) return curve_.front().second;
  if (hu >= curve_.back().first) return curve_.back().second;
  std::size_t i = 1;
  while (curve_[i].first < hu) ++i;
  const auto& [h0, d0] = curve_[i - 1];
  const auto& [h1, d1] = curve_[i];
  return d0 + (d1 - d0) * (hu - h0) / (h1 - h0);
}

CtSample CtCalibration::operator()(double hu) const {
  std::size_t b = 0;
  while (b + 1 < bins_.size() && !(hu < bins_[b].hu_upper)) ++b;
  return {b, density(hu)};
}

CtCalibration CtCalibration::load(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw Error::bad_input("cannot read CT calibration file").file(file.string());
  try {
    const auto j = nlohmann::json::parse(in);
    std::vector<CtBin> bins;
    for (const auto& b : j.at("bins"))
      bins.push_back({b.at("material").get<std::string>(), b.value("hu_upper", 1e9)});
    std::vector<std::pair<double, double>> curve;
    for (const auto& p : j.at("hu_density"))
      curve.emplace_back(p.at(0).get<double>(), p.at(1).get<double>());
    return CtCalibration(j.at("name").get<std::string>(), j.at("source").get<std::string>(),
                         std::move(bins), std::move(curve));
  } catch (const nlohmann::json::exception& e) {
    throw Error::bad_input("CT calibration file is malformed")
        .file(file.string())
        .seen(e.what())
        .expected("name, source, bins [{material, hu_upper}], hu_density [[HU, g/cm3], ...]");
  } catch (Error& e) {
    throw e.file(file.string());
  }
}

CtCalibration CtCalibration::load_default() { return load(data_dir() / "ct" / "default.json"); }

}  // namespace kiort
