// One DICOM CT slice through the series reader (header checks, pixel data, rescale).
#include "dicom/ct_reader.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto file = kiort::fuzz::write_input("slice.dcm", kiort::fuzz::as_view(data, size));
  kiort::fuzz::expect_clean([&] { kiort::dicom::read_ct_series(file); });
  return 0;
}
