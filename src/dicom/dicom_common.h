// What every DICOM object kiort writes shares: UIDs, and the patient, study, equipment and
// frame-of-reference attributes that tie a CT, its RTSTRUCT (and later RTDOSE/RTPLAN) together.
// Writers call these so one set's objects always agree; nothing here reads files.
#pragma once

#include <filesystem>
#include <string>

#include "patient/patient_model.h"

class DcmItem;
class DcmFileFormat;

namespace kiort::dicom {

// A new, random UID under DCMTK's site root (dcmGenerateUniqueIdentifier): for objects that need
// no reproducibility. Reproducible outputs use deterministic_uid() (patient/phantom.h).
std::string new_uid();

// Fills the study, series and frame-of-reference UIDs (and slice UIDs) a model lacks, e.g. one
// read from NIfTI, with new UIDs, so that it can be written as DICOM.
void ensure_uids(PatientModel& model);

// Patient, General Study and General Equipment attributes from the model: the source CT's values
// exactly (what read_ct_series took from it), empty (type 2) where it had none.
void put_patient_study_equipment(DcmItem& item, const PatientModel& model);

// Copies the Patient and General Study attributes (other than the UIDs) from a CT image's data
// set into the model, exactly as they are.
void read_patient_study(DcmItem& item, PatientModel& model);

// DCMTK logs parse problems to stderr itself; kiort reports them as errors or warnings naming the
// file, so the readers call this once to keep DCMTK to fatal messages.
void quiet_dcmtk_logging();

// A decimal string (DS) value: at most 16 characters, as the standard allows.
std::string format_ds(double value);

// Saves as Explicit VR Little Endian with a meta header: to a temporary file beside path, then
// renamed over it. Throws Error naming the path when DCMTK cannot write.
void save_atomic(DcmFileFormat& file, const std::filesystem::path& path);

}  // namespace kiort::dicom
