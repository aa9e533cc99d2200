// Scientific plots for kiort's reports: Kaplan-Meier and DVH curves (step series), depth-dose
// curves (lines, points with error bars), linear or log axes with nice ticks, a legend and an
// optional "numbers at risk" table under the x axis. A Plot is plain data; draw() renders it onto
// any cairo context (a PDF page, a PNG), so the same figure looks the same in every output.
// Never reads the registry or plans: callers hand in numbers.
#pragma once

#include <cairo.h>

#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace kiort {

struct Rgb {
  double r = 0, g = 0, b = 0;  // 0..1
};

// The palette series take in turn when they carry no colour (colour-blind safe, Okabe & Ito).
Rgb palette_color(std::size_t index);

enum class SeriesKind {
  kLine,    // straight segments between points (depth dose)
  kStep,    // right-continuous steps: y holds from x[i] until x[i+1] (KM, cumulative DVH)
  kPoints,  // markers, with error bars where y_err_low/high are given (measurements)
};

struct Series {
  std::string name{};  // legend entry; empty = not in the legend
  SeriesKind kind = SeriesKind::kLine;
  std::vector<double> x{}, y{};
  // Error bars (kPoints, also drawn for kLine): y - y_err_low .. y + y_err_high; empty = none.
  std::vector<double> y_err_low{}, y_err_high{};
  // Censoring marks: a vertical tick on the curve at each of these x (KM convention).
  std::vector<double> censor_x{};
  std::optional<Rgb> color{};
  bool dashed = false;
  bool markers = false;  // also mark each point of a kLine series
  double line_width_pt = 1.5;
};

struct Axis {
  std::string label;                   // with its unit, e.g. "Depth in water (mm)"
  bool log = false;                    // log10 scale: every plotted value on this axis must be > 0
  std::optional<double> min{}, max{};  // fixed range; otherwise from the data with nice ticks
};

// "Numbers at risk" under the x axis: one row per curve, counts at the given x.
struct RiskTable {
  std::vector<double> x{};
  struct Row {
    std::string name{};
    std::vector<int> n{};  // one per x
    std::optional<Rgb> color{};
  };
  std::vector<Row> rows{};
};

struct Plot {
  std::string title{};
  Axis x{}, y{};
  std::vector<Series> series{};
  bool legend = true;
  std::optional<RiskTable> risk_table{};
  std::optional<double> x_tick_step{};  // forces the x tick spacing (e.g. 3 months for KM)
  // Categorical x axis: ticks at these positions with these labels (visits, levels) instead of
  // numbers; the axis range still comes from x.min/x.max or the data.
  std::vector<std::pair<double, std::string>> x_tick_labels{};
};

// Tick positions for a linear axis covering [lo, hi]: steps of 1, 2 or 5 x 10^k, about target
// ticks; the range is widened outward to whole steps (lo and hi are updated).
std::vector<double> nice_ticks(double& lo, double& hi, int target = 6);
// Decade ticks (and 2, 5 within decades when the range spans few decades) for a log axis;
// lo and hi (> 0) are widened to the ticks at both ends.
std::vector<double> log_ticks(double& lo, double& hi);
// A tick label without trailing zeros: 0.5, 10, 1e-05 -> "1e-05".
std::string tick_label(double v);

// Draws the plot into the rectangle (x, y, width, height) in the context's user units (points
// on a PDF page, pixels on a PNG). Leaves the context's state as it found it. Throws
// kiort::Error (bad input) for a series whose x and y differ in length or a non-positive value
// on a log axis.
void draw_plot(cairo_t* cr, const Plot& plot, double x, double y, double width, double height);

// Renders the plot on a white background as a PNG of width_px x height_px, written atomically.
void write_png(const Plot& plot, const std::filesystem::path& path, int width_px, int height_px);

}  // namespace kiort
