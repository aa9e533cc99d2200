// The CLI's shared plumbing: global options and the table of subcommands. Thin by design: a
// subcommand parses its arguments and calls the library; only main() turns errors into exit codes.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <vector>

#include "core/progress.h"
#include "distributed/world.h"
#include "plan/plan.h"

namespace kiort::cli {

struct Globals {
  bool verbose = false;
  bool quiet = false;
  const World* world = nullptr;  // MPI ranks (mpirun/srun) or one process; only rank 0 writes
  bool writes() const { return !world || world->rank() == 0; }
  ProgressMode progress_mode() const { return quiet ? ProgressMode::kQuiet : ProgressMode::kAuto; }
};

// A subcommand: its CLI11 app and what runs when it was chosen (returns the exit code).
struct Command {
  CLI::App* app = nullptr;
  std::function<int()> run;
};

using Commands = std::vector<Command>;

// Each built subcommand lives in apps/kiort/cmd_<name>.cpp and is registered by main() through
// add_<name>_command(app, globals, commands). Until a subcommand is built, main() lists it as
// planned. Add new declarations here, one line each.
void add_xs_command(CLI::App& app, const Globals& globals, Commands& commands);
void add_mc_command(CLI::App& app, const Globals& globals, Commands& commands);
void add_bench_command(CLI::App& app, const Globals& globals, Commands& commands);
void add_source_command(CLI::App& app, const Globals& globals, Commands& commands);
void add_stats_command(CLI::App& app, const Globals& globals, Commands& commands);
void add_registry_command(CLI::App& app, const Globals& globals, Commands& commands);
void add_phantom_command(CLI::App& app, const Globals& globals, Commands& commands);
void add_ct_command(CLI::App& app, const Globals& globals, Commands& commands);
void add_cohort_command(CLI::App& app, const Globals& globals, Commands& commands);
void add_plan_command(CLI::App& app, const Globals& globals, Commands& commands);
void add_demo_command(CLI::App& app, const Globals& globals, Commands& commands);
void add_report_command(CLI::App& app, const Globals& globals, Commands& commands);
void add_serve_command(CLI::App& app, const Globals& globals, Commands& commands);
void add_evidence_command(CLI::App& app, const Globals& globals, Commands& commands);
// `kiort plan rationale` (cmd_plan_rationale.cpp), registered by add_plan_command.
void add_plan_rationale_command(CLI::App& plan, const Globals& globals, Commands& commands);

// `kiort demo`: plans and computes the built-in phantom into `out` and prints its summary; returns
// the exit code (also used by `kiort serve --demo` for the plan it serves).
int run_demo(const std::string& out, unsigned threads, bool json, const Globals& globals);
// The demo plan's prescription rationale (8 Gy at 13 mm: the phase III protocol and its sources).
Rationale demo_rationale();

}  // namespace kiort::cli
