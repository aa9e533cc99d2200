// Writes a PatientModel's CT numbers as a DICOM CT Image series (one file per slice, Explicit VR
// Little Endian, signed 16-bit HU with slope 1, intercept 0), with the model's UIDs and full
// geometry, in the standard axial orientation (to_standard_axial re-indexes a flipped or
// permuted volume first). A converted volume is DERIVED\SECONDARY and carries no acquisition
// values kiort does not know (no KVP). Every file is written atomically. It never changes the
// model.
#pragma once

#include <filesystem>
#include <vector>

#include "core/grid3.h"
#include "patient/patient_model.h"

namespace kiort::dicom {

// A grid whose axes each run along +-x, +-y or +-z of the patient, re-indexed so that i runs
// along +x, j along +y and k along +z: DICOM's standard axial orientation (Image Orientation
// 1\0\0\0\1\0, slices feet to head), which 2-D viewers show the right way up. source[v] is the
// original linear index of the re-indexed voxel v. Other (oblique) grids are kept as they are.
struct AxialReorder {
  Grid3 grid{{1, 1, 1}, {1, 1, 1}, {0, 0, 0}};
  std::vector<std::size_t> source;  // empty: already standard (or oblique), nothing to move
  template <typename T>
  std::vector<T> apply(const std::vector<T>& values) const {
    if (source.empty() || values.empty()) return values;
    std::vector<T> out(source.size());
    for (std::size_t v = 0; v < source.size(); ++v) out[v] = values[source[v]];
    return out;
  }
};
AxialReorder standard_axial(const Grid3& grid);
// The model (CT numbers, media, density, structure masks) on its standard axial grid; the slice
// UIDs are dropped when the slice order changed (they must be assigned to the new slices).
PatientModel to_standard_axial(const PatientModel& model);

// Writes CT_<k>.dcm (k = 1..nz, zero-padded) into dir (created if missing) and returns the paths.
// Throws Error(bad input) when the model has no UIDs (see ensure_uids) or no HU array, or when
// an axis-aligned grid is not in the standard axial orientation (call to_standard_axial).
std::vector<std::filesystem::path> write_ct_series(const PatientModel& model,
                                                   const std::filesystem::path& dir);

}  // namespace kiort::dicom
