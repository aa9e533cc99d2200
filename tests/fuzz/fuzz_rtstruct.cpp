// A DICOM RTSTRUCT onto the CT it was drawn on (dicompyler-core's ct.0.dcm and rtss.dcm are the
// seed): ROI sequences, contour data, frame of reference.
#include "dicom/ct_reader.h"
#include "dicom/rtstruct.h"
#include "fuzz_util.h"

namespace {
const kiort::PatientModel& ct() {
  static const kiort::PatientModel model =
      kiort::dicom::read_ct_series(std::filesystem::path(KIORT_REAL_DATA_DIR) /
                                   "dicom-rt/dicompyler-core/ct.0.dcm")
          .model;
  return model;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto file = kiort::fuzz::write_input("rtss.dcm", kiort::fuzz::as_view(data, size));
  kiort::PatientModel model = ct();
  kiort::fuzz::expect_clean([&] { kiort::dicom::read_rtstruct(file, model); });
  return 0;
}
