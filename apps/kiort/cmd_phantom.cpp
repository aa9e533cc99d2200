// kiort phantom vertebra: writes the parametric vertebra phantom as a DICOM CT series and an
// RTSTRUCT into a folder, so any DICOM viewer or planning system (and `kiort ct info`) reads it.
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "cli.h"
#include "core/error.h"
#include "dicom/ct_writer.h"
#include "dicom/rtstruct.h"
#include "patient/phantom.h"

namespace kiort::cli {
namespace {

// A series left by an earlier run (say L5, with more slices) would mix with the new one, so the
// folder must be new, empty, or hold only an earlier phantom's files, which are replaced.
void prepare_output(const std::filesystem::path& dir) {
  namespace fs = std::filesystem;
  if (!fs::exists(dir)) return;
  if (!fs::is_directory(dir))
    throw Error::bad_input("output is not a folder").file(dir.string()).expected("a folder");
  std::vector<fs::path> ours;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string n = e.path().filename().string();
    const bool ct = n.size() == 11 && n.rfind("CT_", 0) == 0 && n.substr(7) == ".dcm" &&
                    n.find_first_not_of("0123456789", 3) == 7;
    if (!(e.is_regular_file() && (ct || n == "RS.dcm")))
      throw Error::bad_input("output folder holds other files")
          .file(dir.string())
          .seen(n)
          .expected(
              "a new or empty folder, or one holding only an earlier phantom (CT_*.dcm, RS.dcm)");
    ours.push_back(e.path());
  }
  for (const fs::path& f : ours) fs::remove(f);
}

}  // namespace

void add_phantom_command(CLI::App& app, const Globals& /*globals*/, Commands& commands) {
  CLI::App* phantom = app.add_subcommand("phantom", "Generate the parametric vertebra phantom");
  phantom->require_subcommand(1);
  struct Opts {
    PhantomOptions o;
    std::string out;
  };
  auto opts = std::make_shared<Opts>();
  CLI::App* vertebra = phantom->add_subcommand(
      "vertebra",
      "A vertebra with lesion, pedicles, canal and cord, and its neighbours, as "
      "DICOM CT + RTSTRUCT");
  vertebra->add_option("--level", opts->o.level, "Treated level: T1..T12 or L1..L5")
      ->default_val("L1");
  vertebra->add_option("--lesion", opts->o.lesion, "Lesion: lytic, blastic, mixed or none")
      ->default_val("lytic");
  vertebra->add_option("--voxel-mm", opts->o.voxel_mm, "Isotropic voxel size (mm)")
      ->default_val(1.0);
  vertebra->add_option("--out", opts->out, "Output folder (created; CT_*.dcm and RS.dcm)")
      ->required();
  commands.push_back({phantom, [opts] {
                        const PatientModel model = make_vertebra_phantom(opts->o);
                        const std::filesystem::path dir = opts->out;
                        prepare_output(dir);
                        const auto files = dicom::write_ct_series(model, dir);
                        dicom::write_rtstruct(model, dir / "RS.dcm");
                        spdlog::info("phantom {} ({} lesion, {} mm): {} CT slices and RS.dcm in {}",
                                     opts->o.level, opts->o.lesion, opts->o.voxel_mm, files.size(),
                                     dir.string());
                        return 0;
                      }});
}

}  // namespace kiort::cli
