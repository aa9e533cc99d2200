// NRRD and NIfTI-1 volumes (.nrrd/.nhdr, .nii/.nii.gz) with their full geometry turned into LPS,
// as research data and segmentation tools (3D Slicer, ITK, TotalSegmentator) write them: a CT
// volume becomes a PatientModel, a label map (one integer per structure) becomes structures with
// names from a sidecar table or the built-in TotalSegmentator vertebra table. Reading only.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "patient/patient_model.h"

namespace kiort {

// A volume as stored: values (after NIfTI scl_slope/inter) on its grid, i fastest.
struct Volume {
  Grid3 grid{{1, 1, 1}, {1, 1, 1}, {0, 0, 0}};
  std::vector<double> values;
  std::string format;  // "nrrd" or "nifti"
};

// .nrrd, .nhdr, .nii, .nii.gz (by name).
bool is_volume_file(const std::filesystem::path& path);

// Throws Error(bad input) naming the file and header field for what it cannot read: unknown
// type or encoding, a sheared or 2-D volume, NIfTI-2, data shorter than the header says.
Volume read_volume_data(const std::filesystem::path& path);

// A CT volume (values in HU) as a PatientModel: HU rounded to integers, media and density from
// the default CT calibration, source = path, no DICOM UIDs.
PatientModel read_volume(const std::filesystem::path& path);

struct LabelName {
  int label = 0;
  std::string name;
};

// TotalSegmentator's vertebra labels (v2 "total" task: 26 S1, 27 L5, ..., 50 C1), the table used
// when a label map has no sidecar.
std::vector<LabelName> totalsegmentator_vertebra_names();

// A name table: JSON ({"31": "vertebrae_L1", ...} or [{"label": 31, "name": "..."}]) or CSV/TSV
// lines "label,name" / "label<TAB>name" (a header line and # comments are skipped).
std::vector<LabelName> read_label_names(const std::filesystem::path& path);

// Adds one Structure (origin kLabelMap) per label present in the label map. The label map must lie
// on the model's grid (same dims, origin, spacing and direction within 1e-3 mm). Names come from
// names_file, else a sidecar beside the label map (same stem + .json/.csv/.tsv), else the
// TotalSegmentator vertebra table, else "label_<n>". Returns warnings (unnamed labels, ...).
std::vector<std::string> add_label_map(
    PatientModel& model, const std::filesystem::path& label_map,
    const std::optional<std::filesystem::path>& names_file = std::nullopt);

// The spinal canal of one vertebra from its label mask (body + arch, as TotalSegmentator labels a
// vertebra): per axial slice, the holes the bone encloses (the vertebral foramen); where the arch
// is open on a slice, the part of the bone's convex hull that is not bone, near the midline and
// posterior to the vertebra's centroid. Returns a Structure "SpinalCanal (derived)", origin
// kDerived, on the same grid. Throws Error(bad input) when the grid's k axis is not near
// superior-inferior (the slices must be axial) or the mask is empty.
Structure derive_spinal_canal(const Grid3& grid, const std::vector<std::uint8_t>& vertebra_mask);

}  // namespace kiort
