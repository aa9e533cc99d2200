// Where kiort finds its runtime data (materials, CT calibrations, source models, references).
#pragma once

#include <filesystem>

namespace kiort {

// $KIORT_DATA_DIR if set, else the data/ folder of the source tree kiort was built from.
std::filesystem::path data_dir();

}  // namespace kiort
