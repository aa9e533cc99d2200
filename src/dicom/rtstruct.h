// RT Structure Set: read ROIs (names, numbers, CLOSED_PLANAR contours) onto a PatientModel's grid
// as masks (even-odd rule, so inner contours are holes), and write a model's structures as an
// RTSTRUCT that references its CT series. A structure set on another Frame of Reference than the
// CT is refused: its contours would land in the wrong place.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "patient/patient_model.h"

namespace kiort::dicom {

// Appends the file's ROIs to model.structures (origin kRtstruct) and returns warnings (contours
// off the grid or off a slice, open contours and points skipped, ...). Throws Error(bad input)
// for a file that is not an RTSTRUCT, a Frame of Reference other than the model's, or malformed
// contour data, naming the file and tag.
std::vector<std::string> read_rtstruct(const std::filesystem::path& file, PatientModel& model);

// True when the file is a DICOM RT Structure Set (Modality RTSTRUCT or its SOP class).
bool is_rtstruct(const std::filesystem::path& file);

// Writes every structure of the model as CLOSED_PLANAR contours along voxel edges (they
// rasterise back to the same masks), referencing the CT slices by their SOP Instance UIDs.
// UIDs of the structure set derive from the CT's, so the same model gives the same file.
void write_rtstruct(const PatientModel& model, const std::filesystem::path& path);

}  // namespace kiort::dicom
