#include "report/plot.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <memory>
#include <numbers>
#include <string>

#include "core/atomic_file.h"
#include "core/error.h"
#include "report/text.h"

namespace kiort {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

struct Range {
  double lo = kInf, hi = -kInf;
  void add(double v) {
    if (!std::isfinite(v)) return;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  bool empty() const { return lo > hi; }
};

// Maps data to device coordinates along one axis.
struct Scale {
  double lo = 0, hi = 1;  // data range (widened to ticks)
  double a = 0, b = 1;    // device range: a at lo, b at hi
  bool log = false;
  double operator()(double v) const {
    const double f = log ? (std::log10(v) - std::log10(lo)) / (std::log10(hi) - std::log10(lo))
                         : (v - lo) / (hi - lo);
    return a + f * (b - a);
  }
};

void set_color(cairo_t* cr, const Rgb& c) {
  cairo_set_source_rgb(cr, c.r, c.g, c.b);
}

void check_series(const Series& s, const Axis& x, const Axis& y) {
  if (s.x.size() != s.y.size())
    throw Error::bad_input("plot series has x and y of different lengths")
        .field(s.name)
        .seen(std::to_string(s.x.size()) + " x, " + std::to_string(s.y.size()) + " y")
        .expected("as many y as x");
  for (const auto* err : {&s.y_err_low, &s.y_err_high})
    if (!err->empty() && err->size() != s.y.size())
      throw Error::bad_input("plot series has error bars of a different length than y")
          .field(s.name)
          .expected("one error per point, or none");
  for (std::size_t i = 0; i < s.x.size(); ++i) {
    if ((x.log && !(s.x[i] > 0)) || (y.log && !(s.y[i] > 0)))
      throw Error::bad_input("plot value not positive on a log axis")
          .field(s.name)
          .seen(std::to_string(x.log ? s.x[i] : s.y[i]))
          .expected("values > 0");
  }
}

Scale make_scale(const Axis& axis, Range r, std::vector<double>& ticks,
                 std::optional<double> step) {
  if (r.empty()) r = {axis.log ? 1.0 : 0.0, axis.log ? 10.0 : 1.0};
  if (axis.min) r.lo = *axis.min;
  if (axis.max) r.hi = *axis.max;
  if (r.hi <= r.lo) {  // one value: give it room
    const double pad = axis.log ? r.lo * 9 : std::max(std::abs(r.lo), 1.0);
    r.hi = r.lo + pad;
  }
  Scale s;
  s.log = axis.log;
  s.lo = r.lo;
  s.hi = r.hi;
  if (axis.log) {
    ticks = log_ticks(s.lo, s.hi);
  } else if (step && *step > 0) {
    s.lo = std::floor(s.lo / *step) * *step;
    s.hi = std::ceil(s.hi / *step - 1e-9) * *step;
    for (double t = s.lo; t <= s.hi + *step * 1e-9; t += *step) ticks.push_back(t);
  } else {
    ticks = nice_ticks(s.lo, s.hi);
  }
  // A fixed end wins over the tick widening.
  if (axis.min) s.lo = *axis.min;
  if (axis.max) s.hi = *axis.max;
  std::erase_if(ticks, [&](double t) {
    return t < s.lo - 1e-12 * std::abs(s.hi - s.lo) || t > s.hi + 1e-12 * std::abs(s.hi - s.lo);
  });
  return s;
}

// Points of a series as device coordinates, steps expanded.
std::vector<std::pair<double, double>> path_points(const Series& s, const Scale& sx,
                                                   const Scale& sy) {
  std::vector<std::pair<double, double>> p;
  for (std::size_t i = 0; i < s.x.size(); ++i) {
    if (s.kind == SeriesKind::kStep && i > 0) p.emplace_back(sx(s.x[i]), sy(s.y[i - 1]));
    p.emplace_back(sx(s.x[i]), sy(s.y[i]));
  }
  return p;
}

// The step curve's value at x (the last point at or before x).
std::optional<double> step_value(const Series& s, double x) {
  std::optional<double> v;
  for (std::size_t i = 0; i < s.x.size() && s.x[i] <= x; ++i) v = s.y[i];
  return v;
}

}  // namespace

Rgb palette_color(std::size_t index) {
  static const Rgb kPalette[] = {
      {0.000, 0.447, 0.698}, {0.835, 0.369, 0.000}, {0.000, 0.620, 0.451}, {0.800, 0.475, 0.655},
      {0.337, 0.706, 0.914}, {0.902, 0.624, 0.000}, {0.941, 0.894, 0.259}, {0.0, 0.0, 0.0}};
  return kPalette[index % (sizeof kPalette / sizeof kPalette[0])];
}

std::vector<double> nice_ticks(double& lo, double& hi, int target) {
  if (!(hi > lo)) hi = lo + 1;
  const double raw = (hi - lo) / std::max(target - 1, 1);
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = mag;
  for (const double m : {1.0, 2.0, 2.5, 5.0, 10.0})
    if (m * mag >= raw * 0.999) {
      step = m * mag;
      break;
    }
  lo = std::floor(lo / step + 1e-9) * step;
  hi = std::ceil(hi / step - 1e-9) * step;
  std::vector<double> ticks;
  const auto n = static_cast<long>(std::llround((hi - lo) / step));
  for (long i = 0; i <= n; ++i) {
    double t = lo + static_cast<double>(i) * step;
    if (std::abs(t) < step * 1e-9) t = 0;  // no "-0" or 1e-17 labels
    ticks.push_back(t);
  }
  return ticks;
}

std::vector<double> log_ticks(double& lo, double& hi) {
  int d0 = static_cast<int>(std::floor(std::log10(lo) + 1e-9));
  int d1 = static_cast<int>(std::ceil(std::log10(hi) - 1e-9));
  if (d1 <= d0) d1 = d0 + 1;
  lo = std::pow(10.0, d0);
  hi = std::pow(10.0, d1);
  std::vector<double> ticks;
  const bool fine = d1 - d0 <= 2;  // few decades: 1-2-5 so the axis is not bare
  for (int d = d0; d <= d1; ++d) {
    const double base = std::pow(10.0, d);
    ticks.push_back(base);
    if (fine && d < d1)
      for (const double m : {2.0, 5.0}) ticks.push_back(m * base);
  }
  return ticks;
}

std::string tick_label(double v) {
  char buf[32];
  if (v != 0 && (std::abs(v) >= 1e6 || std::abs(v) < 1e-3))
    std::snprintf(buf, sizeof buf, "%.0e", v);
  else
    std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

void draw_plot(cairo_t* cr, const Plot& plot, double x0, double y0, double width, double height) {
  for (const Series& s : plot.series) check_series(s, plot.x, plot.y);
  cairo_save(cr);
  cairo_set_source_rgb(cr, 0, 0, 0);  // whatever the caller painted the background with
  const double fs = std::clamp(std::min(width, height) / 32.0, 6.5, 14.0);  // base font size
  const text::Style tick_style{.size_pt = fs};
  const text::Style label_style{.size_pt = fs * 1.05};
  const text::Style title_style{.size_pt = fs * 1.2, .bold = true};
  const double line_h = text::measure(cr, "0", tick_style).height;

  Range rx, ry;
  for (const Series& s : plot.series) {
    for (std::size_t i = 0; i < s.x.size(); ++i) {
      rx.add(s.x[i]);
      ry.add(s.y[i]);
      if (!s.y_err_low.empty()) ry.add(s.y[i] - s.y_err_low[i]);
      if (!s.y_err_high.empty()) ry.add(s.y[i] + s.y_err_high[i]);
    }
    for (const double c : s.censor_x) rx.add(c);
  }
  if (plot.y.log && !ry.empty() && ry.lo <= 0) ry.lo = ry.hi / 1e3;  // error bars below zero

  std::vector<double> xt, yt;
  Scale sx = make_scale(plot.x, rx, xt, plot.x_tick_step);
  std::vector<std::string> xl;
  if (!plot.x_tick_labels.empty()) {
    xt.clear();
    for (const auto& [pos, label] : plot.x_tick_labels) {
      xt.push_back(pos);
      xl.push_back(label);
    }
  } else {
    for (const double t : xt) xl.push_back(tick_label(t));
  }
  Scale sy = make_scale(plot.y, ry, yt, std::nullopt);

  // Layout: title on top; y label and tick labels left; x tick labels, x label and the risk
  // table below the frame.
  double y_label_w = 0;
  for (const double t : yt)
    y_label_w = std::max(y_label_w, text::measure(cr, tick_label(t), tick_style).width);
  const std::size_t risk_rows = plot.risk_table ? plot.risk_table->rows.size() : 0;
  double risk_name_w = 0;
  if (plot.risk_table)
    for (const auto& r : plot.risk_table->rows)
      risk_name_w = std::max(risk_name_w, text::measure(cr, r.name, tick_style).width);
  const double top =
      y0 + (plot.title.empty() ? line_h * 0.6
                               : text::measure(cr, plot.title, title_style).height + line_h * 0.6);
  const double left =
      x0 + std::max(line_h * 1.6 + y_label_w + line_h * 0.6, risk_name_w + line_h * 0.8);
  const double right = x0 + width - line_h * 1.2;
  const double risk_h = risk_rows ? (static_cast<double>(risk_rows) + 1.3) * line_h * 1.15 : 0;
  const double bottom = y0 + height - (line_h * 2.8 + risk_h);
  if (bottom - top < line_h * 3 || right - left < line_h * 3) {
    cairo_restore(cr);
    throw Error::bad_input("plot rectangle too small for its labels")
        .seen(std::to_string(width) + " x " + std::to_string(height))
        .expected("a larger figure");
  }
  sx.a = left;
  sx.b = right;
  sy.a = bottom;
  sy.b = top;

  if (!plot.title.empty())
    text::draw(cr, plot.title, title_style, (left + right) / 2, y0, text::HAlign::kCenter);

  // Grid and ticks.
  cairo_set_line_width(cr, 0.5);
  for (std::size_t i = 0; i < xt.size(); ++i) {
    const double t = xt[i];
    cairo_set_source_rgb(cr, 0.88, 0.88, 0.88);
    cairo_move_to(cr, sx(t), top);
    cairo_line_to(cr, sx(t), bottom);
    cairo_stroke(cr);
    cairo_set_source_rgb(cr, 0, 0, 0);
    text::draw(cr, xl[i], tick_style, sx(t), bottom + line_h * 0.25, text::HAlign::kCenter);
  }
  for (const double t : yt) {
    cairo_set_source_rgb(cr, 0.88, 0.88, 0.88);
    cairo_move_to(cr, left, sy(t));
    cairo_line_to(cr, right, sy(t));
    cairo_stroke(cr);
    cairo_set_source_rgb(cr, 0, 0, 0);
    text::draw(cr, tick_label(t), tick_style, left - line_h * 0.35, sy(t) - line_h / 2,
               text::HAlign::kRight);
  }
  cairo_set_source_rgb(cr, 0, 0, 0);
  cairo_set_line_width(cr, 0.8);
  cairo_rectangle(cr, left, top, right - left, bottom - top);
  cairo_stroke(cr);
  text::draw(cr, plot.x.label, label_style, (left + right) / 2, bottom + line_h * 1.35,
             text::HAlign::kCenter);
  text::draw_vertical(cr, plot.y.label, label_style, x0 + line_h * 0.7, (top + bottom) / 2);

  // Series, clipped to the frame.
  cairo_save(cr);
  cairo_rectangle(cr, left, top, right - left, bottom - top);
  cairo_clip(cr);
  for (std::size_t k = 0; k < plot.series.size(); ++k) {
    const Series& s = plot.series[k];
    set_color(cr, s.color.value_or(palette_color(k)));
    cairo_set_line_width(cr, s.line_width_pt);
    if (s.dashed) {
      const double dash[] = {4.0, 3.0};
      cairo_set_dash(cr, dash, 2, 0);
    } else {
      cairo_set_dash(cr, nullptr, 0, 0);
    }
    if (s.kind != SeriesKind::kPoints) {
      const auto pts = path_points(s, sx, sy);
      for (std::size_t i = 0; i < pts.size(); ++i)
        (i ? cairo_line_to : cairo_move_to)(cr, pts[i].first, pts[i].second);
      cairo_stroke(cr);
    }
    cairo_set_dash(cr, nullptr, 0, 0);
    const double mark = line_h * 0.3;
    if (s.kind == SeriesKind::kPoints || s.markers)
      for (std::size_t i = 0; i < s.x.size(); ++i) {
        cairo_arc(cr, sx(s.x[i]), sy(s.y[i]), mark, 0, 2 * std::numbers::pi);
        cairo_fill(cr);
      }
    if (!s.y_err_low.empty() || !s.y_err_high.empty()) {
      cairo_set_line_width(cr, 0.8);
      for (std::size_t i = 0; i < s.x.size(); ++i) {
        const double lo = s.y[i] - (s.y_err_low.empty() ? 0 : s.y_err_low[i]);
        const double hi = s.y[i] + (s.y_err_high.empty() ? 0 : s.y_err_high[i]);
        const double px = sx(s.x[i]);
        const double plo = sy(plot.y.log ? std::max(lo, sy.lo) : lo), phi = sy(hi);
        cairo_move_to(cr, px, plo);
        cairo_line_to(cr, px, phi);
        cairo_move_to(cr, px - mark, plo);
        cairo_line_to(cr, px + mark, plo);
        cairo_move_to(cr, px - mark, phi);
        cairo_line_to(cr, px + mark, phi);
      }
      cairo_stroke(cr);
    }
    if (!s.censor_x.empty()) {
      cairo_set_line_width(cr, 1.0);
      for (const double c : s.censor_x) {
        const auto v = s.kind == SeriesKind::kStep ? step_value(s, c) : std::nullopt;
        if (!v) continue;
        cairo_move_to(cr, sx(c), sy(*v) - mark * 1.4);
        cairo_line_to(cr, sx(c), sy(*v) + mark * 1.4);
      }
      cairo_stroke(cr);
    }
  }
  cairo_restore(cr);

  // Legend in the upper right corner (KM and DVH curves fall towards the lower right).
  if (plot.legend) {
    double w = 0;
    std::size_t n = 0;
    for (const Series& s : plot.series)
      if (!s.name.empty()) {
        w = std::max(w, text::measure(cr, s.name, tick_style).width);
        ++n;
      }
    if (n > 0) {
      const double sw = line_h * 1.6, pad = line_h * 0.4;
      const double bw = w + sw + pad * 3, bh = static_cast<double>(n) * line_h * 1.2 + pad * 2;
      const double bx = right - bw - pad, by = top + pad;
      cairo_set_source_rgba(cr, 1, 1, 1, 0.9);
      cairo_rectangle(cr, bx, by, bw, bh);
      cairo_fill_preserve(cr);
      cairo_set_source_rgb(cr, 0.6, 0.6, 0.6);
      cairo_set_line_width(cr, 0.5);
      cairo_stroke(cr);
      double ly = by + pad;
      for (std::size_t k = 0; k < plot.series.size(); ++k) {
        const Series& s = plot.series[k];
        if (s.name.empty()) continue;
        set_color(cr, s.color.value_or(palette_color(k)));
        cairo_set_line_width(cr, s.line_width_pt);
        const double my = ly + line_h * 0.55;
        if (s.kind == SeriesKind::kPoints) {
          cairo_arc(cr, bx + pad + sw / 2, my, line_h * 0.3, 0, 2 * std::numbers::pi);
          cairo_fill(cr);
        } else {
          cairo_move_to(cr, bx + pad, my);
          cairo_line_to(cr, bx + pad + sw, my);
          cairo_stroke(cr);
        }
        cairo_set_source_rgb(cr, 0, 0, 0);
        text::draw(cr, s.name, tick_style, bx + pad * 2 + sw, ly);
        ly += line_h * 1.2;
      }
    }
  }

  // Numbers at risk: counts aligned with the x positions they belong to.
  if (plot.risk_table) {
    const RiskTable& rt = *plot.risk_table;
    double ry0 = bottom + line_h * 2.8;
    cairo_set_source_rgb(cr, 0, 0, 0);
    text::draw(cr, "Number at risk", text::Style{.size_pt = fs, .bold = true}, x0, ry0);
    for (std::size_t r = 0; r < rt.rows.size(); ++r) {
      ry0 += line_h * 1.15;
      set_color(cr, rt.rows[r].color.value_or(palette_color(r)));
      text::draw(cr, rt.rows[r].name, tick_style, x0, ry0);
      cairo_set_source_rgb(cr, 0, 0, 0);
      for (std::size_t i = 0; i < rt.x.size() && i < rt.rows[r].n.size(); ++i) {
        if (rt.x[i] < sx.lo || rt.x[i] > sx.hi) continue;
        text::draw(cr, std::to_string(rt.rows[r].n[i]), tick_style, sx(rt.x[i]), ry0,
                   text::HAlign::kCenter);
      }
    }
  }
  cairo_restore(cr);
}

void write_png(const Plot& plot, const std::filesystem::path& path, int width_px, int height_px) {
  if (width_px < 50 || height_px < 50 || width_px > 20000 || height_px > 20000)
    throw Error::bad_input("PNG size out of range")
        .file(path.string())
        .seen(std::to_string(width_px) + " x " + std::to_string(height_px))
        .expected("50 to 20000 pixels each way");
  std::unique_ptr<cairo_surface_t, decltype(&cairo_surface_destroy)> surface(
      cairo_image_surface_create(CAIRO_FORMAT_RGB24, width_px, height_px), cairo_surface_destroy);
  std::unique_ptr<cairo_t, decltype(&cairo_destroy)> cr(cairo_create(surface.get()), cairo_destroy);
  cairo_set_source_rgb(cr.get(), 1, 1, 1);
  cairo_paint(cr.get());
  const double margin = std::min(width_px, height_px) * 0.02;
  draw_plot(cr.get(), plot, margin, margin, width_px - 2 * margin, height_px - 2 * margin);
  cairo_surface_flush(surface.get());
  std::string png;
  const cairo_status_t st = cairo_surface_write_to_png_stream(
      surface.get(),
      [](void* closure, const unsigned char* data, unsigned int length) {
        static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
        return CAIRO_STATUS_SUCCESS;
      },
      &png);
  if (st != CAIRO_STATUS_SUCCESS)
    throw Error::internal(std::string("cairo could not encode the PNG: ") +
                          cairo_status_to_string(st))
        .file(path.string());
  write_file_atomic(path, png);
}

}  // namespace kiort
