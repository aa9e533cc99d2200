// Registry CSV import (RFC 4180 quoting, types, ranges, foreign keys, all-or-nothing) into a fresh
// in-memory SQLite registry. The input holds several files: segments "<table>.csv\n<content>"
// separated by NUL bytes (run_fuzz.sh makes the seeds so from data/demo-cohort). A segment named
// redcap.csv is also imported as a REDCap flat file (seed: seeds/registry_redcap, kiort's export
// of the demo cohort).
#include <filesystem>

#include "fuzz_util.h"
#include "registry/repository.h"
#include "registry/transfer.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace fs = std::filesystem;
  const fs::path dir = kiort::fuzz::scratch_dir() / "csv";
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::string_view in = kiort::fuzz::as_view(data, size);
  int files = 0;
  while (!in.empty() && files < 16) {
    const auto end = in.find('\0');
    const std::string_view seg = in.substr(0, end);
    in = end == std::string_view::npos ? std::string_view() : in.substr(end + 1);
    const auto nl = seg.find('\n');
    if (nl == std::string_view::npos) continue;
    const std::string name(seg.substr(0, nl));
    // Plain table file names only: the fuzzer must not write outside its folder.
    if (name.size() < 5 || name.size() > 40 ||
        name.find_first_not_of("abcdefghijklmnopqrstuvwxyz_.") != std::string::npos)
      continue;
    std::ofstream(dir / name, std::ios::binary) << seg.substr(nl + 1);
    ++files;
  }
  kiort::fuzz::expect_clean([&] {
    auto repo = kiort::open_repository(":memory:", kiort::OpenMode::kCreate);
    kiort::import_csv(*repo, dir, "fuzz");
  });
  if (fs::exists(dir / "redcap.csv"))
    kiort::fuzz::expect_clean([&] {
      auto repo = kiort::open_repository(":memory:", kiort::OpenMode::kCreate);
      kiort::import_redcap(*repo, dir / "redcap.csv", "fuzz");
    });
  return 0;
}
