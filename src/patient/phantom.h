// The parametric vertebra phantom: a synthetic CT of one vertebra (cortical shell, spongiosa,
// optional lesion), its pedicles and posterior elements, the canal with cord (or cauda equina)
// and CSF, the vertebrae above and below, paraspinal muscle, fat and skin. Dimensions come from
// published morphometry (data/phantom/vertebra-morphometry.json). It is the default case of
// `kiort demo` and of many tests, so it must be deterministic: same options, same voxels, same
// UIDs. It never reads patient data.
#pragma once

#include <string>
#include <vector>

#include "patient/patient_model.h"

namespace kiort {

struct PhantomOptions {
  std::string level = "L1";      // T1..T12, L1..L5
  std::string lesion = "lytic";  // lytic | blastic | mixed | none
  double voxel_mm = 1.0;         // isotropic voxel edge, 0.25..4 mm
};

// Throws Error(bad input) for a bad level, lesion or voxel size.
PatientModel make_vertebra_phantom(const PhantomOptions& options);

// Per-level morphometry as read from data/phantom/vertebra-morphometry.json (mm).
struct VertebraMorphometry {
  double body_width = 0, body_depth = 0, body_height = 0;
  double pedicle_width = 0, pedicle_height = 0;
  double canal_width = 0, canal_depth = 0;
  double disc_height_below = 0;
};
VertebraMorphometry vertebra_morphometry(const std::string& level);

// The levels above and below ("C7" above T1 and "S1" below L5, drawn with T1 and L5 sizes).
std::string level_above(const std::string& level);
std::string level_below(const std::string& level);

// The analytic volume (cc) of each phantom structure as the shapes define it, before voxelising
// (BODY is omitted: it is the whole grid inside the skin). Tests compare the masks with these.
struct AnalyticVolume {
  std::string name;
  double volume_cc = 0;
};
std::vector<AnalyticVolume> phantom_analytic_volumes(const PhantomOptions& options);

// The media the phantom uses (material library names), in medium-index order.
std::vector<std::string> phantom_media_names();

// The CT number the phantom writes for a mass density: the integer HU whose density through the
// default CT calibration (data/ct/default.json) is nearest, so that reading the CT back through
// that calibration gives the phantom's densities again.
int phantom_hu_for_density(double density_g_cm3);

// Deterministic DICOM UID ("2.25." + a 128-bit hash of key): the same key always gives the same
// UID, so the phantom's DICOM output is reproducible byte for byte.
std::string deterministic_uid(const std::string& key);

}  // namespace kiort
