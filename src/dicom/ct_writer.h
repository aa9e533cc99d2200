// Writes a PatientModel's CT numbers as a DICOM CT Image series (one file per slice, Explicit VR
// Little Endian, signed 16-bit HU with slope 1, intercept 0), with the model's UIDs and full
// geometry. Every file is written atomically. It never changes the model.
#pragma once

#include <filesystem>
#include <vector>

#include "patient/patient_model.h"

namespace kiort::dicom {

// Writes CT_<k>.dcm (k = 1..nz, zero-padded) into dir (created if missing) and returns the paths.
// Throws Error(bad input) when the model has no UIDs (see ensure_uids) or no HU array.
std::vector<std::filesystem::path> write_ct_series(const PatientModel& model,
                                                   const std::filesystem::path& dir);

}  // namespace kiort::dicom
