#include "registry/transfer.h"

#include <charconv>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <tuple>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/read_file.h"
#include "registry/csv.h"
#include "registry/quality.h"
#include "registry/schema.h"
#include "registry/scores.h"

namespace kiort {
namespace {

std::string read_text(const std::filesystem::path& p) {
  return read_file_bounded(p);
}

const std::optional<std::string>& at(const Row& r, const std::string& k) {
  static const std::optional<std::string> none;
  const auto it = r.find(k);
  return it == r.end() ? none : it->second;
}

// The audit trail an export wrote (audit.csv), checked line by line; nullopt without the file.
std::optional<std::vector<AuditEntry>> read_audit_csv(const std::filesystem::path& p) {
  if (!std::filesystem::exists(p)) return std::nullopt;
  const std::string name = p.string();
  const std::vector<CsvRecord> recs = parse_csv(read_text(p), name);
  if (recs.empty() || recs[0].fields != audit_columns()) {
    std::string want;
    for (const std::string& c : audit_columns()) want += (want.empty() ? "" : ",") + c;
    throw Error::bad_input("not an audit trail written by kiort registry export")
        .file(name + ":1")
        .expected("the header " + want);
  }
  std::vector<AuditEntry> out;
  for (std::size_t r = 1; r < recs.size(); ++r) {
    const CsvRecord& rec = recs[r];
    const std::string where = name + ":" + std::to_string(rec.line);
    if (rec.fields.size() != audit_columns().size())
      throw Error::bad_input("wrong number of fields")
          .file(where)
          .seen(std::to_string(rec.fields.size()))
          .expected(std::to_string(audit_columns().size()) + " as in the header");
    const auto& f = rec.fields;
    auto integer = [&](std::size_t i, long long lo) {
      long long v = 0;
      const auto res = std::from_chars(f[i].data(), f[i].data() + f[i].size(), v);
      if (res.ec != std::errc() || res.ptr != f[i].data() + f[i].size() || v < lo)
        throw Error::bad_input("not an integer")
            .file(where)
            .field("column " + std::to_string(i + 1) + " (" + audit_columns()[i] + ")")
            .seen(f[i])
            .expected("an integer >= " + std::to_string(lo));
      return static_cast<std::int64_t>(v);
    };
    auto bad = [&](std::size_t i, const std::string& expected) {
      return Error::bad_input("not a valid audit entry")
          .file(where)
          .field("column " + std::to_string(i + 1) + " (" + audit_columns()[i] + ")")
          .seen(f[i])
          .expected(expected);
    };
    AuditEntry a;
    a.id = integer(0, 1);
    a.user = f[1];
    if (a.user.empty()) throw bad(1, "who made the change");
    a.changed_at = f[2];
    if (f[2].size() < 10 || !parse_date(std::string_view(f[2]).substr(0, 10)))
      throw bad(2, "a UTC time YYYY-MM-DDTHH:MM:SSZ");
    a.table = f[3];
    if (a.table != "registry" && !find_table(a.table)) throw bad(3, "a registry table");
    a.row_id = integer(4, 0);
    a.action = f[5];
    if (a.action != "insert" && a.action != "update" && a.action != "delete" &&
        a.action != "import" && a.action != "reason")
      throw bad(5, "insert, update, delete, import or reason");
    a.field = f[6];
    if (a.field.empty()) throw bad(6, "a column name");
    if (!f[7].empty()) a.old_value = f[7];
    if (!f[8].empty()) a.new_value = f[8];
    out.push_back(std::move(a));
  }
  return out;
}

}  // namespace

std::vector<std::filesystem::path> export_csv(Repository& repo, const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  std::vector<std::filesystem::path> written;
  for (const TableSpec& t : registry_tables()) {
    std::string text = csv_line(t.column_names());
    for (const Row& r : repo.list(t.name)) {
      std::vector<std::string> f;
      for (const ColumnSpec& c : t.columns) f.push_back(at(r, c.name).value_or(""));
      text += csv_line(f);
    }
    written.push_back(dir / (t.name + ".csv"));
    write_file_atomic(written.back(), text);
  }
  std::string text = csv_line(audit_columns());
  for (const AuditEntry& a : repo.audit_trail())
    text += csv_line({std::to_string(a.id), a.user, a.changed_at, a.table, std::to_string(a.row_id),
                      a.action, a.field, a.old_value.value_or(""), a.new_value.value_or("")});
  written.push_back(dir / "audit.csv");
  write_file_atomic(written.back(), text);
  return written;
}

std::size_t import_csv(Repository& repo, const std::filesystem::path& dir, const std::string& user,
                       const std::function<void(std::size_t, std::size_t)>& progress) {
  if (!std::filesystem::is_directory(dir))
    throw Error::bad_input("not a folder")
        .file(dir.string())
        .expected("a folder of registry CSV files");
  std::vector<ImportRow> rows;
  int files = 0;
  for (const TableSpec& t : registry_tables()) {
    const std::filesystem::path p = dir / (t.name + ".csv");
    if (!std::filesystem::exists(p)) continue;
    ++files;
    const std::string name = p.string();
    const std::vector<CsvRecord> recs = parse_csv(read_text(p), name);
    if (recs.empty()) throw Error::bad_input("empty file").file(name).expected("a header line");
    const std::vector<std::string>& header = recs[0].fields;
    std::set<std::string> seen;
    for (std::size_t i = 0; i < header.size(); ++i) {
      const std::string where = "column " + std::to_string(i + 1);
      if (!t.column(header[i]))
        throw Error::bad_input("unknown column")
            .file(name + ":" + std::to_string(recs[0].line))
            .field(where)
            .seen(header[i])
            .expected("a column of " + t.name + " (docs/registry.md)");
      if (!seen.insert(header[i]).second)
        throw Error::bad_input("column given twice")
            .file(name + ":" + std::to_string(recs[0].line))
            .field(where)
            .seen(header[i]);
    }
    if (!seen.count("id"))
      throw Error::bad_input("no id column").file(name + ":1").expected("an id column");
    for (std::size_t r = 1; r < recs.size(); ++r) {
      const CsvRecord& rec = recs[r];
      if (rec.fields.size() != header.size())
        throw Error::bad_input("wrong number of fields")
            .file(name + ":" + std::to_string(rec.line))
            .seen(std::to_string(rec.fields.size()))
            .expected(std::to_string(header.size()) + " as in the header");
      ImportRow ir{
          .table = t.name, .values = {}, .file = name, .line = rec.line, .columns = header};
      for (std::size_t i = 0; i < header.size(); ++i)
        ir.values[header[i]] =
            rec.fields[i].empty() ? std::nullopt : std::optional<std::string>(rec.fields[i]);
      rows.push_back(std::move(ir));
    }
  }
  if (files == 0)
    throw Error::bad_input("no registry CSV files in the folder")
        .file(dir.string())
        .expected("patients.csv, procedures.csv, ... (docs/registry.md)");
  const std::optional<std::vector<AuditEntry>> trail = read_audit_csv(dir / "audit.csv");
  const std::size_t total = rows.size();
  // The entry rules hold for an import too: an import that would add an error of `registry
  // check` (a future date, a visit before surgery or after death, a duplicate event, ...) is
  // refused whole, naming the first such row by file and line. Warnings and completeness stay
  // for `check` (a published series has many unrecorded fields).
  const std::string today = today_utc();
  std::multiset<std::tuple<std::string, std::string, std::int64_t, std::string, std::string>> had;
  for (const Violation& v : check_registry(repo, today))
    if (v.severity == "error") had.insert({v.rule, v.form, v.record_id, v.field, v.message});
  repo.transaction([&] {
    repo.import_rows(
        rows, user,
        [&](std::size_t n) {
          if (progress) progress(n, total);
        },
        trail ? &*trail : nullptr, dir.string());
    for (const Violation& v : check_registry(repo, today)) {
      if (v.severity != "error") continue;
      const auto it = had.find({v.rule, v.form, v.record_id, v.field, v.message});
      if (it != had.end()) {
        had.erase(it);
        continue;
      }
      std::string where = v.form + " " + std::to_string(v.record_id), table = v.form;
      for (const ImportRow& ir : rows) {
        const auto id = ir.values.find("id");
        if (table_spec(ir.table).form == v.form && id != ir.values.end() &&
            id->second == std::optional<std::string>(std::to_string(v.record_id))) {
          where = ir.file + ":" + std::to_string(ir.line);
          table = ir.table;
        }
      }
      throw Error::bad_input("refused by the registry's rules (" + v.rule + "); nothing imported")
          .file(where)
          .field(table + "." + v.field)
          .seen(v.message)
          .expected("rows that pass `kiort registry check`");
    }
  });
  return total;
}

namespace {

struct FormPrefix {
  const char* table;
  const char* prefix;
  const char* instrument;
};
// Column prefixes keep REDCap field names unique across forms.
constexpr FormPrefix kForms[] = {
    {"patients", "", "patient"},
    {"vital_status", "", "vital_status"},
    {"procedures", "proc_", "procedure"},
    {"levels", "lvl_", "level"},
    {"complications", "cmp_", "complication"},
    {"visits", "vis_", "visit"},
    {"analgesics", "anl_", "analgesic"},
};
bool skipped(const std::string& table, const std::string& col) {
  return col == "id" || col == "patient_id" || col == "procedure_id" || col == "visit_id" ||
         (table == "patients" && col == "pseudonym");
}

}  // namespace

std::vector<std::string> redcap_columns() {
  std::vector<std::string> cols = {"record_id", "redcap_event_name", "redcap_repeat_instrument",
                                   "redcap_repeat_instance"};
  for (const FormPrefix& f : kForms) {
    for (const ColumnSpec& c : table_spec(f.table).columns) {
      if (skipped(f.table, c.name)) continue;
      if (c.type == ColumnType::kItems) {
        for (int i = 1; i <= c.items.count; ++i)
          cols.push_back(std::string(f.prefix) + c.name + "_" + (i < 10 ? "0" : "") +
                         std::to_string(i));
      } else {
        cols.push_back(std::string(f.prefix) + c.name);
      }
    }
  }
  return cols;
}

std::string redcap_dictionary() {
  // REDCap's data dictionary layout (Project Setup > Data Dictionary), one row per field of the
  // flat export, in its column order; record_id first. Choices use the stored codes as both code
  // and label, so an export's values are valid REDCap raw data as they are.
  std::string text =
      csv_line({"Variable / Field Name", "Form Name", "Section Header", "Field Type", "Field Label",
                "Choices, Calculations, OR Slider Labels", "Field Note",
                "Text Validation Type OR Show Slider Number", "Text Validation Min",
                "Text Validation Max", "Identifier?", "Branching Logic (Show field only if...)",
                "Required Field?", "Custom Alignment", "Question Number (surveys only)",
                "Matrix Group Name", "Matrix Ranking?", "Field Annotation"});
  text += csv_line({"record_id", "patient", "", "text", "Pseudonym (with site prefix)", "", "", "",
                    "", "", "", "", "y", "", "", "", "", ""});
  for (const FormPrefix& f : kForms) {
    for (const ColumnSpec& c : table_spec(f.table).columns) {
      if (skipped(f.table, c.name)) continue;
      std::string type = "text", choices, validation, lo, hi;
      if (c.min) lo = format_real(*c.min);
      if (c.max) hi = format_real(*c.max);
      switch (c.type) {
        case ColumnType::kInt:
          validation = "integer";
          break;
        case ColumnType::kReal:
          validation = "number";
          break;
        case ColumnType::kDate:
          validation = "date_ymd";
          break;
        case ColumnType::kChoice:
          type = "dropdown";
          for (const std::string& x : c.choices)
            choices += (choices.empty() ? "" : " | ") + x + ", " + x;
          break;
        case ColumnType::kJson:
          type = "notes";
          break;
        default:
          break;
      }
      const std::string annotation = c.computed ? "@READONLY (computed by kiort)" : "";
      const std::string required = c.not_null || c.required ? "y" : "";
      if (c.type == ColumnType::kItems) {
        for (int i = 1; i <= c.items.count; ++i) {
          const int item_hi =
              (c.items.wide_from > 0 && i >= c.items.wide_from) ? c.items.wide_max : c.items.max;
          text += csv_line(
              {std::string(f.prefix) + c.name + "_" + (i < 10 ? "0" : "") + std::to_string(i),
               f.instrument, "", "text", c.description + ", item " + std::to_string(i), "", "",
               "integer", std::to_string(c.items.min), std::to_string(item_hi), "", "", "", "", "",
               "", "", ""});
        }
        continue;
      }
      text +=
          csv_line({std::string(f.prefix) + c.name, f.instrument, "", type, c.description, choices,
                    "", validation, validation.empty() ? "" : lo, validation.empty() ? "" : hi,
                    f.table == std::string("patients") && c.name == "birth_date" ? "y" : "", "",
                    required, "", "", "", "", annotation});
    }
  }
  return text;
}

void export_redcap_dictionary(const std::filesystem::path& file) {
  write_file_atomic(file, redcap_dictionary());
}

void export_redcap(Repository& repo, const std::filesystem::path& file) {
  const std::vector<std::string> cols = redcap_columns();
  std::map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < cols.size(); ++i) index[cols[i]] = i;
  std::map<std::string, std::vector<Row>> data;
  for (const FormPrefix& f : kForms) data[f.table] = repo.list(f.table);

