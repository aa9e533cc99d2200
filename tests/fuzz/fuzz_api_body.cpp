// The web API's JSON request bodies (src/server/api_body.h): any bytes as the body of
// POST /api/login and POST /api/visits, decoded as the server decodes them, and a decoded visit
// form written to a fresh in-memory registry (one patient, one procedure) as the server writes it,
// in one repository transaction as the server writes it. The answers the server turns into a 4xx
// are expected: HttpError, a kiort::Error for bad input, a json::exception (400 "bad JSON value");
// anything else (a crash, a sanitizer report, another exception, an internal Error) would be a
// 500 and is a defect. Seeds: seeds/api_body (bodies the web front end and e2e tests send).
#include <nlohmann/json.hpp>

#include "fuzz_util.h"
#include "registry/repository.h"
#include "server/api_body.h"

namespace {

kiort::Repository& registry() {
  static const auto repo = [] {
    auto r = kiort::open_repository(":memory:", kiort::OpenMode::kCreate);
    const auto p = r->insert(
        "patients", {{"pseudonym", "FZ-0001"}, {"sex", "female"}, {"birth_year", "1960"}}, "fuzz");
    r->insert("procedures", {{"patient_id", std::to_string(p)}, {"procedure_date", "2024-01-10"}},
              "fuzz");
    return r;
  }();
  return *repo;
}

template <class F>
void expect_4xx(F&& f) {
  try {
    f();
  } catch (const kiort::web::HttpError&) {
  } catch (const nlohmann::json::exception&) {
  } catch (const kiort::Error& e) {
    if (e.kind() == kiort::ErrorKind::kInternal) throw;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body = kiort::fuzz::as_view(data, size);
  expect_4xx([&] { kiort::web::login_form(kiort::web::parse_json_object(body)); });
  expect_4xx([&] {
    const kiort::web::VisitForm form =
        kiort::web::visit_form(kiort::web::parse_json_object(body), false);
    kiort::Repository& repo = registry();
    // As the server writes a form: one transaction, then (unlike the server) undone again so the
    // registry stays small.
    std::int64_t visit = 0;
    std::vector<std::pair<std::string, std::int64_t>> written;
    repo.transaction([&] {
      visit = repo.insert("visits", form.visit, "fuzz");
      for (kiort::Row a : form.analgesics) {
        a["visit_id"] = std::to_string(visit);
        written.emplace_back("analgesics", repo.insert("analgesics", a, "fuzz"));
      }
      for (kiort::Row c : form.complications) {
        c["procedure_id"] =
            form.visit.count("procedure_id") ? form.visit.at("procedure_id") : std::nullopt;
        written.emplace_back("complications", repo.insert("complications", c, "fuzz"));
      }
    });
    repo.transaction([&] {
      for (auto it = written.rbegin(); it != written.rend(); ++it)
        repo.remove(it->first, it->second, "fuzz");
      repo.remove("visits", visit, "fuzz");
    });
  });
  return 0;
}
