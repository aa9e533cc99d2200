// The needle check: does the applicator, over its whole surface (radius 2.2 mm for the needle) and
// a stated margin, stay out of the spinal canal and the cord? The needle is the capsule swept by
// a sphere of radius (applicator radius + margin) from the entry to the tip: it fails where any
// point of it lies in a voxel of the structure (sampled on surfaces 0.1 mm apart, 0.5 mm along). A
// failure says where along the needle (mm back from the tip) and on which side of it (LPS words).
// It never edits the plan; check_plan throws on it.
#pragma once

#include <limits>
#include <string>
#include <vector>

#include "core/vec3.h"
#include "patient/patient_model.h"
#include "plan/plan.h"

namespace kiort {

// The margin kept between the applicator's surface and the canal or cord: about one CT voxel
// and the placement uncertainty the uncertainty budget assumes (uncertainty.h).
constexpr double kNeedleMarginMm = 1.0;

struct NeedleHit {
  std::string structure;
  std::size_t voxels = 0;      // structure voxels inside the needle + margin
  double from_tip_min_mm = 0;  // along the axis, back from the tip (negative: the round end)
  double from_tip_max_mm = 0;
  double deepest_mm = 0;           // how far the deepest voxel lies inside radius + margin
  double deepest_from_tip_mm = 0;  // where that deepest voxel is along the needle
  std::string side;  // from the axis towards the deepest voxel, e.g. "right, posterior"
  Vec3 deepest_lps{0, 0, 0};
};

// How far around the needle the clearance is looked for, and the sampling of the surfaces about
// it: shells 0.1 mm apart within radius + margin (0.25 mm beyond), points 0.5 mm apart.
constexpr double kNeedleClearanceSearchMm = 10.0;
constexpr double kShellStepMm = 0.1, kOuterShellStepMm = 0.25, kSampleStepMm = 0.5;

struct NeedleCheck {
  double radius_mm = 0, margin_mm = 0;
  // Smallest distance from the applicator's surface to a voxel of an avoided structure (to the
  // sampling: 0.1 mm within the margin, 0.25 mm beyond; negative: inside the applicator), NaN
  // when none lies within kNeedleClearanceSearchMm.
  double clearance_mm = std::numeric_limits<double>::quiet_NaN();
  std::vector<NeedleHit> hits;  // one per structure entered; empty: the needle is clear
  bool pass() const { return hits.empty(); }
  // "the needle's surface (radius 2.2 mm + 1.0 mm margin) enters SpinalCanal over 12.0 to 18.5 mm
  // from the tip, on its right, posterior side (...)"; empty when it passes.
  std::string describe() const;
};

// Checks one needle path (entry -> tip, the applicator of radius_mm around it, ending in a
// hemisphere about the tip) against each structure (null entries and repeats are skipped).
NeedleCheck check_needle(const PatientModel& patient, const Vec3& entry_lps, const Vec3& tip_lps,
                         double radius_mm, double margin_mm,
                         const std::vector<const Structure*>& avoid);

// Patient words for a direction in LPS: its one or two largest components ("left", "posterior",
// "superior"...), the larger first; components under 30 % of the length are left out.
std::string lps_side(const Vec3& direction);

}  // namespace kiort
