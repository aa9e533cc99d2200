// kiort registry: the follow-up registry from the command line. Every subcommand takes --db (a
// SQLite file, default kiort.db, or a postgresql:// URI) and --user (for the audit trail).
#include <pwd.h>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>

#include "cli.h"
#include "core/csv.h"
#include "core/error.h"
#include "core/progress.h"
#include "registry/quality.h"
#include "registry/repository.h"
#include "registry/schedule.h"
#include "registry/schema.h"
#include "registry/scores.h"
#include "registry/transfer.h"

namespace kiort::cli {
namespace {

struct RegistryOptions {
  std::string db = "kiort.db";
  std::string user;
};

// The operating-system user: $USER, else the account of the effective uid (a cron job or a
// container often has no $USER), else "uid N". Never "unknown": the trail must say who.
std::string default_user() {
  const char* u = std::getenv("USER");
  if (u && *u) return u;
  if (const passwd* pw = getpwuid(geteuid()); pw && pw->pw_name && *pw->pw_name) return pw->pw_name;
  return "uid " + std::to_string(geteuid());
}

// One add/edit subcommand per table, with one option per column the user may enter.
struct FormCommand {
  const TableSpec* table = nullptr;
  std::map<std::string, std::string> values;
  std::map<std::string, CLI::Option*> options;
  std::int64_t id = 0;
  bool confirm = false;
  std::string reason;  // edit / delete: why, into the audit trail with the change
};

// The registry's entry rules (quality.h check_entry, the same as the web form's): errors refuse
// the change, all of them named; warnings (a visit outside its window) refuse it unless --confirm.
void enforce_entry_rules(Repository& repo, const TableSpec& t, const Row& values, std::int64_t id,
                         bool confirm) {
  const EntryCheck c = check_entry(repo, t.name, values, id, today_utc());
  auto list = [&](const std::vector<Violation>& v) {
    std::string s;
    for (const Violation& x : v)
      s += (s.empty() ? "" : "; ") + t.name + "." + x.field + ": " + x.message;
    return s;
  };
  if (!c.errors.empty())
    throw Error::bad_input("refused by the registry's rules (nothing was saved)")
        .field(t.name + "." + c.errors.front().field)
        .seen(list(c.errors))
        .expected("values that pass `kiort registry check`");
  if (!c.warnings.empty()) {
    if (!confirm)
      throw Error::bad_input("needs confirmation (nothing was saved)")
          .field(t.name + "." + c.warnings.front().field)
          .seen(list(c.warnings))
          .expected("--confirm to save it anyway");
    std::fprintf(stderr, "warning (confirmed): %s\n", list(c.warnings).c_str());
  }
}

Row collect(const FormCommand& f) {
  Row row;
  for (const auto& [name, opt] : f.options)
    if (opt->count() > 0) {
      const std::string& v = f.values.at(name);
      row[name] = v.empty() ? std::nullopt : std::optional<std::string>(v);
    }
  return row;
}

// --patient_id takes a pseudonym (HD-0001) as well as a row id.
void resolve_pseudonym(Repository& repo, Row& row) {
  const auto it = row.find("patient_id");
  if (it == row.end() || !it->second) return;
  const std::string v = *it->second;
  if (v.find_first_not_of("0123456789") == std::string::npos) return;
  for (const Row& p : repo.list("patients"))
    if (p.at("pseudonym") == v) {
      it->second = p.at("id");
      return;
    }
  throw Error::bad_input("unknown patient")
      .field("--patient_id")
      .seen(v)
      .expected("a patient's row id or pseudonym");
}

void add_form_options(CLI::App* sub, FormCommand& f) {
  for (const ColumnSpec& c : f.table->columns) {
    if (c.type == ColumnType::kId || c.computed) continue;
    std::string help = c.description;
    if (c.type == ColumnType::kChoice && help.find(c.choices.front()) == std::string::npos) {
      help += " (";
      for (std::size_t i = 0; i < c.choices.size(); ++i) help += (i ? ", " : "") + c.choices[i];
      help += ")";
    }
    f.options[c.name] = sub->add_option("--" + c.name, f.values[c.name], help);
  }
}

}  // namespace

void add_registry_command(CLI::App& app, const Globals& globals, Commands& commands) {
  auto opts = std::make_shared<RegistryOptions>();
  opts->user = default_user();
  CLI::App* reg =
      app.add_subcommand("registry", "The follow-up registry (patients, procedures, visits)");
  reg->require_subcommand(1);
  reg->fallthrough();
  reg->add_option("--db", opts->db, "SQLite file or postgresql:// URI")
      ->capture_default_str()
      ->group("Registry options");
  reg->add_option("--user", opts->user,
                  "Who makes the change (audit trail); default the OS user ($USER or the account)")
      ->group("Registry options");

  auto open = [opts](OpenMode mode = OpenMode::kExisting) {
    return open_repository(opts->db, mode);
  };
  auto add_cmd = [&](CLI::App* sub, std::function<int()> run) {
    sub->fallthrough();
    commands.push_back({sub, std::move(run)});
  };

  add_cmd(reg->add_subcommand("init", "Create the registry (or bring its schema up to date)"),
          [open, opts] {
            auto repo = open(OpenMode::kCreate);
            std::printf("registry %s ready (%s, schema version %d)\n",
                        is_postgresql_uri(opts->db) ? "(postgresql)" : opts->db.c_str(),
                        repo->backend().c_str(), repo->schema_version());
            return 0;
          });

  // add / edit / delete, one subcommand per form.
  CLI::App* add =
      reg->add_subcommand("add", "Add a row: kiort registry add patient --pseudonym ...");
  CLI::App* edit =
      reg->add_subcommand("edit", "Change fields of a row: ... edit visit --id 3 --pain_worst 2");
  CLI::App* del =
      reg->add_subcommand("delete", "Delete a row (its values stay in the audit trail)");
  for (CLI::App* verb : {add, edit, del}) {
    verb->require_subcommand(1);
    verb->fallthrough();
  }
  for (const TableSpec& t : registry_tables()) {
    auto fa = std::make_shared<FormCommand>();
    fa->table = &t;
    CLI::App* sa = add->add_subcommand(t.singular, "Add a " + t.singular + ": " + t.description);
    add_form_options(sa, *fa);
    sa->add_flag("--confirm", fa->confirm, "Save despite warnings (a visit outside its window)");
    add_cmd(sa, [fa, open, opts] {
      auto repo = open();
      Row values = collect(*fa);
      resolve_pseudonym(*repo, values);
      enforce_entry_rules(*repo, *fa->table, values, 0, fa->confirm);
      std::int64_t id = 0;
      repo->transaction([&] {
        id = repo->insert(fa->table->name, values, opts->user);
        if (fa->table->name == "visits") follow_last_contact(*repo, id, opts->user);
      });
      std::printf("added %s %lld\n", fa->table->singular.c_str(), static_cast<long long>(id));
      return 0;
    });

    auto fe = std::make_shared<FormCommand>();
    fe->table = &t;
    CLI::App* se =
        edit->add_subcommand(t.singular, "Edit a " + t.singular + " (empty value clears)");
    se->add_option("--id", fe->id, "Row id")->required();
    add_form_options(se, *fe);
    se->add_flag("--confirm", fe->confirm, "Save despite warnings (a visit outside its window)");
    se->add_option("--reason", fe->reason, "Why the record is corrected (kept in the audit trail)");
    add_cmd(se, [fe, open, opts] {
      auto repo = open();
      Row changes = collect(*fe);
      resolve_pseudonym(*repo, changes);
      if (changes.empty())
        throw Error::bad_input("nothing to change").expected("at least one --<field> option");
      enforce_entry_rules(*repo, *fe->table, changes, fe->id, fe->confirm);
      repo->transaction([&] {
        if (!fe->reason.empty())
          repo->annotate(fe->table->name, fe->id, "update", fe->reason, opts->user);
        repo->update(fe->table->name, fe->id, changes, opts->user);
        if (fe->table->name == "visits") follow_last_contact(*repo, fe->id, opts->user);
      });
      std::printf("updated %s %lld\n", fe->table->singular.c_str(), static_cast<long long>(fe->id));
      return 0;
    });

    auto fd = std::make_shared<FormCommand>();
    fd->table = &t;
    CLI::App* sd = del->add_subcommand(t.singular, "Delete a " + t.singular);
    sd->add_option("--id", fd->id, "Row id")->required();
    sd->add_option("--reason", fd->reason, "Why the record is deleted (kept in the audit trail)");
    add_cmd(sd, [fd, open, opts] {
      auto repo = open();
      repo->transaction([&] {
        if (!fd->reason.empty())
          repo->annotate(fd->table->name, fd->id, "delete", fd->reason, opts->user);
        repo->remove(fd->table->name, fd->id, opts->user);
      });
      std::printf("deleted %s %lld\n", fd->table->singular.c_str(), static_cast<long long>(fd->id));
      return 0;
    });
  }

  add_cmd(
      reg->add_subcommand("schema", "Print every table's columns as Markdown (docs/registry.md)"),
      [] {
        std::fputs(schema_markdown().c_str(), stdout);
        return 0;
      });

  auto list_table = std::make_shared<std::string>();
  CLI::App* list = reg->add_subcommand("list", "Print a table as CSV");
  list->add_option("table", *list_table, "Table name (patients, visits, ...)")->required();
  add_cmd(list, [list_table, open] {
    auto repo = open();
    const TableSpec& t = table_spec(*list_table);
    std::string out = csv_line(t.column_names());
    for (const Row& r : repo->list(t.name)) {
      std::vector<std::string> f;
      for (const ColumnSpec& c : t.columns) f.push_back(r.at(c.name).value_or(""));
      out += csv_line(f);
    }
    std::fputs(out.c_str(), stdout);
    return 0;
  });

  struct AuditArgs {
    std::string table;
    std::int64_t id = 0;
  };
  auto audit_args = std::make_shared<AuditArgs>();
  CLI::App* audit = reg->add_subcommand("audit", "Print the audit trail as CSV");
  audit->add_option("--table", audit_args->table, "Only this table");
  audit->add_option("--id", audit_args->id, "Only this row id");
  add_cmd(audit, [audit_args, open] {
    auto repo = open();
    std::string out = csv_line(audit_columns());
    for (const AuditEntry& a : repo->audit_trail(audit_args->table, audit_args->id))
      out +=
          csv_line({std::to_string(a.id), a.user, a.changed_at, a.table, std::to_string(a.row_id),
                    a.action, a.field, a.old_value.value_or(""), a.new_value.value_or("")});
    std::fputs(out.c_str(), stdout);
    return 0;
  });

  struct CheckArgs {
    bool json = false;
    std::string today;
  };
  auto check_args = std::make_shared<CheckArgs>();
  CLI::App* check = reg->add_subcommand(
      "check", "Data-quality rules: list every violation (exit 3 when an error is found)");
  check->add_flag("--json", check_args->json, "JSON array instead of lines");
  check->add_option("--today", check_args->today,
                    "Date for the future-date rule (default today, UTC)");
  add_cmd(check, [check_args, open] {
    auto repo = open();
    const std::vector<Violation> v =
        check_registry(*repo, check_args->today.empty() ? today_utc() : check_args->today);
    const std::string out = check_args->json ? violations_json(v) : violations_text(v);
    std::fputs(out.c_str(), stdout);
    for (const Violation& x : v)
      if (x.severity == "error") return static_cast<int>(ExitCode::kGoalNotMet);
    return 0;
  });

  struct ImportArgs {
    std::string csv_dir, redcap;
  };
  auto import_args = std::make_shared<ImportArgs>();
  CLI::App* imp =
      reg->add_subcommand("import", "Import CSV files (or a REDCap flat file), all or nothing");
  auto* imp_csv = imp->add_option("--csv", import_args->csv_dir, "Folder with <table>.csv files");
  auto* imp_redcap = imp->add_option(
      "--redcap", import_args->redcap,
      "REDCap flat CSV (kiort registry export --redcap, or REDCap's raw data export)");
  imp_csv->excludes(imp_redcap);
  imp->require_option(1);
  add_cmd(imp, [import_args, open, opts, &globals] {
    auto repo = open();
    std::unique_ptr<Progress> bar;  // only for imports large enough to take a while
    auto progress = [&](std::size_t done, std::size_t total) {
      if (total < 5000) return;
      if (!bar) bar = std::make_unique<Progress>("import", total, globals.progress_mode());
      bar->update(done);
    };
    const bool redcap = !import_args->redcap.empty();
    const std::size_t n = redcap ? import_redcap(*repo, import_args->redcap, opts->user, progress)
                                 : import_csv(*repo, import_args->csv_dir, opts->user, progress);
    if (bar) bar->finish();
    std::printf("imported %zu rows from %s\n", n,
                (redcap ? import_args->redcap : import_args->csv_dir).c_str());
    return 0;
  });

  struct ExportArgs {
    std::string csv_dir, redcap, redcap_dictionary;
  };
  auto export_args = std::make_shared<ExportArgs>();
  CLI::App* exp =
      reg->add_subcommand("export", "Export one CSV per table, or a REDCap-style flat file");
  auto* csv_opt = exp->add_option("--csv", export_args->csv_dir, "Folder for <table>.csv files");
  auto* redcap_opt = exp->add_option("--redcap", export_args->redcap,
                                     "REDCap-style flat CSV (one row per patient and event)");
  auto* dict_opt = exp->add_option("--redcap-dictionary", export_args->redcap_dictionary,
                                   "REDCap data dictionary (CSV) of the flat file's fields");
  csv_opt->excludes(redcap_opt);
  csv_opt->excludes(dict_opt);
  redcap_opt->excludes(dict_opt);
  exp->require_option(1);
  add_cmd(exp, [export_args, open] {
    auto repo = open();
    if (!export_args->csv_dir.empty()) {
      const auto files = export_csv(*repo, export_args->csv_dir);
      std::printf("exported %zu files to %s\n", files.size(), export_args->csv_dir.c_str());
    } else if (!export_args->redcap_dictionary.empty()) {
      export_redcap_dictionary(export_args->redcap_dictionary);
      std::printf("exported %s\n", export_args->redcap_dictionary.c_str());
    } else {
      export_redcap(*repo, export_args->redcap);
      std::printf("exported %s\n", export_args->redcap.c_str());
    }
    return 0;
  });

  struct DueArgs {
    std::string date;
    bool json = false;
  };
  auto due_args = std::make_shared<DueArgs>();
  CLI::App* due = reg->add_subcommand("due", "Follow-up visits due and overdue on a date");
  due->add_option("--date", due_args->date, "YYYY-MM-DD (default today, UTC)");
  due->add_flag("--json", due_args->json, "JSON array instead of lines");
  add_cmd(due, [due_args, open] {
    auto repo = open();
    const auto list_due = due_visits(*repo, due_args->date.empty() ? today_utc() : due_args->date);
    if (due_args->json) {
      nlohmann::json j = nlohmann::json::array();
      for (const DueVisit& d : list_due) j.push_back(d);
      std::printf("%s\n", j.dump(2).c_str());
      return 0;
    }
    for (const DueVisit& d : list_due) {
      std::printf("%-12s procedure %lld (%s)  %-8s target %s  window %s..%s  %s", d.patient.c_str(),
                  static_cast<long long>(d.procedure_id), d.procedure_date.c_str(), d.event.c_str(),
                  d.target_date.c_str(), d.window_start.c_str(), d.window_end.c_str(),
                  d.status.c_str());
      if (d.days_overdue > 0) std::printf(" by %d days", d.days_overdue);
      std::printf("\n");
    }
    std::printf("%zu visits due or overdue\n", list_due.size());
    return 0;
  });
}

}  // namespace kiort::cli
