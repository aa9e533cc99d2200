// A probe's calibration: depth dose in water per kV and applicator, as the vendor ships it with
// each physical probe (depth in mm from the source centre or the applicator surface -> dose rate
// in Gy/min). kiort reads it to set the absolute scale of the Monte Carlo; it never invents one.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace kiort {

enum class DepthConvention { kSourceCentre, kApplicatorSurface };

// The dosimetry formalism a calibration's dose rates follow: the vendor's dose to water (the
// depth-dose files shipped with each probe), the TARGIT trial's (the vendor's older chamber
// conversion, as used in TARGIT-A), or Watson et al. 2018's CQ (Med Phys 45:4274, an ionisation
// chamber in water with a Monte Carlo beam-quality factor).
enum class CalibrationFormalism { kVendorDoseToWater, kTargit, kWatson2018Cq };

// The text every output carries when its calibration is not a real probe's measurement.
inline constexpr const char* kIllustrativeBanner =
    "ILLUSTRATIVE CALIBRATION - NOT FOR CLINICAL USE";

struct CalibrationTable {
  std::string file;
  std::string probe_serial, applicator, calibration_date, dose_definition;
  double kv = 0;
  DepthConvention convention = DepthConvention::kApplicatorSurface;  // the depth reference
  // Provenance, each required in the file: what a physicist needs to judge the table.
  CalibrationFormalism formalism = CalibrationFormalism::kVendorDoseToWater;
  double applicator_outer_radius_mm = 0;  // the applicator the depths were measured from
  std::string phantom;                    // e.g. "water tank 30 x 30 x 30 cm"
  double phantom_radius_mm = 0;  // water around the source centre to the nearest phantom wall
  std::string detector;          // e.g. "PTW 34013 soft X-ray chamber"
  std::string measured_by;
  bool illustrative = true;    // not a measurement of a real probe
  double uncertainty_rel = 0;  // relative standard uncertainty (k=1) of the dose rates
  std::vector<double> depth_mm;
  std::vector<double> dose_rate_gy_per_min;

  // Log-linear interpolation between table depths; throws Error(bad input) outside the table.
  double dose_rate_at(double depth_mm) const;
};

// CSV: '# key: value' header lines, every one required: probe_serial, kv, applicator,
// calibration_date (YYYY-MM-DD), dose_definition, depth_convention = source-centre |
// applicator-surface (the depth reference), formalism = vendor-dose-to-water | targit |
// watson-2018-cq, applicator_outer_radius_mm, phantom, phantom_radius_mm, detector, measured_by,
// illustrative = yes | no, uncertainty_rel_k1 (e.g. 0.05), units = "depth_mm,
// dose_rate_gy_per_min"; then a column header and rows. Throws Error(bad input) naming the file,
// line and field, the value seen and what was expected: missing or malformed header fields,
// depths not increasing, negative, missing or non-numeric dose rates.
CalibrationTable load_calibration(const std::filesystem::path& file);

const char* to_string(DepthConvention c);
const char* to_string(CalibrationFormalism f);
// Inverse of to_string; nullopt for an unknown name.
std::optional<CalibrationFormalism> formalism_from_string(const std::string& s);

}  // namespace kiort