  std::string text = csv_line(cols);
  auto emit = [&](const std::string& record, const std::string& event,
                  const std::string& instrument, int instance,
                  const std::vector<std::pair<const FormPrefix*, const Row*>>& forms) {
    std::vector<std::string> line(cols.size());
    line[0] = record;
    line[1] = event;
    line[2] = instrument;
    line[3] = instance > 0 ? std::to_string(instance) : "";
    for (const auto& [f, row] : forms) {
      for (const ColumnSpec& c : table_spec(f->table).columns) {
        if (skipped(f->table, c.name)) continue;
        const std::string v = at(*row, c.name).value_or("");
        if (c.type == ColumnType::kItems) {
          std::vector<std::string> items(static_cast<std::size_t>(c.items.count));
          std::size_t k = 0, pos = 0;
          while (!v.empty() && k < items.size()) {
            const std::size_t comma = v.find(',', pos);
            items[k++] =
                v.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
            if (comma == std::string::npos) break;
            pos = comma + 1;
          }
          for (std::size_t i = 0; i < items.size(); ++i)
            line[index[std::string(f->prefix) + c.name + "_" + (i + 1 < 10 ? "0" : "") +
                       std::to_string(i + 1)]] = items[i];
        } else {
          line[index[std::string(f->prefix) + c.name]] = v;
        }
      }
    }
    text += csv_line(line);
  };
  auto form = [](const char* table) -> const FormPrefix* {
    for (const FormPrefix& f : kForms)
      if (std::string(f.table) == table) return &f;
    return nullptr;
  };
  auto children = [&](const char* table, const char* key, const std::string& id) {
    std::vector<const Row*> out;
    for (const Row& r : data[table])
      if (at(r, key) == std::optional<std::string>(id)) out.push_back(&r);
    return out;
  };

