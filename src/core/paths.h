// Where kiort finds its runtime data (materials, CT calibrations, source models, references) and
// its built web front end, from a build-tree binary or an installed one (`cmake --install`).
#pragma once

#include <filesystem>
#include <optional>

namespace kiort {

// <prefix>/share/kiort when this binary runs as <prefix>/bin/kiort of an installed tree (the
// folder exists), else nullopt (a binary in the build tree).
std::optional<std::filesystem::path> installed_share_dir();

// $KIORT_DATA_DIR if set, else <prefix>/share/kiort/data of an installed binary, else the data/
// folder of the source tree kiort was built from.
std::filesystem::path data_dir();

// Where derived, recomputable data is cached (e.g. water-engine tables): $KIORT_CACHE_DIR, else
// $XDG_CACHE_HOME/kiort, else ~/.cache/kiort, else a folder in the system's temporary directory.
std::filesystem::path cache_dir();

}  // namespace kiort
