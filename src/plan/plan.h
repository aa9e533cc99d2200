// The Kypho-IORT plan (plan.json, schema "kiort-plan" version 1): the patient it is for, the
// treated level and target, the applicator accesses (trajectory and dwell positions), tube
// voltage and commissioned probe, the prescription, the engine settings, the dwell times once
// computed, the evaluation, and the approval. An approved plan is locked by a SHA-256 checksum
// over its content; it cannot be edited, only copied into a new draft.
#pragma once

#include <filesystem>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/vec3.h"
#include "source/calibration.h"

namespace kiort {

// Where the patient model comes from. kind: "phantom" (the built-in vertebra phantom), "volume"
// (NRRD/NIfTI CT with optional label map), "dicom" (a CT series folder with an RTSTRUCT).
struct PatientRef {
  std::string kind = "phantom";
  std::string level = "L1";      // phantom: the treated level
  std::string lesion = "lytic";  // phantom
  double voxel_mm = 1.0;         // phantom
  std::string path;              // volume or DICOM folder
  // volume: label maps, each "FILE" or "FILE=NAMES" (a name table: JSON or CSV label,name)
  std::vector<std::string> labels;
  // volume: the patient as the user names them (NRRD/NIfTI carry no demographics), written into
  // every DICOM object: name (PN), ID, sex (M, F, O), birth date (YYYYMMDD). Empty: not given.
  std::string patient_name, patient_id, patient_sex, patient_birth_date;
  // dicom: read a structure set on another Frame of Reference than the CT's when every contour
  // names an image of this CT (kiort plan create --accept-other-frame); outputs carry a warning.
  bool accept_other_frame = false;
};

struct Access {
  std::string name;         // "left", "right" or a user's name
  Vec3 entry_lps, tip_lps;  // the needle's path; tip = the most distal source position
  bool automatic = false;   // proposed by kiort along the transpedicular path
  double dwell_step_mm = 5.0;
  int dwell_count = 1;
  std::vector<Vec3> dwell_lps;  // explicit positions (else tip backwards by step)
  Vec3 axis() const { return normalized(tip_lps - entry_lps); }  // forward, towards the tip
  std::vector<Vec3> dwell_positions() const;
};

// Prescriptions as clinics state them.
//  point:    dose_gy at depth_mm from the applicator surface or the source centre in water, one
//            dwell position; the time follows from the probe's calibration table. The reference
//            (`from`) must be stated: from the surface or the centre differ by a factor 1.6 in time
//            at 13 mm, and published prescriptions ("8 Gy at 13 mm depth") often leave it out.
//  coverage: the target's D<coverage_pct> >= dose_gy (equivalently V100 >= coverage_pct %)
//            while the organ at risk's metric (Dmax or D0.03cc) stays <= oar_limit_gy.
struct Prescription {
  std::string kind = "point";
  double dose_gy = 8.0;
  double depth_mm = 13.0;
  std::optional<DepthConvention> from;  // required for a point prescription: no default
  // The depth's reference: `from`; a coverage prescription without one places its report point
  // (Monte Carlo sigma target, second check) from the applicator surface.
  DepthConvention reference() const { return from.value_or(DepthConvention::kApplicatorSurface); }
  double coverage_pct = 90.0;
  std::string oar;  // empty: the cord/cauda structure the patient has
  std::string oar_metric = "Dmax";
  double oar_limit_gy = 0;  // 0: no OAR constraint
  std::string citation;
};

// The evidence a prescription rests on (plan.json "rationale"): ids of references and findings in
// the evidence base (data/evidence, `kiort evidence`) and the base's version they were chosen
// from. Empty: none linked. Set with `kiort plan rationale`; checked against the base there and
// when the report shows it (an unknown id is bad input naming it).
struct Rationale {
  std::string evidence_base;
  std::vector<std::string> references, findings;
  bool empty() const { return references.empty() && findings.empty(); }
};
// {"evidence_base", "references", "findings"}: as plan.json and summary.json carry it.
nlohmann::ordered_json rationale_json(const Rationale& r);

struct EngineSettings {
  std::string engine = "mc";       // "mc" (dose to medium, Monte Carlo) or "water" (fast engine)
  double target_sigma_rel = 0.02;  // at the prescription point
  std::uint64_t max_histories = 20000000;  // per dwell position
  std::uint64_t seed = 1;
  double margin_mm = 35.0;  // dose grid: the box within this distance of any dwell position
  double second_check_tolerance = 0.05;
};

struct Approval {
  bool approved = false;
  std::string by, at, checksum;  // checksum: SHA-256 of the content (all but "approval")
  std::string comment;           // the approver's words (the web approval asks for them)
};

struct Plan {
  std::string id, created, parent_id;
  PatientRef patient;
  std::string level = "L1";
  std::string target = "CTV";
  std::vector<Access> accesses;
  double kv = 50;
  std::string source;  // commissioned source file (as resolved)
  std::string source_checksum;
  Prescription prescription;
  Rationale rationale;
  EngineSettings engine;
  std::vector<double>
      dwell_times_s;            // one per dwell position, accesses in order; empty: not computed
  std::string evaluation_json;  // the last evaluation's summary (JSON text), empty before
  Approval approval;

  std::size_t dwell_count() const;
};

constexpr int kPlanSchemaVersion = 1;

std::string plan_to_json(const Plan& plan);  // pretty, stable key order
// Throws Error(bad input) naming the file and field; verifies an approved plan's checksum.
Plan plan_from_json(const std::string& text, const std::string& file);
Plan load_plan(const std::filesystem::path& path);
// Atomic. Refuses to overwrite an approved plan file with different content.
void save_plan(const std::filesystem::path& path, const Plan& plan);

// SHA-256 of text as 64 lower-case hex digits (libsodium).
std::string sha256_hex(const std::string& text);
std::string plan_checksum(const Plan& plan);  // SHA-256 hex of the content without "approval"
// Locks the plan; throws Error(bad input) when already approved, not computed, or by is empty.
void approve(Plan& plan, const std::string& by, const std::string& comment = "");
// Throws Error(bad input) when the plan is approved ("copy it into a new draft").
void require_editable(const Plan& plan, const std::string& file);
// A new draft from any plan: new id, parent_id = the old id, no approval.
Plan copy_as_draft(const Plan& plan);

std::string utc_now_iso();
std::string new_plan_id();

}  // namespace kiort
