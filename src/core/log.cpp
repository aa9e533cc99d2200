#include "core/log.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace kiort {

void setup_logging(bool verbose, bool quiet) {
  auto logger = spdlog::stderr_color_mt("kiort");
  logger->set_pattern("%^%l%$: %v");
  spdlog::set_default_logger(logger);
  spdlog::set_level(verbose ? spdlog::level::debug
                            : (quiet ? spdlog::level::warn : spdlog::level::info));
}

}  // namespace kiort
