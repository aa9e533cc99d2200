#include "report_test_util.h"

#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>

namespace kiort::test {

std::filesystem::path scratch_dir(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("kiort_report_test_" + std::to_string(getpid())) / name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  // Removed at exit, whatever the tests left there.
  static const bool registered = [] {
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(std::filesystem::temp_directory_path() /
                                      ("kiort_report_test_" + std::to_string(getpid())),
                                  ec);
    });
    return true;
  }();
  (void)registered;
  return dir;
}

namespace {
template <typename F>
void for_each_pixel(cairo_surface_t* image, F f) {
  cairo_surface_flush(image);
  const int w = cairo_image_surface_get_width(image), h = cairo_image_surface_get_height(image);
  const int stride = cairo_image_surface_get_stride(image);
  const unsigned char* data = cairo_image_surface_get_data(image);
  for (int y = 0; y < h; ++y) {
    const auto* row = reinterpret_cast<const std::uint32_t*>(data + y * stride);
    for (int x = 0; x < w; ++x) {
      const std::uint32_t p = row[x];
      f(static_cast<int>((p >> 16) & 0xff), static_cast<int>((p >> 8) & 0xff),
        static_cast<int>(p & 0xff));
    }
  }
}
}  // namespace

double non_white_fraction(cairo_surface_t* image) {
  long n = 0, all = 0;
  for_each_pixel(image, [&](int r, int g, int b) {
    ++all;
    n += (r < 240 || g < 240 || b < 240) ? 1 : 0;
  });
  return all ? static_cast<double>(n) / static_cast<double>(all) : 0;
}

long coloured_pixels(cairo_surface_t* image) {
  long n = 0;
  for_each_pixel(image, [&](int r, int g, int b) {
    n += (std::max({r, g, b}) - std::min({r, g, b}) > 60) ? 1 : 0;
  });
  return n;
}

}  // namespace kiort::test
