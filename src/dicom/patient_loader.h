// The patient model a plan names (PatientRef): the built-in vertebra phantom, a NRRD/NIfTI CT
// (with the demographics the user gave), or a DICOM CT series with its RTSTRUCT (on another
// Frame of Reference only with accept_other_frame); label maps on the CT's grid for either. Where
// no spinal canal structure exists, the canal is derived from the treated level's vertebra label
// and marked as derived.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "patient/patient_model.h"
#include "plan/plan.h"

namespace kiort::dicom {

// Throws Error(bad input) naming the file or field; warnings go to *warnings when given.
PatientModel load_patient(const PatientRef& ref, const std::string& level,
                          std::vector<std::string>* warnings = nullptr);

// The real spine CT of tests/data/spine-ct (`dir`: TotalSegmentator's example, 3 mm voxels, HU
// through the shipped CT calibration) as `kiort plan create --volume` loads it, level L1, with
// the vertebral bodies' labels named (VB_T12 ... VB_L3): the patient of `kiort bench mc` and of
// the validation tests on a CT.
PatientModel load_spine_example(const std::filesystem::path& dir);

}  // namespace kiort::dicom
