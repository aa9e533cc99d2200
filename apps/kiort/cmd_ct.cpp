// kiort ct info: reads a CT (a DICOM folder with its RTSTRUCT if there is one, a single DICOM
// file, or a NRRD/NIfTI volume with an optional label map) and prints its geometry, HU range,
// identity and structures, as text or JSON. Warnings go to stderr; errors exit 2.
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "cli.h"
#include "core/error.h"
#include "dicom/ct_reader.h"
#include "dicom/rtstruct.h"
#include "patient/volume_io.h"

namespace kiort::cli {
namespace {

struct CtOpts {
  std::string path, series, labels, label_names;
  bool json = false;
};

struct Loaded {
  PatientModel model;
  std::vector<std::string> warnings;
};

std::optional<std::filesystem::path> names(const CtOpts& o) {
  if (o.label_names.empty()) return std::nullopt;
  return std::filesystem::path(o.label_names);
}

Loaded load(const CtOpts& o) {
  namespace fs = std::filesystem;
  Loaded out;
  const fs::path p = o.path;
  if (fs::is_regular_file(p) && is_volume_file(p)) {
    out.model = read_volume(p);
    if (!o.labels.empty()) {
      auto w = add_label_map(out.model, o.labels, names(o));
      out.warnings.insert(out.warnings.end(), w.begin(), w.end());
    }
    return out;
  }
  std::optional<std::string> series;
  if (!o.series.empty()) series = o.series;
  dicom::CtReadResult r = dicom::read_ct_series(p, series);
  out.model = std::move(r.model);
  out.warnings = std::move(r.warnings);
  for (const fs::path& rs : r.rtstruct_files) {
    auto w = dicom::read_rtstruct(rs, out.model);
    out.warnings.insert(out.warnings.end(), w.begin(), w.end());
  }
  if (!o.labels.empty()) {
    auto w = add_label_map(out.model, o.labels, names(o));
    out.warnings.insert(out.warnings.end(), w.begin(), w.end());
  }
  return out;
}

int run_info(const CtOpts& o) {
  const Loaded l = load(o);
  for (const std::string& w : l.warnings) spdlog::warn("{}", w);
  const PatientModel& m = l.model;
  const Grid3& g = m.grid;
  std::int16_t lo = 0, hi = 0;
  if (!m.hu.empty()) {
    const auto [a, b] = std::minmax_element(m.hu.begin(), m.hu.end());
    lo = *a;
    hi = *b;
  }
  nlohmann::ordered_json j;
  j["source"] = m.source;
  j["dims"] = {g.dims()[0], g.dims()[1], g.dims()[2]};
  j["spacing_mm"] = {g.spacing().x, g.spacing().y, g.spacing().z};
  j["origin_mm"] = {g.origin().x, g.origin().y, g.origin().z};
  nlohmann::json dir = nlohmann::json::array();
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 3; ++c)
      dir.push_back(g.direction().m[static_cast<std::size_t>(r)][static_cast<std::size_t>(c)]);
  j["direction"] = dir;
  j["hu_min"] = lo;
  j["hu_max"] = hi;
  j["patient_id"] = m.patient_id;
  j["study_uid"] = m.study_uid;
  j["series_uid"] = m.series_uid;
  j["frame_of_reference_uid"] = m.frame_of_reference_uid;
  nlohmann::ordered_json st = nlohmann::ordered_json::array();
  for (const Structure& s : m.structures) {
    nlohmann::ordered_json e;
    e["name"] = s.name;
    e["number"] = s.number;
    e["type"] = s.type;
    e["origin"] = std::string(to_string(s.origin));
    e["volume_cc"] = m.volume_cc(s);
    st.push_back(e);
  }
  j["structures"] = st;
  j["warnings"] = l.warnings;
  if (o.json) {
    std::printf("%s\n", j.dump(2).c_str());
    return 0;
  }
  std::printf("source       %s\n", m.source.c_str());
  std::printf("dims         %d x %d x %d\n", g.dims()[0], g.dims()[1], g.dims()[2]);
  std::printf("spacing      %.6g x %.6g x %.6g mm\n", g.spacing().x, g.spacing().y, g.spacing().z);
  std::printf("origin       %.6g, %.6g, %.6g mm (LPS)\n", g.origin().x, g.origin().y, g.origin().z);
  std::printf("direction    %s\n", dir.dump().c_str());
  std::printf("HU range     %d .. %d\n", lo, hi);
  std::printf("patient ID   %s\n", m.patient_id.c_str());
  std::printf("series UID   %s\n", m.series_uid.c_str());
  std::printf("structures   %zu\n", m.structures.size());
  for (const Structure& s : m.structures)
    std::printf("  %-24s %4d %-10s %10.3f cc\n", s.name.c_str(), s.number, s.type.c_str(),
                m.volume_cc(s));
  return 0;
}

}  // namespace

void add_ct_command(CLI::App& app, const Globals& /*globals*/, Commands& commands) {
  CLI::App* ct = app.add_subcommand("ct", "Import a CT series or volume into a patient model");
  ct->require_subcommand(1);
  auto o = std::make_shared<CtOpts>();
  CLI::App* info = ct->add_subcommand(
      "info",
      "Geometry, HU range, identity and structures of a CT folder, DICOM file, NRRD or NIfTI");
  info->add_option("path", o->path, "DICOM folder or file, .nrrd/.nhdr, .nii/.nii.gz")->required();
  info->add_option("--series", o->series, "Series Instance UID, when the folder holds several");
  info->add_option("--labels", o->labels,
                   "Label-map volume (NIfTI/NRRD on the same grid) to add as structures");
  info->add_option("--label-names", o->label_names,
                   "Name table for --labels (JSON, CSV or TSV: label, name); default: a sidecar "
                   "beside the label map, else TotalSegmentator's vertebra labels");
  info->add_flag("--json", o->json, "Print JSON");
  commands.push_back({ct, [o] { return run_info(*o); }});
}

}  // namespace kiort::cli
