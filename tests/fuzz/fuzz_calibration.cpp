// Depth-dose calibration tables (CSV with a '# key: value' header).
#include "fuzz_util.h"
#include "source/calibration.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto file = kiort::fuzz::write_input("calibration.csv", kiort::fuzz::as_view(data, size));
  kiort::fuzz::expect_clean([&] { kiort::load_calibration(file); });
  return 0;
}