  for (const Row& p : data["patients"]) {
    const std::string record = *at(p, "pseudonym");
    const std::string pid = *at(p, "id");
    std::vector<std::pair<const FormPrefix*, const Row*>> base = {{form("patients"), &p}};
    for (const Row* vs : children("vital_status", "patient_id", pid))
      base.push_back({form("vital_status"), vs});
    emit(record, "baseline_arm_1", "", 0, base);
    int k = 0;
    for (const Row* pr : children("procedures", "patient_id", pid)) {
      ++k;
      const std::string suffix = k == 1 ? "" : "_" + std::to_string(k);
      const std::string surgery = "surgery" + suffix + "_arm_1";
      emit(record, surgery, "", 0, {{form("procedures"), pr}});
      int n = 0;
      for (const Row* l : children("levels", "procedure_id", *at(*pr, "id")))
        emit(record, surgery, "level", ++n, {{form("levels"), l}});
      n = 0;
      for (const Row* c : children("complications", "procedure_id", *at(*pr, "id")))
        emit(record, surgery, "complication", ++n, {{form("complications"), c}});
      int unscheduled = 0;
      for (const Row* v : children("visits", "procedure_id", *at(*pr, "id"))) {
        const std::string ev = *at(*v, "event");
        const std::string vsuffix = k == 1 ? "" : "_p" + std::to_string(k);
        const std::string event = ev + vsuffix + "_arm_1";
        // Unscheduled visits form a repeating event (instrument blank, instance numbered).
        emit(record, event, "", ev == "unscheduled" ? ++unscheduled : 0, {{form("visits"), v}});
        n = 0;
        for (const Row* a : children("analgesics", "visit_id", *at(*v, "id")))
          emit(record, event, "analgesic", ++n, {{form("analgesics"), a}});
      }
    }
  }
  write_file_atomic(file, text);
}

}  // namespace kiort
