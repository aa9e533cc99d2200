// RT Structure Set: read ROIs (names, numbers, CLOSED_PLANAR contours) onto a PatientModel's grid
// as masks (even-odd rule, so inner contours are holes), and write a model's structures as an
// RTSTRUCT that references its CT series. A structure set on another Frame of Reference than the
// CT is refused: its contours would land in the wrong place.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/vec3.h"
#include "patient/patient_model.h"

namespace kiort::dicom {

// Appends the file's ROIs to model.structures (origin kRtstruct) and returns warnings (contours
// off the grid or off a slice, open contours and points skipped, ...). Throws Error(bad input)
// for a file that is not an RTSTRUCT, a Frame of Reference other than the model's, or malformed
// contour data, naming the file and tag.
//
// accept_other_frame: a structure set on another Frame of Reference (as rt-utils writes them) is
// read when every contour names, in its Contour Image Sequence, an image of this CT (a SOP
// Instance UID of model.slice_sop_instance_uids); the returned warnings then say so, and the
// model's output_warnings carry it into every output. Any contour without such a reference is
// still refused.
std::vector<std::string> read_rtstruct(const std::filesystem::path& file, PatientModel& model,
                                       bool accept_other_frame = false);

// The points of an open polyline ROI (OPEN_NONPLANAR or OPEN_PLANAR: a needle or catheter as a
// planning system reconstructs it), in the file's order, in LPS mm. Throws Error(bad input)
// naming the file and ROI when the ROI is missing, has no open contour, has several, or lies on
// another Frame of Reference than the model's (unless accept_other_frame, as above).
std::vector<Vec3> read_rtstruct_polyline(const std::filesystem::path& file, const std::string& roi,
                                         const PatientModel& model,
                                         bool accept_other_frame = false);

// True when the file is a DICOM RT Structure Set (Modality RTSTRUCT or its SOP class).
bool is_rtstruct(const std::filesystem::path& file);

// A marker ROI: one point (a dwell position), written as a POINT contour on the nearest slice.
struct PointRoi {
  std::string name, type = "MARKER";
  Vec3 position_lps;
  std::array<std::uint8_t, 3> color{255, 255, 0};
};

// An open polyline ROI (a needle or catheter: OPEN_NONPLANAR), from its entry to its distal end.
struct PolylineRoi {
  std::string name, type = "BRACHY_CHANNEL";
  std::vector<Vec3> points_lps;
  std::array<std::uint8_t, 3> color{0, 255, 255};
};

// Who the structure set is: by default its UIDs derive from the CT's; a plan's structure set
// (rt_export.h) gives its own so it never shares a UID with the patient's.
struct RtstructOptions {
  std::string sop_instance_uid, series_uid;  // empty: derived from the CT's series UID
  std::string label = "kiort";
  std::string description{};       // Structure Set Description (ST): what a reader must know
  std::vector<PolylineRoi> lines;  // after the structures, numbered on from them
  std::vector<PointRoi> points;    // after the lines
};

// Writes every structure of the model as CLOSED_PLANAR contours along voxel edges (they
// rasterise back to the same masks), referencing the CT slices by their SOP Instance UIDs.
// UIDs of the structure set derive from the CT's, so the same model gives the same file.
void write_rtstruct(const PatientModel& model, const std::filesystem::path& path,
                    const RtstructOptions& options = {});

}  // namespace kiort::dicom
