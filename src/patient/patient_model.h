// The patient model every dose calculation and plan works on: a CT-like volume on a Grid3 (LPS),
// each voxel's medium and mass density (from the CT calibration, or set directly by a phantom),
// and the structures as masks on the same grid. Readers (DICOM, NRRD, NIfTI) and the vertebra
// phantom produce it; the planner and the exporters consume it.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/grid3.h"

namespace kiort {

class CtCalibration;

// Where a structure came from, so outputs can say so (a derived canal is not a contour).
enum class StructureOrigin { kRtstruct, kLabelMap, kPhantom, kDerived, kPlan };
std::string_view to_string(StructureOrigin origin);

struct Structure {
  std::string name;  // as in the source (ROI Name, label name)
  int number = 0;    // ROI Number or label value
  std::string type;  // RT ROI Interpreted Type when known: ORGAN, CTV, PTV, EXTERNAL...
  StructureOrigin origin = StructureOrigin::kRtstruct;
  std::array<std::uint8_t, 3> color{255, 0, 0};
  std::vector<std::uint8_t> mask;  // one byte per voxel of PatientModel::grid, 0/1
  std::size_t voxel_count() const;
};

struct PatientModel {
  Grid3 grid{{1, 1, 1}, {1, 1, 1}, {0, 0, 0}};
  std::vector<std::int16_t> hu;          // CT numbers after rescale (HU); may be synthetic
  std::vector<std::string> media_names;  // material names (physics MaterialLibrary keys)
  std::vector<std::int16_t> medium;      // per voxel: index into media_names, -1 vacuum
  std::vector<float> density;            // per voxel, g/cm3
  std::vector<Structure> structures;

  // Identity, for outputs that must reference the CT (DICOM UIDs empty for non-DICOM input).
  std::string patient_id, patient_name;
  // The rest of the Patient and General Study modules as the source CT has them (DICOM strings:
  // DA YYYYMMDD, TM, CS M/F/O), so every object written under the CT's Study Instance UID agrees
  // with it; for NRRD/NIfTI what the user gave. Empty: the source did not say (never invented).
  std::string patient_birth_date, patient_sex, issuer_of_patient_id;
  std::string study_date, study_time, study_id, accession_number, referring_physician_name,
      study_description;
  std::string study_uid, series_uid, frame_of_reference_uid;
  std::vector<std::string> slice_sop_instance_uids;  // CT image SOP Instance UIDs by slice k
  std::string source;                                // file or folder it came from, or "phantom"
  // What every output made from this model must say (e.g. a structure set read on another Frame
  // of Reference by the user's override): DICOM descriptions, the report, the plan's summary.
  std::vector<std::string> output_warnings;

  const Structure* find(std::string_view name) const;  // exact name, then case-insensitive
  double volume_cc(const Structure& s) const;
  // Media and densities from the HU array through the calibration (replaces medium/density).
  void assign_media(const CtCalibration& calibration);
};

// The patient on another grid, nearest voxel: HU, medium, density and every structure's mask;
// vacuum (HU -1000) outside the patient's grid. For dose computation: the identity (patient,
// study and frame UIDs) and the output warnings are not carried over.
PatientModel resample_nearest(const PatientModel& pm, const Grid3& grid);

}  // namespace kiort
