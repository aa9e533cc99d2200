// Getting data in and out: one CSV per table (columns as docs/registry.md lists them, RFC 4180
// quoting, empty = NULL), an all-or-nothing CSV import, and a REDCap-style flat export with one row
// per patient and event. Every file is written atomically.
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "registry/repository.h"

namespace kiort {

// Writes <dir>/<table>.csv for every table, and audit.csv (the whole trail). Creates dir if
// needed. Returns the files written.
std::vector<std::filesystem::path> export_csv(Repository& repo, const std::filesystem::path& dir);

// Reads the tables' CSV files that exist in dir (at least one must) and imports them in one
// transaction. A bad row throws kiort::Error naming file:line, column and reason, and leaves the
// registry as it was. Returns the number of rows imported. With an audit.csv beside them (an
// export), the trail is kept as exported (who, when, what) and the import is one audit entry
// by user; without it every row is audited as an insert by user.
std::size_t import_csv(
    Repository& repo, const std::filesystem::path& dir, const std::string& user,
    const std::function<void(std::size_t done, std::size_t total)>& progress = {});

// REDCap-style flat file: record_id, redcap_event_name, redcap_repeat_instrument,
// redcap_repeat_instance, then every field. Events: baseline_arm_1 (patient, vital status),
// surgery_arm_1 (procedure; levels and complications as repeating instruments), one event per
// scheduled visit (<event>_arm_1; analgesics repeat within), unscheduled_arm_1 (repeating event).
// A patient's second procedure and its visits use surgery_2_arm_1, <event>_p2_arm_1, and so on.
void export_redcap(Repository& repo, const std::filesystem::path& file);
std::vector<std::string> redcap_columns();
// The REDCap data dictionary of that flat file (one row per field, REDCap's 18 columns: form =
// instrument, dropdown choices, validation integer / number / date_ymd with the hard limits,
// required fields, computed fields @READONLY, birth_date an identifier), so a site can build the
// project in REDCap and load kiort's export into it.
std::string redcap_dictionary();
void export_redcap_dictionary(const std::filesystem::path& file);

// Reads such a flat file back (kiort's own export, or REDCap's "CSV raw data" export of a project
// built from the dictionary) and imports it in one transaction, all or nothing: record_id is the
// pseudonym, the event and repeat columns say which row of which table a line is, the form
// prefixes say which table a column belongs to, item columns are joined back; `<form>_complete`
// columns (REDCap's form status) are ignored, columns the flat file does not have are empty.
// Row ids are new (above every id this registry has used); every row is audited as an insert by
// user (a flat file carries no audit trail). A bad line throws kiort::Error naming file:line and
// the column. Returns the number of rows imported. export -> import into an empty registry ->
// export gives the same flat file byte for byte.
std::size_t import_redcap(
    Repository& repo, const std::filesystem::path& file, const std::string& user,
    const std::function<void(std::size_t done, std::size_t total)>& progress = {});

}  // namespace kiort
