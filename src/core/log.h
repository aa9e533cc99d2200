// Logging setup: spdlog to stderr. Default level info; --verbose gives debug; --quiet warnings only.
#pragma once

namespace kiort {

void setup_logging(bool verbose, bool quiet);

}  // namespace kiort
