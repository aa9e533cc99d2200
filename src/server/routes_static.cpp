// The answer for an unknown API route and the built front end as static files. Installed last:
// cpp-httplib tries routes in the order they were added.
#include <spdlog/spdlog.h>

#include <filesystem>

#include "server/server_impl.h"

namespace kiort {

using namespace web;  // the route helpers (http_util.h)

void WebServer::Impl::static_routes() {
  // Anything else under /api/ is unknown: 404 in JSON, after the session gate above.
  http.Get(R"(/api/.*)", api([](const Request&, Response&, const Session&) {
             throw HttpError{404, "no such API route", {}};
           }));

  const std::string web = options.web.empty() ? default_web_dir() : options.web;
  if (!web.empty() && std::filesystem::exists(std::filesystem::path(web) / "index.html")) {
    http.set_mount_point("/", web);
  } else {
    spdlog::warn(
        "no built front end in '{}': only the API is served (the build makes it when node and "
        "npm are installed: scripts/install-deps, then cmake --build; or pass --web)",
        web);
    http.Get("/", [](const Request&, Response& res) {
      res.set_content(
          "kiort serve: the front end is not built (install node and npm with "
          "scripts/install-deps and build again, or pass --web); the API is under /api/\n",
          "text/plain");
    });
  }
}

}  // namespace kiort
