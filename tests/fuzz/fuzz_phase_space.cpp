// IAEA phase space: the input is the header text, a NUL byte, then the binary records (the seeds
// are made so by run_fuzz.sh from tests/fuzz/regressions/phase_space).
#include "fuzz_util.h"
#include "source/phase_space.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in = kiort::fuzz::as_view(data, size);
  const auto nul = in.find('\0');
  const std::string_view header = in.substr(0, nul);
  const std::string_view records = nul == std::string_view::npos ? "" : in.substr(nul + 1);
  kiort::fuzz::write_input("in.IAEAheader", header);
  kiort::fuzz::write_input("in.IAEAphsp", records);
  kiort::fuzz::expect_clean(
      [&] { kiort::read_iaea_phase_space(kiort::fuzz::scratch_dir() / "in.IAEAheader"); });
  return 0;
}
