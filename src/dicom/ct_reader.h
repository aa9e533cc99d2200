// Reads a CT series from a folder of DICOM files (DCMTK for the data set; GDCM with OpenJPEG for
// compressed pixel data, JPEG 2000 included) into a PatientModel with its full geometry. What
// would make the volume wrong (a missing or duplicated slice, gantry tilt, varying orientation or
// pixel spacing, a truncated file, a syntax nobody can decode) is an Error naming the file; what
// is safe to go on with (a non-DICOM file beside the series, UIDs only in the meta header, other
// modalities) is a warning naming the file.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "patient/patient_model.h"

namespace kiort::dicom {

struct CtReadResult {
  PatientModel model;  // hu, grid, identity; media and density from the default CT calibration
  std::vector<std::string> warnings;
  std::vector<std::filesystem::path> rtstruct_files;  // RT Structure Sets found in the folder
};

// path: a folder (its files, not sub-folders) or a single DICOM file. series_uid chooses among
// several CT series (an error lists them when it is needed and missing).
CtReadResult read_ct_series(const std::filesystem::path& path,
                            const std::optional<std::string>& series_uid = std::nullopt);

}  // namespace kiort::dicom
