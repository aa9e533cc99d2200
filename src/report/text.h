// Text on a cairo context through Pango (shaping, UTF-8, DejaVu fonts): the one place report code
// measures and draws strings, so plots and documents agree on fonts and escaping. Internal to
// the report module.
#pragma once

#include <cairo.h>

#include <string>

namespace kiort::text {

enum class HAlign { kLeft, kCenter, kRight };

struct Style {
  double size_pt = 9;
  bool bold = false;
  bool italic = false;
  bool monospace = false;
};

// Escapes <, >, & and quotes for Pango markup.
std::string escape_markup(const std::string& s);

struct Extent {
  double width = 0, height = 0;
};

// Measures plain text (wrapped at wrap_width when > 0; newlines break lines).
Extent measure(cairo_t* cr, const std::string& s, const Style& style, double wrap_width = 0);
// Draws plain text with its top edge at y; x is the left edge, centre or right edge per align
// (of the wrap_width box when wrapping, whose lines then align the same way).
// Returns its extent. markup = true takes s as trusted Pango markup instead of plain text.
Extent draw(cairo_t* cr, const std::string& s, const Style& style, double x, double y,
            HAlign align = HAlign::kLeft, double wrap_width = 0, bool markup = false);
// Draws text rotated 90 degrees counter-clockwise, centred on (cx, cy) (a y-axis label).
void draw_vertical(cairo_t* cr, const std::string& s, const Style& style, double cx, double cy);

}  // namespace kiort::text
