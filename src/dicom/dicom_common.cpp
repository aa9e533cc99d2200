#include "dicom/dicom_common.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/oflog/oflog.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <string>

#include "core/error.h"

namespace kiort::dicom {

std::string new_uid() {
  char buf[100];
  dcmGenerateUniqueIdentifier(buf, SITE_INSTANCE_UID_ROOT);
  return buf;
}

void ensure_uids(PatientModel& model) {
  if (model.study_uid.empty()) model.study_uid = new_uid();
  if (model.series_uid.empty()) model.series_uid = new_uid();
  if (model.frame_of_reference_uid.empty()) model.frame_of_reference_uid = new_uid();
  const auto nz = static_cast<std::size_t>(model.grid.dims()[2]);
  if (model.slice_sop_instance_uids.size() != nz) {
    model.slice_sop_instance_uids.clear();
    for (std::size_t k = 0; k < nz; ++k) model.slice_sop_instance_uids.push_back(new_uid());
  }
}

void put_patient_study_equipment(DcmItem& item, const PatientModel& model) {
  item.putAndInsertString(DCM_PatientName, model.patient_name.c_str());
  item.putAndInsertString(DCM_PatientID, model.patient_id.c_str());
  if (!model.issuer_of_patient_id.empty())
    item.putAndInsertString(DCM_IssuerOfPatientID, model.issuer_of_patient_id.c_str());
  item.putAndInsertString(DCM_PatientBirthDate, model.patient_birth_date.c_str());
  item.putAndInsertString(DCM_PatientSex, model.patient_sex.c_str());
  item.putAndInsertString(DCM_StudyInstanceUID, model.study_uid.c_str());
  item.putAndInsertString(DCM_StudyDate, model.study_date.c_str());
  item.putAndInsertString(DCM_StudyTime, model.study_time.c_str());
  item.putAndInsertString(DCM_ReferringPhysicianName, model.referring_physician_name.c_str());
  item.putAndInsertString(DCM_StudyID, model.study_id.c_str());
  item.putAndInsertString(DCM_AccessionNumber, model.accession_number.c_str());
  if (!model.study_description.empty())
    item.putAndInsertString(DCM_StudyDescription, model.study_description.c_str());
  item.putAndInsertString(DCM_Manufacturer, "kiort");
  item.putAndInsertString(DCM_ManufacturerModelName, "kiort");
}

void read_patient_study(DcmItem& item, PatientModel& model) {
  auto get = [&](const DcmTagKey& tag) {
    OFString v;
    return item.findAndGetOFStringArray(tag, v).good() ? std::string(v.c_str()) : std::string();
  };
  model.patient_name = get(DCM_PatientName);
  model.patient_id = get(DCM_PatientID);
  model.issuer_of_patient_id = get(DCM_IssuerOfPatientID);
  model.patient_birth_date = get(DCM_PatientBirthDate);
  model.patient_sex = get(DCM_PatientSex);
  model.study_date = get(DCM_StudyDate);
  model.study_time = get(DCM_StudyTime);
  model.study_id = get(DCM_StudyID);
  model.accession_number = get(DCM_AccessionNumber);
  model.referring_physician_name = get(DCM_ReferringPhysicianName);
  model.study_description = get(DCM_StudyDescription);
}

void quiet_dcmtk_logging() {
  static const bool done = [] {
    OFLog::configure(OFLogger::FATAL_LOG_LEVEL);
    return true;
  }();
  (void)done;
}

std::string format_ds(double value) {
  // Enough digits for micrometres on a body-sized grid, always within the 16-character limit.
  for (int digits = 10; digits >= 4; --digits) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*g", digits, std::abs(value) < 1e-9 ? 0.0 : value);
    if (std::string(buf).size() <= 16) return buf;
  }
  return "0";
}

void save_atomic(DcmFileFormat& file, const std::filesystem::path& path) {
  const std::filesystem::path tmp =
      path.parent_path() / (path.filename().string() + ".tmp." + std::to_string(::getpid()));
  const OFCondition cond = file.saveFile(tmp.c_str(), EXS_LittleEndianExplicit);
  if (cond.bad()) {
    std::error_code ec;
    std::filesystem::remove(tmp, ec);
    throw Error::bad_input("cannot write DICOM file").file(path.string()).seen(cond.text());
  }
  std::filesystem::rename(tmp, path);
}

}  // namespace kiort::dicom
