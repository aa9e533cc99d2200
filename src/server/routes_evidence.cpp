// The evidence base in the browser: the references (list, search), a reference with its findings
// and the statements citing it grouped as `kiort evidence show` groups them (evidence/show.h),
// the stance model's suggestion for a new statement (evidence/stance.h), the classification of a
// new statement by a person, and the references a plan's rationale names.
//
// The shipped base (data/evidence) stays read-only: statements classified here go to their own
// JSON file beside the users file (kiort.users.db -> kiort.users.evidence.json), each with who
// classified it, when, and what the model had suggested. See docs/evidence.md.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>

#include "core/atomic_file.h"
#include "core/error.h"
#include "evidence/evidence_base.h"
#include "evidence/show.h"
#include "evidence/stance.h"
#include "plan/plan.h"  // utc_now_iso
#include "server/server_impl.h"

namespace kiort {

using web::HttpError;
using web::json;
using web::Request;
using web::Response;
using web::send_json;
using namespace kiort::evidence;

namespace {

bool may_classify(Role r) {
  return r == Role::kPhysician || r == Role::kPhysicist || r == Role::kDataManager;
}

// A required string field of a body, trimmed, of min..max characters.
std::string text_field(const json& body, const char* name, std::size_t min, std::size_t max) {
  if (!body.contains(name) || !body[name].is_string())
    throw HttpError{400, std::string(name) + " is required (a string)", name};
  std::string v = body[name].get<std::string>();
  const auto b = v.find_first_not_of(" \t\r\n");
  v = b == std::string::npos ? "" : v.substr(b, v.find_last_not_of(" \t\r\n") - b + 1);
  if (v.size() < min || v.size() > max)
    throw HttpError{400,
                    std::string(name) + " must have " + std::to_string(min) + " to " +
                        std::to_string(max) + " characters",
                    name};
  return v;
}

json suggestion_json(const StanceSuggestion& s, std::size_t trained_on) {
  json because = json::array();
  for (const auto& [w, r] : s.because) because.push_back({{"word", w}, {"log_ratio", r}});
  return {{"stance", to_string(s.stance)},
          {"probability",
           {{"supports", s.probability[0]},
            {"contrasts", s.probability[1]},
            {"mentions", s.probability[2]}}},
          {"because", because},
          {"trained_on", trained_on}};
}

}  // namespace

// The base, the model trained on it, and the users' statements; loaded on first use so that a
// server without data/evidence still serves everything else.
struct EvidenceState {
  std::mutex mutex;
  std::filesystem::path file;  // the users' statements
  std::optional<EvidenceBase> base;
  std::optional<StanceModel> model;
  std::size_t trained_on = 0;
  json user = json::array();      // the stored statements, as written
  std::vector<Statement> parsed;  // the same as Statements, for show_json

