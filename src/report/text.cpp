#include "report/text.h"

#include <pango/pangocairo.h>

#include <memory>

namespace kiort::text {
namespace {

struct LayoutDeleter {
  void operator()(PangoLayout* l) const { g_object_unref(l); }
};
struct FontDeleter {
  void operator()(PangoFontDescription* f) const { pango_font_description_free(f); }
};
using LayoutPtr = std::unique_ptr<PangoLayout, LayoutDeleter>;

LayoutPtr make_layout(cairo_t* cr, const std::string& s, const Style& style, double wrap_width,
                      bool markup, HAlign align = HAlign::kLeft) {
  LayoutPtr layout(pango_cairo_create_layout(cr));
  // DejaVu ships with the Debian packages the build installs (fonts-dejavu-core); naming it keeps
  // the metrics, and therefore page breaks, the same on every machine.
  std::unique_ptr<PangoFontDescription, FontDeleter> font(
      pango_font_description_from_string(style.monospace ? "DejaVu Sans Mono" : "DejaVu Sans"));
  pango_font_description_set_absolute_size(font.get(), style.size_pt * PANGO_SCALE);
  if (style.bold) pango_font_description_set_weight(font.get(), PANGO_WEIGHT_BOLD);
  if (style.italic) pango_font_description_set_style(font.get(), PANGO_STYLE_ITALIC);
  pango_layout_set_font_description(layout.get(), font.get());
  if (wrap_width > 0) {
    pango_layout_set_width(layout.get(), static_cast<int>(wrap_width * PANGO_SCALE));
    pango_layout_set_wrap(layout.get(), PANGO_WRAP_WORD_CHAR);
    pango_layout_set_alignment(layout.get(), align == HAlign::kRight    ? PANGO_ALIGN_RIGHT
                                             : align == HAlign::kCenter ? PANGO_ALIGN_CENTER
                                                                        : PANGO_ALIGN_LEFT);
  }
  if (markup)
    pango_layout_set_markup(layout.get(), s.c_str(), -1);
  else
    pango_layout_set_text(layout.get(), s.c_str(), -1);
  return layout;
}

Extent extent_of(PangoLayout* layout) {
  int w = 0, h = 0;
  pango_layout_get_size(layout, &w, &h);
  return {static_cast<double>(w) / PANGO_SCALE, static_cast<double>(h) / PANGO_SCALE};
}

}  // namespace

std::string escape_markup(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (const char c : s) switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  return out;
}

Extent measure(cairo_t* cr, const std::string& s, const Style& style, double wrap_width) {
  const LayoutPtr layout = make_layout(cr, s, style, wrap_width, false);
  return extent_of(layout.get());
}

Extent draw(cairo_t* cr, const std::string& s, const Style& style, double x, double y, HAlign align,
            double wrap_width, bool markup) {
  const LayoutPtr layout = make_layout(cr, s, style, wrap_width, markup, align);
  const Extent e = extent_of(layout.get());
  // A wrapped layout is wrap_width wide and aligns its lines itself; an unwrapped one is placed.
  const double box = wrap_width > 0 ? wrap_width : e.width;
  double left = x;
  if (align == HAlign::kCenter) left = x - box / 2;
  if (align == HAlign::kRight) left = x - box;
  cairo_move_to(cr, left, y);
  pango_cairo_show_layout(cr, layout.get());
  cairo_new_path(cr);
  return e;
}

void draw_vertical(cairo_t* cr, const std::string& s, const Style& style, double cx, double cy) {
  const LayoutPtr layout = make_layout(cr, s, style, 0, false);
  const Extent e = extent_of(layout.get());
  cairo_save(cr);
  cairo_translate(cr, cx, cy);
  cairo_rotate(cr, -G_PI / 2);
  cairo_move_to(cr, -e.width / 2, -e.height / 2);
  pango_cairo_update_layout(cr, layout.get());
  pango_cairo_show_layout(cr, layout.get());
  cairo_new_path(cr);
  cairo_restore(cr);
}

}  // namespace kiort::text
