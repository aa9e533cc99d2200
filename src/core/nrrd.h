// NRRD volumes (the format 3D Slicer, ITK and plastimatch read): write a float volume on a Grid3
// with its full LPS geometry, atomically. Reading comes with the patient model.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "core/grid3.h"

namespace kiort {

// Writes raw little-endian float32 data, i fastest, "space: left-posterior-superior".
void write_nrrd(const std::filesystem::path& path, const Grid3& grid,
                const std::vector<double>& values, const std::string& description,
                const std::string& units);

}  // namespace kiort
