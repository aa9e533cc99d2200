// NRRD volumes (the format 3D Slicer, ITK and plastimatch read): write a float volume on a Grid3
// with its full LPS geometry, atomically. Reading comes with the patient model.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "core/grid3.h"

namespace kiort {

// Writes raw little-endian float32 data, i fastest, "space: left-posterior-superior".
// warnings: what every output of the volume must say (e.g. a structure set read on another Frame
// of Reference), one "# WARNING: ..." comment line each in the header (line breaks replaced), so
// a reader that opens the file in a text editor or with any NRRD tool sees them.
void write_nrrd(const std::filesystem::path& path, const Grid3& grid,
                const std::vector<double>& values, const std::string& description,
                const std::string& units, const std::vector<std::string>& warnings = {});

}  // namespace kiort
