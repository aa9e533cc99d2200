// Helpers for the report tests: a scratch folder per test, and pixel counts of rendered images.
#pragma once

#include <cairo.h>

#include <filesystem>
#include <string>

namespace kiort::test {

// A fresh, empty folder under the system temp folder, unique to this process and name.
std::filesystem::path scratch_dir(const std::string& name);
// Fraction of pixels that are not (nearly) white.
double non_white_fraction(cairo_surface_t* image);
// Pixels whose channels differ clearly (colour, not grey or black).
long coloured_pixels(cairo_surface_t* image);

}  // namespace kiort::test
