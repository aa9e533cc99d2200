// Plans: the list, a plan's details, its slices as PNG and the physicist's approval (which also
// gives the registry's levels that name the plan its checksum, through the audited path).
#include <spdlog/spdlog.h>

#include <charconv>
#include <cmath>

#include "core/error.h"
#include "server/server_impl.h"

namespace kiort {

using web::HttpError;
using web::json;
using web::Request;
using web::Response;
using web::send_error;
using web::send_json;

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
  http.Post(
      R"(/api/plans/([A-Za-z0-9._-]+)/approve)",
      api(
          [this](const Request& req, Response& res, const Session& s) {
            const std::string id = req.matches[1];
            if (!plans.has(id)) throw HttpError{404, "no such plan", {}};
            json a = plans.approve_plan(id, s.user.name);
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
