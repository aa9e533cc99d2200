// kiort: the command-line entry point. Parses arguments, dispatches to a subcommand, and maps
// errors to the exit codes of DESIGN.md: 0 ok, 1 internal fault, 2 bad input, 3 goal not met.
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>
#include <string>

#include "cli.h"
#include "core/error.h"
#include "core/log.h"
#include "core/version.h"

namespace kiort::cli {
namespace {

struct Planned {
  const char* name;
  const char* what;
  const char* issue;
};

// Subcommands that later issues build. Until then they say so plainly and exit 1.
constexpr Planned kPlanned[] = {
    {"demo", "Plan and compute the built-in vertebra phantom case end to end", "planning"},
    {"xs", "Photon cross sections of a material (mu/rho, mu_en/rho)", "photon physics"},
    {"mc", "Monte Carlo photon transport on simple geometries", "Monte Carlo engine"},
    {"source", "The probe source model and its commissioning", "probe source model"},
    {"dose", "Dose computation on a patient model", "probe source model"},
    {"ct", "Import a CT series or volume into a patient model", "patient model"},
    {"phantom", "Generate the parametric vertebra phantom", "patient model"},
    {"plan", "Create, optimise and evaluate a Kypho-IORT plan", "planning"},
    {"report", "Write the signed plan report (PDF) and DICOM RT export", "DICOM RT export"},
    {"registry", "The follow-up registry (patients, procedures, visits)", "registry"},
    {"stats", "Survival statistics (Kaplan-Meier, log-rank, Cox)", "outcomes"},
    {"cohort", "The cohort report", "outcomes"},
    {"serve", "The web application", "web application"},
    {"bench", "Benchmarks of the dose engines", "Monte Carlo engine"},
};

void add_planned(CLI::App& app, Commands& commands) {
  for (const Planned& p : kPlanned) {
    bool built = false;  // a module that has landed registers its own subcommand first
    for (const CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; }))
      built = built || sub->get_name() == p.name;
    if (built) continue;
    CLI::App* sub = app.add_subcommand(p.name, p.what);
    sub->group("Planned (not built yet)");
    sub->allow_extras();
    sub->prefix_command();
    const std::string name = p.name;
    const std::string issue = p.issue;
    commands.push_back({sub, [name, issue] {
                          std::fprintf(stderr,
                                       "kiort %s: not built yet (it comes with the %s work); "
                                       "nothing was computed\n",
                                       name.c_str(), issue.c_str());
                          return static_cast<int>(ExitCode::kInternal);
                        }});
  }
}

}  // namespace
}  // namespace kiort::cli

int main(int argc, char** argv) {
  using namespace kiort;
  using namespace kiort::cli;
  CLI::App app{
      "kiort: planning, dose and follow-up for Kypho-IORT (intraoperative kV radiotherapy "
      "during kyphoplasty)",
      "kiort"};
  app.set_version_flag("--version", std::string("kiort ") + kiort::version() + " (commit " +
                                        kiort::git_commit() + ")");
  const std::unique_ptr<World> world = open_world(&argc, &argv);
  Globals globals;
  globals.world = world.get();
  app.add_flag("-v,--verbose", globals.verbose, "Log debug detail")->group("Global options");
  app.add_flag("-q,--quiet", globals.quiet, "No progress display, warnings only")
      ->group("Global options");
  app.require_subcommand(1);
  app.fallthrough();

  Commands commands;
  // Built subcommands (one line each, apps/kiort/cmd_<name>.cpp), then the planned ones.
  add_xs_command(app, globals, commands);
  add_mc_command(app, globals, commands);
  add_bench_command(app, globals, commands);
  add_source_command(app, globals, commands);
  add_stats_command(app, globals, commands);
  add_registry_command(app, globals, commands);
  add_phantom_command(app, globals, commands);
  add_ct_command(app, globals, commands);
  add_cohort_command(app, globals, commands);
  add_plan_command(app, globals, commands);
  add_demo_command(app, globals, commands);
  add_report_command(app, globals, commands);
  add_serve_command(app, globals, commands);
  add_evidence_command(app, globals, commands);
  add_planned(app, commands);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::printf("%s", app.help().c_str());
    return 0;
  } catch (const CLI::CallForAllHelp&) {
    std::printf("%s", app.help("", CLI::AppFormatMode::All).c_str());
    return 0;
  } catch (const CLI::CallForVersion&) {
    std::printf("%s\n", app.version().c_str());
    return 0;
  } catch (const CLI::ParseError& e) {
    std::string msg = e.what();
    if (argc <= 1) msg = "no subcommand given";
    std::fprintf(stderr, "kiort: %s (see kiort --help)\n", msg.c_str());
    return static_cast<int>(ExitCode::kBadInput);
  }

  if (!globals.writes()) globals.quiet = true;  // one rank speaks for a distributed run
  setup_logging(globals.verbose, globals.quiet);
  for (const Command& c : commands) {
    if (!c.app->parsed()) continue;
    try {
      return c.run();
    } catch (const Error& e) {
      spdlog::error("{}", e.what());
      world->abort(exit_code_for(e));  // other ranks may wait in a reduction: end them too
      return exit_code_for(e);
    } catch (const std::exception& e) {
      spdlog::critical("internal fault: {}", e.what());
      world->abort(static_cast<int>(ExitCode::kInternal));
      return static_cast<int>(ExitCode::kInternal);
    }
  }
  return static_cast<int>(ExitCode::kInternal);
}
