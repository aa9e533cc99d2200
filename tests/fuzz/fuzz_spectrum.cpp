// Photon spectrum files (keV, relative fluence per line).
#include "fuzz_util.h"
#include "source/photon_source.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto file = kiort::fuzz::write_input("spectrum.txt", kiort::fuzz::as_view(data, size));
  kiort::fuzz::expect_clean([&] { kiort::Spectrum::load(file); });
  return 0;
}