  void load() {  // under mutex
    if (base) return;
    EvidenceBase b = EvidenceBase::load(EvidenceBase::default_dir());
    const auto data = training_set(b);
    model = StanceModel::train(data);
    trained_on = data.size();
    if (std::filesystem::exists(file)) {
      std::ifstream in(file);
      std::stringstream ss;
      ss << in.rdbuf();
      const json j = json::parse(ss.str(), nullptr, false);
      if (j.is_discarded() || !j.is_object() || !j.contains("statements") ||
          !j["statements"].is_array())
        throw Error::bad_input("the users' evidence statements file is not valid")
            .field(file.string())
            .expected("{\"schema_version\": 1, \"statements\": [...]}");
      user = j["statements"];
      for (const json& s : user) parsed.push_back(to_statement(s));
    }
    base = std::move(b);
  }
  static Statement to_statement(const json& s) {
    Statement st;
    st.id = s.value("id", "");
    st.citing = s.value("citing", "");
    st.cited = s.value("cited", "");
    st.stance = stance_from_string(s.value("stance", ""));
    st.section = s.value("section", "");
    st.claim = s.value("claim", "");
    st.citation_seen = s.value("citation_seen", false);
    st.evidence = s.value("evidence", "");
    st.classified_by = s.value("classified_by", "");
    st.classified_from = s.value("classified_from", "");
    st.source = s.value("source", "");
    return st;
  }
  StanceCounts counts(const std::string& id) const {
    StanceCounts c = base->counts_citing(id);
    for (const Statement& s : parsed)
      if (s.cited == id)
        ++(s.stance == Stance::kSupports    ? c.supports
           : s.stance == Stance::kContrasts ? c.contrasts
                                            : c.mentions);
    return c;
  }
};

void WebServer::Impl::evidence_routes() {
  evidence = std::make_shared<EvidenceState>();
  {
    std::filesystem::path p(options.users.empty() ? default_users_file(options.db) : options.users);
    evidence->file = p.replace_extension(".evidence.json");
  }
  const auto state = evidence;

  http.Get("/api/evidence", api([state](const Request&, Response& res, const Session&) {
             std::lock_guard lock(state->mutex);
             state->load();
             const EvidenceBase& b = *state->base;
             json refs = json::array();
             for (const Reference& r : b.references())
               refs.push_back({{"id", r.id()},
                               {"label", short_label(r.csl)},
                               {"year", r.year() ? json(r.year()) : json()},
                               {"type", r.csl.value("type", "")},
                               {"citing", to_json(state->counts(r.id()))},
                               {"findings", b.findings_of(r.id()).size()}});
             send_json(res, {{"base_version", b.version()},
                             {"references", refs},
                             {"n_statements", b.statements().size()},
                             {"n_user_statements", state->parsed.size()}});
           }));

  http.Get("/api/evidence/search", api([state](const Request& req, Response& res, const Session&) {
             const std::string q = req.has_param("q") ? req.get_param_value("q") : "";
             if (q.find_first_not_of(" \t") == std::string::npos || q.size() > 200)
               throw HttpError{400, "q: 1 to 200 characters to search for", "q"};
             std::lock_guard lock(state->mutex);
             state->load();
             json hits = json::array();
             for (const SearchHit& h : state->base->search(q))
               hits.push_back({{"kind", h.kind},
                               {"id", h.id},
                               {"reference", h.reference},
                               {"label", short_label(state->base->at(h.reference).csl)},
                               {"text", h.text},
                               {"score", h.score}});
             send_json(res, {{"query", q}, {"hits", hits}});
           }));

  http.Get(R"(/api/evidence/references/([A-Za-z0-9_]{1,64}))",
           api([state](const Request& req, Response& res, const Session&) {
             const std::string id = req.matches[1];
             std::lock_guard lock(state->mutex);
             state->load();
             if (!state->base->find(id)) throw HttpError{404, "no such reference: " + id, {}};
             send_json(res, show_json(*state->base, id, state->parsed));
           }));

  // The references and findings a plan's rationale names (plan.json / summary.json "rationale"),
  // each with its short citation and the stances of the statements citing it; an id the base
  // does not hold is answered as unknown, so the plan page can say so.
  http.Get("/api/evidence/rationale",
           api([state](const Request& req, Response& res, const Session&) {
             const auto ids = [&](const char* name) {
               std::vector<std::string> out;
               if (!req.has_param(name)) return out;
               std::stringstream ss(req.get_param_value(name));
               for (std::string id; std::getline(ss, id, ',');)
                 if (!id.empty()) out.push_back(id);
               if (out.size() > 100) throw HttpError{400, "at most 100 ids", name};
               return out;
             };
             const auto refs = ids("references");
             const auto finds = ids("findings");
             std::lock_guard lock(state->mutex);
             state->load();
             const EvidenceBase& b = *state->base;
             json r = json::array(), f = json::array();
             for (const std::string& id : refs) {
               const Reference* ref = b.find(id);
               if (!ref) {
                 r.push_back({{"id", id}, {"known", false}});
                 continue;
               }
               r.push_back({{"id", id},
                            {"known", true},
                            {"label", short_label(ref->csl)},
                            {"citing", to_json(state->counts(id))}});
             }
             for (const std::string& id : finds) {
               const auto it = std::find_if(b.findings().begin(), b.findings().end(),
                                            [&](const Finding& x) { return x.id == id; });
               if (it == b.findings().end())
                 f.push_back({{"id", id}, {"known", false}});
               else
                 f.push_back({{"id", id},
                              {"known", true},
                              {"text", finding_text(it->data)},
                              {"finding", it->data}});
             }
             send_json(res, {{"base_version", b.version()}, {"references", r}, {"findings", f}});
           }));

  // The model's suggestion only; it changes nothing, so every role may ask.
  http.Get("/api/evidence/suggest", api([state](const Request& req, Response& res, const Session&) {
             json body = json::object();
             for (const char* k : {"claim", "section"})
               if (req.has_param(k)) body[k] = req.get_param_value(k);
             const std::string claim = text_field(body, "claim", 1, 2000);
             const std::string section = text_field(body, "section", 1, 100);
             std::lock_guard lock(state->mutex);
             state->load();
             send_json(res, suggestion_json(state->model->suggest(stance_text(claim, section)),
                                            state->trained_on));
           }));

  http.Get(
      "/api/evidence/statements", api([state](const Request&, Response& res, const Session&) {
        std::lock_guard lock(state->mutex);
        state->load();
        send_json(res, {{"file", state->file.filename().string()}, {"statements", state->user}});
      }));

  // A person classifies a new statement: the model's suggestion is stored beside the choice.
  http.Post(
      "/api/evidence/statements",
      api(
          [state](const Request& req, Response& res, const Session& s) {
            const json body = web::parse_body(req);
            const std::string citing = text_field(body, "citing", 1, 64);
            const std::string cited = text_field(body, "cited", 1, 64);
            const std::string claim = text_field(body, "claim", 10, 2000);
            const std::string section = text_field(body, "section", 1, 100);
            const std::string stance_text_in = text_field(body, "stance", 1, 20);
            Stance stance;
            try {
              stance = stance_from_string(stance_text_in);
            } catch (const Error&) {
              throw HttpError{400, "stance must be supports, contrasts or mentions", "stance"};
            }
            std::lock_guard lock(state->mutex);
            state->load();
            const EvidenceBase& b = *state->base;
            const Reference* from = b.find(citing);
            const Reference* to = b.find(cited);
            if (!from) throw HttpError{400, "no such reference in the base: " + citing, "citing"};
            if (!to) throw HttpError{400, "no such reference in the base: " + cited, "cited"};
            if (citing == cited) throw HttpError{400, "a reference does not cite itself", "cited"};
            if (from->year() && to->year() && from->year() < to->year())
              throw HttpError{400,
                              "the citing paper (" + std::to_string(from->year()) +
                                  ") is older than the cited one (" + std::to_string(to->year()) +
                                  ")",
                              "citing"};
            const StanceSuggestion sug = state->model->suggest(stance_text(claim, section));
            const std::string at = utc_now_iso();
            const std::string who = s.user.name + " (" + to_string(s.user.role) + ")";
            char id[16];
            std::snprintf(id, sizeof id, "u%03zu", state->user.size() + 1);
            json entry = {{"id", id},
                          {"citing", citing},
                          {"cited", cited},
                          {"stance", to_string(stance)},
                          {"section", section},
                          {"claim", claim},
                          {"citation_seen", false},
                          {"evidence", "classified in kiort serve from the user's own words"},
                          {"classified_by", who + ", " + at},
                          {"classified_from", "kiort serve"},
                          {"source", "entered by " + s.user.name},
                          {"classified_at", at},
                          {"suggestion", suggestion_json(sug, state->trained_on)},
                          {"agrees_with_suggestion", sug.stance == stance}};
            json next = state->user;
            next.push_back(entry);
            write_file_atomic(state->file,
                              json{{"schema_version", 1},
                                   {"note",
                                    "statements classified by kiort serve's users; the curated "
                                    "base in data/evidence is not changed"},
                                   {"statements", next}}
                                      .dump(1) +
                                  "\n");
            state->user = std::move(next);
            state->parsed.push_back(EvidenceState::to_statement(entry));
            send_json(res, entry, 201);
          },
          may_classify));
}

}  // namespace kiort
