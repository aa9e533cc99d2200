// The plans the web application shows: a folder whose sub-folders each hold one plan's outputs
// (plan.json, dose.nrrd, dvh.csv, summary.json as `kiort plan compute` writes them), the plan's
// data as JSON for the review page, CT slices with structure contours and isodose lines rendered
// server-side as PNG (cairo), and the physicist's approval. Never computes dose; never edits a
// plan other than approving it through plan.h's approve().
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "patient/patient_model.h"
#include "plan/plan.h"

namespace kiort {

// What a slice shows: the CT, the structures' outlines and isodose lines at fractions of the
// prescribed dose, on the patient grid (dose resampled to it, nearest voxel).
struct PlanImage {
  Plan plan;
  PatientModel patient;
  std::vector<float> dose_gy;  // on patient.grid; 0 outside the dose grid
  double reference_gy = 0;     // 100 % isodose
  std::string stamp;           // the plan files' sizes and times when loaded (file_stamp)
};

enum class SliceAxis { kAxial, kSagittal, kCoronal };
SliceAxis parse_slice_axis(const std::string& text);  // throws Error(bad input)
// Slices along an axis: axial = k, sagittal = i, coronal = j.
int slice_count(const PlanImage& image, SliceAxis axis);
// Isodose levels drawn, as percent of the reference dose, and their colours (hex).
const std::vector<std::pair<int, std::string>>& isodose_levels();

// Where a point (a continuous voxel index of the patient grid, centres at integers) lies in one
// view: the slice (continuous: a marker is on slice round(slice)) and the pixel of the slice
// image before scaling (u right, v down; pixel centres at +0.5).
struct ViewPoint {
  double slice = 0, u = 0, v = 0;
};
ViewPoint view_point(const PlanImage& image, SliceAxis axis, const Vec3& continuous_index);
// The voxel that pixel (u, v) of a slice shows; throws Error(bad input) outside the slice.
Index3 view_voxel(const PlanImage& image, SliceAxis axis, int index, int u, int v);
// What a view shows: its size in slice pixels, the pixel size in mm, and the patient directions
// at the image's edges (L/R/A/P/S/I, from the grid's direction cosines), for the page's
// orientation labels and scale bar.
nlohmann::json view_geometry(const PlanImage& image, SliceAxis axis);
// The readout under the pointer: voxel, LPS position, HU, dose, percent of the reference dose,
// the structures that contain it, and where it lies in each view (for linked crosshairs).
nlohmann::json point_readout(const PlanImage& image, const Index3& voxel);

// A PNG of slice index along axis with window/level in HU; ~512 px on its longer side, square
// millimetres. Throws Error(bad input) for an index outside the volume or a window <= 0.
std::string render_slice_png(const PlanImage& image, SliceAxis axis, int index, double window_hu,
                             double level_hu);

class PlanCatalog {
 public:
  explicit PlanCatalog(std::filesystem::path dir);  // empty: no plans
  // One object per plan folder: id (folder name), plan id, patient, level, approval.
  nlohmann::json list() const;
  bool has(const std::string& id) const;       // a listed folder with a plan.json
  bool approved(const std::string& id) const;  // plan.json's approval.state, read now
  // The review page's data: plan.json, summary.json, DVH curves, dwell positions and times,
  // slice counts, structures with colours, isodose levels. Throws Error(bad input) for an unknown
  // id (the server answers 404).
  nlohmann::json details(const std::string& id);
  // Loaded once per plan (the patient model may be a generated phantom) and kept while the plan's
  // files (plan.json, dose.nrrd) keep their size and modification time; reloaded when they change.
  std::shared_ptr<const PlanImage> image(const std::string& id);
  // Approves through plan.h's approve() with the physicist's comment and saves plan.json
  // atomically, then writes the folder's report.pdf and dicom/ again for the approved plan
  // (rewrite_documents_after_approval); returns the approval and documents_rewrite {attempted,
  // ok, written, error}. The caller has checked the physicist's password.
  nlohmann::json approve_plan(const std::string& id, const std::string& by,
                              const std::string& comment);
  // The plan's documents the page links, served read-only: report.pdf and the DICOM set
  // (dicom/*.dcm and its CT, dicom/ct/*.dcm, as kiort report --dicom-out writes them), each
  // {name, bytes}, and {stale: why} for one that is not the approved plan's (written for the
  // draft, or the approval's rewrite failed: documents/plan_documents.h, documents.json). Only
  // regular files (no links) that exist in the plan folder.
  nlohmann::json documents(const std::string& id) const;
  // Why the listed document is not the approved plan's; empty when it is.
  std::string document_stale(const std::string& id, const std::string& name) const;
  // The file of one listed document (a name documents() returned); throws Error(bad input) for
  // any other name, so no request can reach another file.
  std::filesystem::path document(const std::string& id, const std::string& name) const;

 private:
  std::filesystem::path folder(const std::string& id) const;  // only names that exist in dir
  std::filesystem::path dir_;
  std::mutex mutex_;
  std::map<std::string, std::shared_ptr<const PlanImage>> images_;
};

}  // namespace kiort
