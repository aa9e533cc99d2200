// NIfTI-1 volumes (.nii): header fields, offsets and sizes against the bytes present.
#include "fuzz_util.h"
#include "patient/volume_io.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto file = kiort::fuzz::write_input("in.nii", kiort::fuzz::as_view(data, size));
  kiort::fuzz::expect_clean([&] { kiort::read_volume_data(file); });
  return 0;
}
