#include "source/calibration.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <sstream>

#include "core/error.h"
#include "core/read_file.h"

namespace kiort {
namespace {

std::string trim(std::string s) {
  const auto a = s.find_first_not_of(" \t\r");
  const auto b = s.find_last_not_of(" \t\r");
  return a == std::string::npos ? "" : s.substr(a, b - a + 1);
}

bool parse_number(const std::string& s, double& out) {
  std::istringstream ss(trim(s));
  ss >> out;
  return !ss.fail() && ss.eof() && std::isfinite(out);
}

}  // namespace

const char* to_string(DepthConvention c) {
  return c == DepthConvention::kSourceCentre ? "source-centre" : "applicator-surface";
}

const char* to_string(CalibrationFormalism f) {
  switch (f) {
    case CalibrationFormalism::kVendorDoseToWater:
      return "vendor-dose-to-water";
    case CalibrationFormalism::kTargit:
      return "targit";
    case CalibrationFormalism::kWatson2018Cq:
      return "watson-2018-cq";
  }
  return "?";
}

std::optional<CalibrationFormalism> formalism_from_string(const std::string& s) {
  for (auto f : {CalibrationFormalism::kVendorDoseToWater, CalibrationFormalism::kTargit,
                 CalibrationFormalism::kWatson2018Cq})
    if (s == to_string(f)) return f;
  return std::nullopt;
}

double CalibrationTable::dose_rate_at(double d) const {
  if (depth_mm.empty() || d < depth_mm.front() || d > depth_mm.back())
    throw Error::bad_input("depth outside the calibration table")
        .file(file)
        .seen(std::to_string(d))
        .expected(std::to_string(depth_mm.front()) + " to " + std::to_string(depth_mm.back()) +
                  " mm");
  const auto it = std::lower_bound(depth_mm.begin(), depth_mm.end(), d);
  const std::size_t i = std::size_t(it - depth_mm.begin());
  if (i == 0 || depth_mm[i] == d) return dose_rate_gy_per_min[i];
  const double f = (d - depth_mm[i - 1]) / (depth_mm[i] - depth_mm[i - 1]);
  return std::exp(std::log(dose_rate_gy_per_min[i - 1]) +
                  f * (std::log(dose_rate_gy_per_min[i]) - std::log(dose_rate_gy_per_min[i - 1])));
}

CalibrationTable load_calibration(const std::filesystem::path& path) {
  check_input_file(path, 16u << 20, "calibration file");
  std::ifstream in(path);
  if (!in) throw Error::bad_input("cannot read calibration file").file(path.string());
  CalibrationTable t;
  t.file = path.string();
  std::map<std::string, std::string> header;
  std::string line;
  int n = 0;
  bool columns_seen = false;
  auto where = [&](int line_no) { return path.string() + ":" + std::to_string(line_no); };
  while (std::getline(in, line)) {
    ++n;
    const std::string s = trim(line);
    if (s.empty()) continue;
    if (s[0] == '#') {
      const auto colon = s.find(':');
      if (colon != std::string::npos)
        header[trim(s.substr(1, colon - 1))] = trim(s.substr(colon + 1));
      continue;
    }
    if (!columns_seen) {
      if (s != "depth_mm,dose_rate_gy_per_min")
        throw Error::bad_input("calibration columns not as expected")
            .file(where(n))
            .seen(s)
            .expected("depth_mm,dose_rate_gy_per_min");
      columns_seen = true;
      continue;
    }
    const auto comma = s.find(',');
    double d = 0, r = 0;
    if (comma == std::string::npos || !parse_number(s.substr(0, comma), d))
      throw Error::bad_input("depth is not a number").file(where(n)).field("depth_mm").seen(s);
    const std::string rate = comma == std::string::npos ? "" : trim(s.substr(comma + 1));
    if (rate.empty() || !parse_number(rate, r))
      throw Error::bad_input("dose rate missing or not a number")
          .file(where(n))
          .field("dose_rate_gy_per_min")
          .seen(rate)
          .expected("a dose rate > 0 in Gy/min");
    if (!(r > 0))
      throw Error::bad_input("dose rate must be positive")
          .file(where(n))
          .field("dose_rate_gy_per_min")
          .seen(rate)
          .expected("> 0 Gy/min");
    if (d < 0 || (!t.depth_mm.empty() && !(d > t.depth_mm.back())))
      throw Error::bad_input("depths must be >= 0 and increasing")
          .file(where(n))
          .field("depth_mm")
          .seen(trim(s.substr(0, comma)))
          .expected(t.depth_mm.empty() ? ">= 0" : "> " + std::to_string(t.depth_mm.back()));
    t.depth_mm.push_back(d);
    t.dose_rate_gy_per_min.push_back(r);
  }
  auto need = [&](const char* key) {
    auto it = header.find(key);
    if (it == header.end() || it->second.empty())
      throw Error::bad_input("calibration header field missing")
          .file(path.string())
          .field(key)
          .expected("a line '# " + std::string(key) + ": ...' before the table");
    return it->second;
  };
  t.probe_serial = need("probe_serial");
  t.applicator = need("applicator");
  t.calibration_date = need("calibration_date");
  t.dose_definition = need("dose_definition");
  const std::string kv = need("kv");
  if (!parse_number(kv, t.kv) || t.kv <= 0 || t.kv > 60)
    throw Error::bad_input("tube potential out of range")
        .file(path.string())
        .field("kv")
        .seen(kv)
        .expected("30, 40 or 50 (kV)");
  const std::string conv = need("depth_convention");
  if (conv == "source-centre")
    t.convention = DepthConvention::kSourceCentre;
  else if (conv == "applicator-surface")
    t.convention = DepthConvention::kApplicatorSurface;
  else
    throw Error::bad_input("unknown depth convention")
        .file(path.string())
        .field("depth_convention")
        .seen(conv)
        .expected("source-centre or applicator-surface");
  const std::string formalism = need("formalism");
  if (const auto f = formalism_from_string(formalism))
    t.formalism = *f;
  else
    throw Error::bad_input("unknown calibration formalism")
        .file(path.string())
        .field("formalism")
        .seen(formalism)
        .expected("vendor-dose-to-water, targit or watson-2018-cq");
  auto need_number = [&](const char* key, double lo, double hi, const char* what) {
    const std::string v = need(key);
    double x = 0;
    if (!parse_number(v, x) || x < lo || x > hi)
      throw Error::bad_input(std::string(what) + " missing or out of range")
          .file(path.string())
          .field(key)
          .seen(v)
          .expected((std::ostringstream() << lo << " to " << hi).str());
    return x;
  };
  t.applicator_outer_radius_mm =
      need_number("applicator_outer_radius_mm", 0.5, 30, "applicator outer radius (mm)");
  t.phantom = need("phantom");
  t.phantom_radius_mm =
      need_number("phantom_radius_mm", 40, 1000, "phantom radius (mm, source to nearest wall)");
  t.detector = need("detector");
  t.measured_by = need("measured_by");
  t.uncertainty_rel = need_number("uncertainty_rel_k1", 1e-4, 1.0,
                                  "relative standard uncertainty (k=1) of the dose rates");
  const std::string ill = need("illustrative");
  if (ill == "yes" || ill == "true")
    t.illustrative = true;
  else if (ill == "no" || ill == "false")
    t.illustrative = false;
  else
    throw Error::bad_input("illustrative must say yes or no")
        .file(path.string())
        .field("illustrative")
        .seen(ill)
        .expected("yes (not a real probe's measurement) or no");
  const auto& d = t.calibration_date;
  const bool date_ok = d.size() == 10 && d[4] == '-' && d[7] == '-' &&
                       std::all_of(d.begin(), d.end(),
                                   [](char ch) { return ch == '-' || (ch >= '0' && ch <= '9'); });
  if (!date_ok)
    throw Error::bad_input("calibration date not as expected")
        .file(path.string())
        .field("calibration_date")
        .seen(d)
        .expected("YYYY-MM-DD");
  const std::string units = need("units");
  if (units.find("depth_mm") == std::string::npos ||
      units.find("dose_rate_gy_per_min") == std::string::npos)
    throw Error::bad_input("units not stated as expected")
        .file(path.string())
        .field("units")
        .seen(units)
        .expected("depth_mm, dose_rate_gy_per_min");
  if (t.depth_mm.size() < 2)
    throw Error::bad_input("calibration table needs at least two depths").file(path.string());
  return t;
}

}  // namespace kiort
