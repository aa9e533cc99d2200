#include "dicom/patient_loader.h"

#include <unistd.h>

#include <atomic>

#include "core/atomic_file.h"
#include "core/error.h"
#include "dicom/ct_reader.h"
#include "dicom/rtstruct.h"
#include "patient/phantom.h"
#include "patient/volume_io.h"

namespace kiort::dicom {

PatientModel load_patient(const PatientRef& ref, const std::string& level,
                          std::vector<std::string>* warnings) {
  std::vector<std::string> w;
  PatientModel m;
  if (ref.kind == "phantom") {
    PhantomOptions o;
    o.level = ref.level;
    o.lesion = ref.lesion;
    o.voxel_mm = ref.voxel_mm;
    m = make_vertebra_phantom(o);
  } else if (ref.kind == "volume") {
    m = read_volume(ref.path);
    // A NRRD/NIfTI file names nobody: the patient is who the user said (plan create --patient-*).
    m.patient_name = ref.patient_name;
    m.patient_id = ref.patient_id;
    m.patient_sex = ref.patient_sex;
    m.patient_birth_date = ref.patient_birth_date;
  } else if (ref.kind == "dicom") {
    CtReadResult r = read_ct_series(ref.path);
    m = std::move(r.model);
    w = std::move(r.warnings);
    for (const auto& rs : r.rtstruct_files)
      for (auto& x : read_rtstruct(rs, m, ref.accept_other_frame)) w.push_back(std::move(x));
  } else {
    throw Error::bad_input("unknown patient kind")
        .field("patient.kind")
        .seen(ref.kind)
        .expected("phantom, volume or dicom");
  }
  // Label maps on the CT's grid, for a volume or a DICOM series alike.
  for (const std::string& spec : ref.labels) {
    const auto eq = spec.find('=');
    const std::string file = spec.substr(0, eq);
    std::optional<std::filesystem::path> names;
    if (eq != std::string::npos) names = spec.substr(eq + 1);
    for (auto& x : add_label_map(m, file, names)) w.push_back(std::move(x));
  }
  bool has_canal = false;
  for (const auto& s : m.structures)
    has_canal = has_canal || s.name == "SpinalCanal" || s.name == "SpinalCanal (derived)";
  if (!has_canal)
    for (const std::string& n : {"vertebrae_" + level, "Vertebra_" + level})
      if (const Structure* v = m.find(n); v && v->voxel_count() > 0) {
        m.structures.push_back(derive_spinal_canal(m.grid, v->mask));
        w.push_back("no spinal canal structure: derived one from " + n +
                    " (\"SpinalCanal (derived)\")");
        break;
      }
  if (warnings) *warnings = std::move(w);
  return m;
}

PatientModel load_spine_example(const std::filesystem::path& ct) {
  static std::atomic<unsigned> calls{0};  // two loads in one process: two names
  const std::filesystem::path names =
      std::filesystem::temp_directory_path() /
      ("kiort-spine-names-" + std::to_string(::getpid()) + "-" + std::to_string(calls++) + ".csv");
  write_file_atomic(names, "label,name\n19,VB_T12\n20,VB_L1\n21,VB_L2\n22,VB_L3\n");
  PatientRef ref;
  ref.kind = "volume";
  ref.path = (ct / "example_ct.nii.gz").string();
  ref.labels = {(ct / "totalseg.nii.gz").string(),
                (ct / "totalseg_vertebrae_pp_refined.nii.gz").string() + "=" + names.string()};
  PatientModel pm;
  try {
    pm = load_patient(ref, "L1");
  } catch (...) {
    std::filesystem::remove(names);
    throw;
  }
  std::filesystem::remove(names);
  if (!pm.find("VB_L1"))
    throw Error::bad_input("no VB_L1 in the spine CT's labels").file(ct.string());
  return pm;
}

}  // namespace kiort::dicom
