// Plans: the list, a plan's details, its slices as PNG, the readout at a pixel, its documents
// (report.pdf and the DICOM set, read-only, once approved) and the physicist's approval (the
// password again and a comment; it also gives the registry's levels that name the plan its
// checksum, through the audited path).
#include <spdlog/spdlog.h>

#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>

#include "core/error.h"
#include "server/server_impl.h"

namespace kiort {

using namespace web;  // the route helpers (http_util.h)

void WebServer::Impl::plan_routes() {
  http.Get("/api/plans", api([this](const Request&, Response& res, const Session&) {
             send_json(res, plans.list());
           }));
  http.Get(R"(/api/plans/([A-Za-z0-9._-]+))",
           api([this](const Request& req, Response& res, const Session&) {
             const std::string id = req.matches[1];
             if (!plans.has(id)) throw HttpError{404, "no such plan", {}};
             send_json(res, plans.details(id));
           }));
  http.Get(R"(/api/plans/([A-Za-z0-9._-]+)/slice)",
           api([this](const Request& req, Response& res, const Session&) {
             const std::string id = req.matches[1];
             if (!plans.has(id)) throw HttpError{404, "no such plan", {}};
             const SliceAxis axis =
                 parse_slice_axis(req.has_param("axis") ? req.get_param_value("axis") : "axial");
             auto number = [&](const std::string& text, const char* field) {
               double v = 0;
               const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
               if (ec != std::errc() || p != text.data() + text.size() || !std::isfinite(v))
                 throw HttpError{400, "not a number: '" + text + "'", field};
               return v;
             };
             const auto img = plans.image(id);
             const double index = req.has_param("index")
                                      ? number(req.get_param_value("index"), "index")
                                      : slice_count(*img, axis) / 2;
             if (index != std::floor(index) || std::abs(index) > 1e6)
               throw HttpError{400, "the slice index must be an integer", "index"};
             double window = 400, level = 40;
             if (req.has_param("wl")) {
               const std::string wl = req.get_param_value("wl");
               const auto comma = wl.find(',');
               if (comma == std::string::npos)
                 throw HttpError{400, "expected wl=WINDOW,LEVEL", "wl"};
               window = number(wl.substr(0, comma), "wl");
               level = number(wl.substr(comma + 1), "wl");
             }
             res.set_content(render_slice_png(*img, axis, static_cast<int>(index), window, level),
                             "image/png");
           }));
  http.Get(R"(/api/plans/([A-Za-z0-9._-]+)/point)",
           api([this](const Request& req, Response& res, const Session&) {
             const std::string id = req.matches[1];
             if (!plans.has(id)) throw HttpError{404, "no such plan", {}};
             const SliceAxis axis =
                 parse_slice_axis(req.has_param("axis") ? req.get_param_value("axis") : "axial");
             auto integer = [&](const char* field) {
               if (!req.has_param(field))
                 throw HttpError{400, std::string("missing ") + field, field};
               const std::string text = req.get_param_value(field);
               int v = 0;
               const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
               if (ec != std::errc() || p != text.data() + text.size())
                 throw HttpError{400, "not an integer: '" + text + "'", field};
               return v;
             };
             const int index = integer("index"), u = integer("u"), v = integer("v");
             const auto img = plans.image(id);
             send_json(res, point_readout(*img, view_voxel(*img, axis, index, u, v)));
           }));
  // The documents only by a name the plan folder lists (PlanCatalog::document), and only of an
  // approved plan: a draft's DICOM set must not reach a treatment system.
  http.Get(R"(/api/plans/([A-Za-z0-9._-]+)/documents/((?:dicom/|dicom/ct/|ct/)?[A-Za-z0-9._-]+))",
           api([this](const Request& req, Response& res, const Session&) {
             const std::string id = req.matches[1], name = req.matches[2];
             if (!plans.has(id)) throw HttpError{404, "no such plan", {}};
             std::filesystem::path path;
             try {
               path = plans.document(id, name);
             } catch (const Error&) {
               throw HttpError{404, "no such document of the plan", "document"};
             }
             if (!plans.approved(id))
               throw HttpError{
                   409, "approve the plan first: its documents are served once approved", {}};
             // Only the approved plan's documents: not a draft's banner and UIDs under the
             // approved plan's name.
             if (const std::string stale = plans.document_stale(id, name); !stale.empty())
               throw HttpError{409, "this document is not the approved plan's: " + stale, {}};
             std::ifstream in(path, std::ios::binary);
             if (!in) throw HttpError{404, "no such document of the plan", "document"};
             std::ostringstream body;
             body << in.rdbuf();
             const bool pdf = path.extension() == ".pdf";
             res.set_header("Content-Disposition", std::string(pdf ? "inline" : "attachment") +
                                                       "; filename=\"" + path.filename().string() +
                                                       "\"");
             res.set_content(body.str(), pdf ? "application/pdf" : "application/dicom");
           }));
  http.Post(
      R"(/api/plans/([A-Za-z0-9._-]+)/approve)",
      api(
          [this](const Request& req, Response& res, const Session& s) {
            const std::string id = req.matches[1];
            if (!plans.has(id)) throw HttpError{404, "no such plan", {}};
            const json body = web::parse_body(req);
            if (!body.contains("password") || !body["password"].is_string() ||
                body["password"].get<std::string>().empty())
              throw HttpError{400, "enter your password to approve", "password"};
            std::string comment;
            if (body.contains("comment") && !body["comment"].is_null()) {
              if (!body["comment"].is_string())
                throw HttpError{400, "the comment must be text", "comment"};
              comment = body["comment"].get<std::string>();
              if (comment.size() > 2000)
                throw HttpError{400, "the comment is longer than 2000 characters", "comment"};
            }
            // The password again, as at login (rate limited there too): an approval is a
            // signature, so an unattended logged-in screen must not be enough.
            if (const long wait = login_limiter.retry_after_s(s.user.name, client_address(req));
                wait > 0) {
              res.set_header("Retry-After", std::to_string(wait));
              throw HttpError{
                  429, "too many wrong passwords; try again in " + std::to_string(wait) + " s",
                  "password"};
            }
            std::optional<User> again;
            {
              std::lock_guard lock(login_mutex);
              again = users.authenticate(s.user.name, body["password"].get<std::string>());
            }
            if (!again) {
              login_limiter.failed(s.user.name, client_address(req));
              spdlog::warn("approval of plan {} refused for {}: wrong password", id,
                           log_escape(s.user.name));
              throw HttpError{403, "wrong password: the plan is not approved", "password"};
            }
            login_limiter.succeeded(s.user.name);
            json a = plans.approve_plan(id, s.user.name, comment);
            spdlog::info("plan {} approved by {}", id, s.user.name);
            // The registry's levels that name this plan get its checksum, through the
            // audited path, so the approval is also in the registry's trail.
            json levels = json::array();
            {
              std::lock_guard lock(registry_mutex);
              for (const Row& l : repo->list("levels"))
                if (l.at("plan_id") == a["plan_id"].get<std::string>() && !l.at("plan_checksum")) {
                  const std::int64_t level_id = std::stoll(*l.at("id"));
                  repo->update("levels", level_id,
                               {{"plan_checksum", a["checksum"].get<std::string>()}}, s.user.name);
                  levels.push_back(level_id);
                }
            }
            a["registry_levels"] = levels;
            send_json(res, a);
          },
          may_approve_plans));
}

}  // namespace kiort
