// Dose-volume histograms and the metrics clinics read off them. Doses are per voxel of a
// structure's mask (voxel-centre sampling, each voxel counting its full volume).
#pragma once

#include <string>
#include <vector>

namespace kiort {

struct DoseStats {
  std::vector<double> sorted_desc;  // the structure's voxel doses, highest first (Gy)
  double voxel_cc = 0;
  std::size_t count() const { return sorted_desc.size(); }
  double volume_cc() const { return double(count()) * voxel_cc; }
  double max() const;
  double mean() const;
  // D<pct>: the minimum dose to the hottest pct % of the volume.
  double d_pct(double pct) const;
  // D<cc>: the minimum dose to the hottest cc of the volume (the whole volume when it is smaller).
  double d_cc(double cc) const;
  // V<dose>: the fraction (0..1) of the volume receiving at least dose_gy.
  double v_gy(double dose_gy) const;
};

DoseStats dose_stats(const std::vector<double>& doses, double voxel_cc);

// Cumulative DVH on a uniform dose axis: (dose_gy, volume fraction receiving >= dose_gy).
struct DvhCurve {
  std::string structure;
  double volume_cc = 0;
  std::vector<double> dose_gy, volume_fraction;
};
DvhCurve cumulative_dvh(const std::string& structure, const DoseStats& s, double bin_gy,
                        double max_gy);
// Cumulative DVH that runs to the structure's own maximum: uniform steps of bin_gy up to fine_gy
// (or the maximum), then steps of 1 % of the dose, ending at the first dose above the maximum
// (volume 0), so that no curve stops with volume left.
DvhCurve cumulative_dvh_to_max(const std::string& structure, const DoseStats& s, double bin_gy,
                               double fine_gy);

}  // namespace kiort
