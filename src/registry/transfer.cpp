#include "registry/transfer.h"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <tuple>

#include "core/atomic_file.h"
#include "core/csv.h"
#include "core/error.h"
#include "core/read_file.h"
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

namespace {

// Where a flat column goes: a table's column, or one item of a questionnaire column.
struct FlatTarget {
  const FormPrefix* form = nullptr;
  const ColumnSpec* column = nullptr;
  int item = 0;  // 1-based item of a kItems column, 0 otherwise
};

// "surgery" -> 1, "surgery_3" -> 3; 0 when base is not a surgery event.
int surgery_number(const std::string& base) {
  if (base == "surgery") return 1;
  if (base.rfind("surgery_", 0) != 0) return 0;
  const std::string k = base.substr(8);
  int v = 0;
  const auto r = std::from_chars(k.data(), k.data() + k.size(), v);
  return r.ec == std::errc() && r.ptr == k.data() + k.size() && v >= 2 ? v : 0;
}

}  // namespace

std::size_t import_redcap(Repository& repo, const std::filesystem::path& file,
                          const std::string& user,
                          const std::function<void(std::size_t, std::size_t)>& progress) {
  const std::string name = file.string();
  const std::vector<CsvRecord> recs = parse_csv(read_text(file), name);
  if (recs.empty()) throw Error::bad_input("empty file").file(name).expected("a header line");
  const std::vector<std::string>& header = recs[0].fields;

  // The flat columns kiort writes, by name.
  std::map<std::string, FlatTarget> known;
  for (const FormPrefix& f : kForms)
    for (const ColumnSpec& c : table_spec(f.table).columns) {
      if (skipped(f.table, c.name)) continue;
      if (c.type == ColumnType::kItems) {
        for (int i = 1; i <= c.items.count; ++i)
          known[std::string(f.prefix) + c.name + "_" + (i < 10 ? "0" : "") + std::to_string(i)] = {
              &f, &c, i};
      } else {
        known[std::string(f.prefix) + c.name] = {&f, &c, 0};
      }
    }
  std::vector<FlatTarget> target(header.size());
  std::map<std::string, std::size_t> bookkeeping;
  std::set<std::string> seen;
  for (std::size_t i = 0; i < header.size(); ++i) {
    const std::string& h = header[i];
    const std::string where = "column " + std::to_string(i + 1);
    if (!seen.insert(h).second)
      throw Error::bad_input("column given twice").file(name + ":1").field(where).seen(h);
    if (h == "record_id" || h == "redcap_event_name" || h == "redcap_repeat_instrument" ||
        h == "redcap_repeat_instance") {
      bookkeeping[h] = i;
      continue;
    }
    if (const auto it = known.find(h); it != known.end()) {
      target[i] = it->second;
      continue;
    }
    bool status = false;  // REDCap's form status column "<instrument>_complete"
    for (const FormPrefix& f : kForms)
      status = status || h == std::string(f.instrument) + "_complete";
    if (!status)
      throw Error::bad_input("unknown column")
          .file(name + ":1")
          .field(where)
          .seen(h)
          .expected(
              "a field of the REDCap data dictionary (kiort registry export "
              "--redcap-dictionary; docs/registry.md)");
  }
  for (const char* b :
       {"record_id", "redcap_event_name", "redcap_repeat_instrument", "redcap_repeat_instance"})
    if (!bookkeeping.count(b))
      throw Error::bad_input("not a REDCap flat file: a column is missing")
          .file(name + ":1")
          .seen(b)
          .expected(
              "record_id, redcap_event_name, redcap_repeat_instrument, "
              "redcap_repeat_instance and the fields (a longitudinal project's export)");

  // New ids above every id this registry has used for the table (its rows and its audit trail),
  // so no id is reused.
  std::map<std::string, std::int64_t> next_id;
  for (const FormPrefix& f : kForms) {
    std::int64_t top = 0;
    for (const Row& r : repo.list(f.table))
      top = std::max<std::int64_t>(top, std::stoll(*at(r, "id")));
    for (const AuditEntry& a : repo.audit_trail(f.table)) top = std::max(top, a.row_id);
    next_id[f.table] = top + 1;
  }

  std::vector<ImportRow> rows;
  std::map<std::string, std::int64_t> patient_of;                        // record -> patients.id
  std::map<std::string, std::vector<std::int64_t>> procedures_of;        // record -> ids by k
  std::map<std::pair<std::string, std::string>, std::int64_t> visit_of;  // (record, event)
  for (std::size_t r = 1; r < recs.size(); ++r) {
    const CsvRecord& rec = recs[r];
    const std::string where = name + ":" + std::to_string(rec.line);
    if (rec.fields.size() != header.size())
      throw Error::bad_input("wrong number of fields")
          .file(where)
          .seen(std::to_string(rec.fields.size()))
          .expected(std::to_string(header.size()) + " as in the header");
    auto field = [&](const char* b) -> const std::string& { return rec.fields[bookkeeping[b]]; };
    auto bad = [&](const char* col, const std::string& what, const std::string& expected) {
      return Error::bad_input(what)
          .file(where)
          .field("column " + std::to_string(bookkeeping[col] + 1) + " (" + col + ")")
          .seen(field(col))
          .expected(expected);
    };
    const std::string& record = field("record_id");
    if (record.empty()) throw bad("record_id", "missing value", "the patient's pseudonym");
    const std::string& event = field("redcap_event_name");
    const std::string& instrument = field("redcap_repeat_instrument");
    const std::string arm = "_arm_1";
    if (event.size() <= arm.size() || event.compare(event.size() - arm.size(), arm.size(), arm))
      throw bad("redcap_event_name", "not an event of arm 1",
                "<event>_arm_1 (baseline_arm_1, surgery_arm_1, postop_arm_1, ...)");
    const std::string base = event.substr(0, event.size() - arm.size());

    // Which table this line fills, and the links it takes.
    const char* table = nullptr;
    Row values;
    if (base == "baseline") {
      if (!instrument.empty())
        throw bad("redcap_repeat_instrument", "no repeating instrument in the baseline event",
                  "empty");
      if (patient_of.count(record))
        throw bad("record_id", "a second baseline row for this record", "one per patient");
      table = "patients";
      values["pseudonym"] = record;
    } else if (const int k = surgery_number(base); k > 0) {
      const auto p = patient_of.find(record);
      if (p == patient_of.end())
        throw bad("record_id", "no baseline row for this record before its surgery",
                  "the record's baseline_arm_1 row first");
      std::vector<std::int64_t>& procs = procedures_of[record];
      if (instrument.empty()) {
        if (static_cast<std::size_t>(k) != procs.size() + 1)
          throw bad("redcap_event_name", "surgeries out of order",
                    procs.empty() ? std::string("surgery_arm_1 first")
                                  : "surgery_" + std::to_string(procs.size() + 1) + "_arm_1");
        table = "procedures";
        values["patient_id"] = std::to_string(p->second);
      } else {
        if (static_cast<std::size_t>(k) > procs.size())
          throw bad("redcap_event_name", "a repeating instrument before its surgery row",
                    "the event's row without an instrument first");
        if (instrument == "level")
          table = "levels";
        else if (instrument == "complication")
          table = "complications";
        else
          throw bad("redcap_repeat_instrument", "not a repeating instrument of a surgery event",
                    "level or complication");
        values["procedure_id"] = std::to_string(procs[static_cast<std::size_t>(k) - 1]);
      }
    } else {
      // A visit: <event> of the first procedure, <event>_p<k> of the k-th.
      std::string ev = base;
      std::size_t nth = 1;
      if (const std::size_t u = base.rfind("_p"); u != std::string::npos && u > 0) {
        const std::string digits = base.substr(u + 2);
        std::size_t v = 0;
        const auto res = std::from_chars(digits.data(), digits.data() + digits.size(), v);
        if (res.ec == std::errc() && res.ptr == digits.data() + digits.size() && v >= 2) {
          ev = base.substr(0, u);
          nth = v;
        }
      }
      const auto procs = procedures_of.find(record);
      if (procs == procedures_of.end() || procs->second.size() < nth)
        throw bad("redcap_event_name", "a visit before the surgery it follows",
                  nth == 1 ? std::string("the record's surgery_arm_1 row first")
                           : "the record's surgery_" + std::to_string(nth) + "_arm_1 row first");
      if (instrument.empty()) {
        table = "visits";
        values["procedure_id"] = std::to_string(procs->second[nth - 1]);
        values["event"] = ev;
      } else if (instrument == "analgesic") {
        // The visit of this event (for the repeating unscheduled event: the one just before).
        const auto v = visit_of.find({record, event});
        if (v == visit_of.end())
          throw bad("redcap_event_name", "an analgesic before its visit",
                    "the event's visit row first");
        table = "analgesics";
        values["visit_id"] = std::to_string(v->second);
      } else {
        throw bad("redcap_repeat_instrument", "not a repeating instrument of a visit event",
                  "analgesic");
      }
    }

    // The line's fields: those of the table's form; the vital status rides on the baseline row.
    const FormPrefix* main_form = nullptr;
    for (const FormPrefix& f : kForms)
      if (std::string(f.table) == table) main_form = &f;
    Row vital;
    std::map<const ColumnSpec*, std::vector<std::string>> items;
    std::vector<std::string> columns(header.size()), vital_columns(header.size());
    for (std::size_t i = 0; i < header.size(); ++i) {
      const FlatTarget& t = target[i];
      if (!t.form) continue;
      const bool is_vital =
          table == std::string("patients") && t.form->table == std::string("vital_status");
      (is_vital ? vital_columns : columns)[i] = t.column->name;
      const std::string& v = rec.fields[i];
      if (v.empty()) continue;
      if (t.form != main_form && !is_vital)
        throw Error::bad_input("a field of another form on this line")
            .file(where)
            .field("column " + std::to_string(i + 1) + " (" + header[i] + ")")
            .seen(v)
            .expected("empty: the line is the " + std::string(main_form->instrument) +
                      " form (event " + event +
                      (instrument.empty() ? "" : ", instrument " + instrument) + ")");
      if (t.item > 0) {
        std::vector<std::string>& it = items[t.column];
        it.resize(static_cast<std::size_t>(t.column->items.count));
        it[static_cast<std::size_t>(t.item) - 1] = v;
      } else {
        (is_vital ? vital : values)[t.column->name] = v;
      }
    }
    for (const auto& [c, answers] : items) {
      std::string joined;
      for (std::size_t i = 0; i < answers.size(); ++i) joined += (i ? "," : "") + answers[i];
      values[c->name] = joined;
    }
    const std::int64_t id = next_id[table]++;
    values["id"] = std::to_string(id);
    if (table == std::string("patients")) patient_of[record] = id;
    if (table == std::string("procedures")) procedures_of[record].push_back(id);
    if (table == std::string("visits")) visit_of[{record, event}] = id;
    rows.push_back(
        {.table = table, .values = values, .file = name, .line = rec.line, .columns = columns});
    if (!vital.empty()) {
      vital["id"] = std::to_string(next_id["vital_status"]++);
      vital["patient_id"] = std::to_string(id);
      rows.push_back({.table = "vital_status",
                      .values = vital,
                      .file = name,
                      .line = rec.line,
                      .columns = vital_columns});
    }
  }
  if (rows.empty()) throw Error::bad_input("no records in the file").file(name).expected("rows");
  // Rows in the registry's table order, so a row's references exist before it (the ids stay).
  std::vector<ImportRow> ordered;
  for (const TableSpec& t : registry_tables())
    for (const ImportRow& ir : rows)
      if (ir.table == t.name) ordered.push_back(ir);
  const std::size_t total = ordered.size();
  repo.import_rows(ordered, user, [&](std::size_t n) {
    if (progress) progress(n, total);
  });
  return total;
}

}  // namespace kiort
