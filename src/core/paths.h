// Where kiort finds its runtime data (materials, CT calibrations, source models, references).
#pragma once

#include <filesystem>

namespace kiort {

// $KIORT_DATA_DIR if set, else the data/ folder of the source tree kiort was built from.
std::filesystem::path data_dir();

// Where derived, recomputable data is cached (e.g. water-engine tables): $KIORT_CACHE_DIR, else
// $XDG_CACHE_HOME/kiort, else ~/.cache/kiort, else a folder in the system's temporary directory.
std::filesystem::path cache_dir();

}  // namespace kiort
