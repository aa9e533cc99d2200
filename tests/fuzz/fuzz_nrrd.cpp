// NRRD volumes (.nrrd, attached data; raw or gzip): every header field and the data length.
#include "fuzz_util.h"
#include "patient/volume_io.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto file = kiort::fuzz::write_input("in.nrrd", kiort::fuzz::as_view(data, size));
  kiort::fuzz::expect_clean([&] { kiort::read_volume_data(file); });
  return 0;
}
