// Plots: nice ticks, and a PNG that has the asked size and is not blank.
#include <gtest/gtest.h>

#include <cairo.h>

#include <filesystem>
#include <memory>

#include "core/error.h"
#include "report/plot.h"
#include "report_test_util.h"

namespace kiort {
namespace {

TEST(NiceTicks, StepsOfOneTwoOrFiveTimesAPowerOfTen) {
  double lo = 0.3, hi = 9.2;
  const auto t = nice_ticks(lo, hi);
  EXPECT_DOUBLE_EQ(lo, 0);
  EXPECT_DOUBLE_EQ(hi, 10);
  ASSERT_EQ(t.size(), 6u);  // 0 2 4 6 8 10
  EXPECT_DOUBLE_EQ(t[1], 2);
  lo = -0.013;
  hi = 0.021;
  const auto u = nice_ticks(lo, hi, 5);
  EXPECT_NEAR(u[1] - u[0], 0.01, 1e-12);
  EXPECT_LE(lo, -0.013);
  EXPECT_GE(hi, 0.021);
  for (const double x : u) EXPECT_NE(tick_label(x), "-0");
}

TEST(LogTicks, DecadesWidenedToWholePowers) {
  double lo = 0.3, hi = 40;
  const auto t = log_ticks(lo, hi);
  EXPECT_DOUBLE_EQ(lo, 0.1);
  EXPECT_DOUBLE_EQ(hi, 100);
  EXPECT_EQ(t.front(), 0.1);
  EXPECT_EQ(t.back(), 100);
  EXPECT_EQ(tick_label(0.5), "0.5");
  EXPECT_EQ(tick_label(1e-5), "1e-05");
}

Plot sample_plot() {
  Plot p;
  p.title = "Depth dose & <markup> characters";
  p.x.label = "Depth in water (mm)";
  p.y.label = "Dose rate (Gy/min)";
  p.y.log = true;
  Series line{.name = "model",
              .kind = SeriesKind::kLine,
              .x = {1, 2, 5, 10, 20},
              .y = {30, 9, 1.5, 0.35, 0.06}};
  Series pts{.name = "measured",
             .kind = SeriesKind::kPoints,
             .x = {2, 5, 10},
             .y = {8.5, 1.6, 0.33},
             .y_err_low = {0.4, 0.1, 0.02},
             .y_err_high = {0.4, 0.1, 0.02}};
  Series step{.name = "KM",
              .kind = SeriesKind::kStep,
              .x = {0, 3, 7},
              .y = {20, 10, 5},
              .censor_x = {4, 8}};
  p.series = {line, pts, step};
  p.risk_table = RiskTable{.x = {0, 5, 10, 15, 20}, .rows = {{"All", {9, 7, 5, 2, 1}, {}}}};
  return p;
}

TEST(Plot, PngHasTheAskedSizeAndIsNotBlank) {
  const auto dir = test::scratch_dir("plot");
  const auto png = dir / "plot.png";
  write_png(sample_plot(), png, 640, 480);
  ASSERT_TRUE(std::filesystem::exists(png));
  std::unique_ptr<cairo_surface_t, decltype(&cairo_surface_destroy)> img(
      cairo_image_surface_create_from_png(png.c_str()), cairo_surface_destroy);
  ASSERT_EQ(cairo_surface_status(img.get()), CAIRO_STATUS_SUCCESS);
  EXPECT_EQ(cairo_image_surface_get_width(img.get()), 640);
  EXPECT_EQ(cairo_image_surface_get_height(img.get()), 480);
  const double non_white = test::non_white_fraction(img.get());
  // Frame, grid, curves, labels: a few percent of the pixels; a blank image has none.
  EXPECT_GT(non_white, 0.01);
  EXPECT_LT(non_white, 0.5);
  // Coloured pixels: the curves were drawn, not only black text and frame.
  EXPECT_GT(test::coloured_pixels(img.get()), 200);
  // Only the PNG is left in the folder (the temporary file was renamed).
  std::size_t files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) files += e.is_regular_file();
  EXPECT_EQ(files, 1u);
}

TEST(Plot, BadSeriesAreRefusedWithoutWritingAFile) {
  const auto dir = test::scratch_dir("plot_bad");
  Plot p = sample_plot();
  p.series[0].y.pop_back();
  EXPECT_THROW(write_png(p, dir / "bad.png", 300, 200), Error);
  Plot q = sample_plot();
  q.series[0].y[0] = 0;  // not on a log axis
  EXPECT_THROW(write_png(q, dir / "bad.png", 300, 200), Error);
  EXPECT_THROW(write_png(sample_plot(), dir / "bad.png", 10, 10), Error);
  EXPECT_FALSE(std::filesystem::exists(dir / "bad.png"));
}

}  // namespace
}  // namespace kiort
