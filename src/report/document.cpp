#include "report/document.h"

#include <cairo-pdf.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <variant>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/version.h"
#include "report/text.h"

namespace kiort {
namespace {

constexpr double kPageW = 595.276;  // A4 in points (210 x 297 mm)
constexpr double kPageH = 841.890;
constexpr double kPtPerMm = 72.0 / 25.4;
constexpr double kBodyPt = 9.5;

struct HeadingB {
  std::string text;
  int level = 1;
};
struct ParagraphB {
  std::string text;
  bool markup = false;
};
struct TableB {
  Table table;
  bool key_value = false;  // no header row, first column bold
};
struct FigureB {
  Figure figure;
};
struct CodeB {
  std::string text;
};
struct BreakB {};
struct SpaceB {
  double mm = 0;
};
struct SignatureB {
  std::vector<std::string> roles;
};

using Op = std::function<void(cairo_t*)>;

text::HAlign to_halign(Align a) {
  return a == Align::kRight ? text::HAlign::kRight
                            : (a == Align::kCenter ? text::HAlign::kCenter : text::HAlign::kLeft);
}

// Places blocks on pages: measures with the real PDF context so that the drawn text has exactly
// the measured size, and records for each page the drawing operations to replay.
class Layout {
 public:
  Layout(cairo_t* cr, double margin_pt) : cr_(cr), margin_(margin_pt) {
    top_ = margin_ + 14;
    bottom_ = kPageH - margin_ - 10;
    width_ = kPageW - 2 * margin_;
    new_page();
  }
  std::vector<std::vector<Op>> take() { return std::move(pages_); }

  void heading(const HeadingB& h) {
    const double size = h.level <= 1 ? 15 : (h.level == 2 ? 12 : 10.5);
    const text::Style st{.size_pt = size, .bold = true};
    const double before = at_top() ? 0 : (h.level <= 1 ? 12 : 8);
    const double hh = text::measure(cr_, h.text, st, width_).height;
    // Keep a heading with at least a few lines of what follows it.
    ensure(before + hh + 4 + 40);
    y_ += at_top() ? 0 : before;
    add_text(h.text, st, left(), y_, text::HAlign::kLeft, width_, false);
    y_ += hh + 4;
  }

  void paragraph(const ParagraphB& p) {
    const text::Style st{.size_pt = kBodyPt};
    const double h =
        p.markup ? measure_markup(p.text, st) : text::measure(cr_, p.text, st, width_).height;
    ensure(h);
    add_text(p.text, st, left(), y_, text::HAlign::kLeft, width_, p.markup);
    y_ += h + 5;
  }

  void code(const CodeB& c) {
    const text::Style st{.size_pt = 7.5, .monospace = true};
    std::size_t start = 0;
    y_ += 1;
    while (start <= c.text.size()) {
      std::size_t end = c.text.find('\n', start);
      if (end == std::string::npos) end = c.text.size();
      const std::string line = c.text.substr(start, end - start);
      const double h = text::measure(cr_, line.empty() ? " " : line, st, width_ - 8).height;
      ensure(h);
      const double y = y_, x = left(), w = width_;
      op([=](cairo_t* cr) {
        cairo_set_source_rgb(cr, 0.95, 0.95, 0.95);
        cairo_rectangle(cr, x, y, w, h);
        cairo_fill(cr);
        cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
      });
      add_text(line, st, left() + 4, y_, text::HAlign::kLeft, width_ - 8, false);
      y_ += h;
      start = end + 1;
    }
    y_ += 6;
  }

  void table(const TableB& tb) {
    const Table& t = tb.table;
    const std::size_t ncol =
        std::max(t.header.size(), t.rows.empty() ? std::size_t{0} : t.rows.front().size());
    if (ncol == 0) return;
    for (const auto& r : t.rows)
      if (r.size() != ncol)
        throw Error::internal("table row has " + std::to_string(r.size()) + " cells, expected " +
                              std::to_string(ncol));
    std::vector<double> w(ncol, width_ / static_cast<double>(ncol));
    if (t.width_weight.size() == ncol) {
      double sum = 0;
      for (const double x : t.width_weight) sum += x;
      for (std::size_t i = 0; i < ncol; ++i) w[i] = width_ * t.width_weight[i] / sum;
    }
    const text::Style st{.size_pt = 8.5};
    const text::Style hst{.size_pt = 8.5, .bold = true};
    const double pad = 3;
    auto row_height = [&](const std::vector<std::string>& cells, const text::Style& s0,
                          bool first_bold) {
      double h = 0;
      for (std::size_t i = 0; i < ncol; ++i) {
        const text::Style s = (first_bold && i == 0) ? hst : s0;
        h = std::max(h, text::measure(cr_, cells[i], s, w[i] - 2 * pad).height);
      }
      return h + 2 * pad;
    };
    auto draw_row = [&](const std::vector<std::string>& cells, const text::Style& s0, double h,
                        bool shade, bool first_bold) {
      const double y = y_, x0 = left(), tw = width_;
      op([=](cairo_t* cr) {
        if (shade) {
          cairo_set_source_rgb(cr, 0.90, 0.92, 0.95);
          cairo_rectangle(cr, x0, y, tw, h);
          cairo_fill(cr);
        }
        cairo_set_source_rgb(cr, 0.75, 0.75, 0.75);
        cairo_set_line_width(cr, 0.4);
        cairo_move_to(cr, x0, y + h);
        cairo_line_to(cr, x0 + tw, y + h);
        cairo_stroke(cr);
        cairo_set_source_rgb(cr, 0, 0, 0);
      });
      double x = left();
      for (std::size_t i = 0; i < ncol; ++i) {
        const Align a = i < t.align.size() ? t.align[i] : Align::kLeft;
        const double tx = a == Align::kLeft    ? x + pad
                          : a == Align::kRight ? x + w[i] - pad
                                               : x + w[i] / 2;
        const text::Style s = (first_bold && i == 0) ? hst : s0;
        add_text(cells[i], s, tx, y_ + pad, to_halign(a), w[i] - 2 * pad, false);
        x += w[i];
      }
      y_ += h;
    };
    const bool has_header = !tb.key_value && !t.header.empty();
    const double header_h = has_header ? row_height(t.header, hst, false) : 0;
    double caption_h = 0;
    if (!t.caption.empty())
      caption_h =
          text::measure(cr_, t.caption, text::Style{.size_pt = 9, .italic = true}, width_).height +
          3;
    const double first_h = t.rows.empty() ? 0 : row_height(t.rows.front(), st, tb.key_value);
    ensure(caption_h + header_h + first_h);
    if (!t.caption.empty()) {
      add_text(t.caption, text::Style{.size_pt = 9, .italic = true}, left(), y_,
               text::HAlign::kLeft, width_, false);
      y_ += caption_h;
    }
    if (has_header) draw_row(t.header, hst, header_h, true, false);
    for (const auto& r : t.rows) {
      const double h = row_height(r, st, tb.key_value);
      if (y_ + h > bottom_) {
        new_page();
        if (has_header) {
          if (!t.caption.empty()) {
            const text::Style cs{.size_pt = 9, .italic = true};
            const std::string c = t.caption + " (continued)";
            add_text(c, cs, left(), y_, text::HAlign::kLeft, width_, false);
            y_ += text::measure(cr_, c, cs, width_).height + 3;
          }
          draw_row(t.header, hst, header_h, true, false);
        }
      }
      draw_row(r, st, h, false, tb.key_value);
    }
    y_ += 8;
  }

  void figure(const FigureB& fb) {
    const Figure& f = fb.figure;
    const double h = f.height_mm * kPtPerMm;
    if (h > bottom_ - top_)
      throw Error::bad_input("figure taller than a page")
          .field(f.caption)
          .seen(fmt(f.height_mm, 0) + " mm")
          .expected("at most " + fmt((bottom_ - top_) / kPtPerMm, 0) + " mm");
    const text::Style cs{.size_pt = 9, .italic = true};
    const double ch = f.caption.empty() ? 0 : text::measure(cr_, f.caption, cs, width_).height + 4;
    ensure(h + ch);
    const double x = left(), y = y_, w = width_;
    if (f.plot) {
      const Plot plot = *f.plot;
      op([=](cairo_t* cr) { draw_plot(cr, plot, x, y, w, h); });
    } else if (f.draw) {
      const DrawCallback draw = f.draw;
      op([=](cairo_t* cr) {
        cairo_save(cr);
        draw(cr, x, y, w, h);
        cairo_restore(cr);
      });
    }
    y_ += h + 2;
    if (!f.caption.empty()) {
      add_text(f.caption, cs, left(), y_, text::HAlign::kLeft, width_, false);
      y_ += ch;
    }
    y_ += 6;
  }

  void signature(const SignatureB& s) {
    const double row_h = 20 * kPtPerMm;
    const text::Style st{.size_pt = 8.5};
    const text::Style bst{.size_pt = 8.5, .bold = true};
    ensure(row_h * static_cast<double>(std::min<std::size_t>(s.roles.size(), 2)) + 4);
    for (const std::string& role : s.roles) {
      ensure(row_h);
      const double x = left(), y = y_, w = width_;
      op([=](cairo_t* cr) {
        cairo_set_source_rgb(cr, 0, 0, 0);
        cairo_set_line_width(cr, 0.6);
        cairo_rectangle(cr, x, y, w, row_h);
        cairo_stroke(cr);
        // Writing lines: name, date, signature.
        const double ly = y + row_h - 8;
        const double cols[][2] = {{0.22, 0.50}, {0.54, 0.68}, {0.72, 0.98}};
        cairo_set_line_width(cr, 0.4);
        for (const auto& c : cols) {
          cairo_move_to(cr, x + w * c[0], ly);
          cairo_line_to(cr, x + w * c[1], ly);
        }
        cairo_stroke(cr);
      });
      add_text(role, bst, left() + 5, y_ + 5, text::HAlign::kLeft, width_ * 0.2, false);
      add_text("Name", st, left() + width_ * 0.22, y_ + 5, text::HAlign::kLeft, 0, false);
      add_text("Date", st, left() + width_ * 0.54, y_ + 5, text::HAlign::kLeft, 0, false);
      add_text("Signature", st, left() + width_ * 0.72, y_ + 5, text::HAlign::kLeft, 0, false);
      y_ += row_h + 4;
    }
    y_ += 6;
  }

  void page_break() {
    if (!at_top()) new_page();
  }
  void space(double mm) {
    y_ += mm * kPtPerMm;
    if (y_ > bottom_) new_page();
  }

 private:
  bool at_top() const { return y_ <= top_ + 0.01; }
  double left() const { return margin_; }
  void new_page() {
    pages_.emplace_back();
    y_ = top_;
  }
  // Starts a new page unless h fits below the cursor (or the page is still empty).
  void ensure(double h) {
    if (y_ + h > bottom_ && !at_top()) new_page();
  }
  void op(Op o) { pages_.back().push_back(std::move(o)); }
  void add_text(const std::string& s, const text::Style& st, double x, double y, text::HAlign align,
                double wrap, bool markup) {
    op([=](cairo_t* cr) {
      cairo_set_source_rgb(cr, 0, 0, 0);
      text::draw(cr, s, st, x, y, align, wrap, markup);
    });
  }
  double measure_markup(const std::string& m, const text::Style& st) {
    // Measure by drawing into a throwaway recording surface: Pango's measurement needs a layout
    // made the same way as the drawn one.
    cairo_surface_t* rec = cairo_recording_surface_create(CAIRO_CONTENT_COLOR_ALPHA, nullptr);
    cairo_t* cr = cairo_create(rec);
    const double h = text::draw(cr, m, st, 0, 0, text::HAlign::kLeft, width_, true).height;
    cairo_destroy(cr);
    cairo_surface_destroy(rec);
    return h;
  }

  cairo_t* cr_;
  double margin_, top_ = 0, bottom_ = 0, width_ = 0, y_ = 0;
  std::vector<std::vector<Op>> pages_;
};

cairo_status_t append_to_string(void* closure, const unsigned char* data, unsigned int length) {
  static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
  return CAIRO_STATUS_SUCCESS;
}

}  // namespace

struct PdfDocument::Block {
  std::variant<HeadingB, ParagraphB, TableB, FigureB, CodeB, BreakB, SpaceB, SignatureB> v;
};

PdfDocument::PdfDocument(PdfOptions options) : options_(std::move(options)) {}
PdfDocument::~PdfDocument() = default;

void PdfDocument::heading(const std::string& t, int level) {
  blocks_.push_back(std::make_unique<Block>(Block{HeadingB{t, std::clamp(level, 1, 3)}}));
}
void PdfDocument::paragraph(const std::string& t) {
  blocks_.push_back(std::make_unique<Block>(Block{ParagraphB{t, false}}));
}
void PdfDocument::paragraph_markup(const std::string& m) {
  blocks_.push_back(std::make_unique<Block>(Block{ParagraphB{m, true}}));
}
void PdfDocument::table(const Table& t) {
  blocks_.push_back(std::make_unique<Block>(Block{TableB{t, false}}));
}
void PdfDocument::figure(const Figure& f) {
  if (!f.plot && !f.draw) throw Error::internal("figure without a plot or a drawing");
  blocks_.push_back(std::make_unique<Block>(Block{FigureB{f}}));
}
void PdfDocument::key_values(const std::vector<std::pair<std::string, std::string>>& kv) {
  Table t;
  t.width_weight = {1, 2};
  for (const auto& [k, v] : kv) t.rows.push_back({k, v});
  blocks_.push_back(std::make_unique<Block>(Block{TableB{t, true}}));
}
void PdfDocument::code(const std::string& t) {
  blocks_.push_back(std::make_unique<Block>(Block{CodeB{t}}));
}
void PdfDocument::page_break() {
  blocks_.push_back(std::make_unique<Block>(Block{BreakB{}}));
}
void PdfDocument::signature_box(const std::vector<std::string>& roles) {
  blocks_.push_back(std::make_unique<Block>(Block{SignatureB{roles}}));
}
void PdfDocument::vertical_space(double mm) {
  blocks_.push_back(std::make_unique<Block>(Block{SpaceB{mm}}));
}

double PdfDocument::text_width_pt() const {
  return kPageW - 2 * options_.margin_mm * kPtPerMm;
}

void PdfDocument::finish(const std::filesystem::path& path) {
  std::string pdf;
  std::unique_ptr<cairo_surface_t, decltype(&cairo_surface_destroy)> surface(
      cairo_pdf_surface_create_for_stream(append_to_string, &pdf, kPageW, kPageH),
      cairo_surface_destroy);
  cairo_pdf_surface_set_metadata(surface.get(), CAIRO_PDF_METADATA_TITLE, options_.title.c_str());
  const std::string creator = std::string("kiort ") + version();
  cairo_pdf_surface_set_metadata(surface.get(), CAIRO_PDF_METADATA_CREATOR, creator.c_str());
  std::unique_ptr<cairo_t, decltype(&cairo_destroy)> cr(cairo_create(surface.get()), cairo_destroy);
  const double margin = options_.margin_mm * kPtPerMm;

  Layout layout(cr.get(), margin);
  for (const auto& b : blocks_)
    std::visit(
        [&](const auto& x) {
          using T = std::decay_t<decltype(x)>;
          if constexpr (std::is_same_v<T, HeadingB>) layout.heading(x);
          if constexpr (std::is_same_v<T, ParagraphB>) layout.paragraph(x);
          if constexpr (std::is_same_v<T, TableB>) layout.table(x);
          if constexpr (std::is_same_v<T, FigureB>) layout.figure(x);
          if constexpr (std::is_same_v<T, CodeB>) layout.code(x);
          if constexpr (std::is_same_v<T, BreakB>) layout.page_break();
          if constexpr (std::is_same_v<T, SpaceB>) layout.space(x.mm);
          if constexpr (std::is_same_v<T, SignatureB>) layout.signature(x);
        },
        b->v);
  const auto pages = layout.take();
  const int n = static_cast<int>(pages.size());
  const text::Style small{.size_pt = 7.5};
  const std::string version_note = std::string("kiort ") + version() + " (" + git_commit() + ")";
  for (int p = 0; p < n; ++p) {
    cairo_t* c = cr.get();
    cairo_set_source_rgb(c, 0, 0, 0);
    // Header: title left, note right, a rule below.
    text::draw(c, options_.title, text::Style{.size_pt = 8, .bold = true}, margin, margin - 14);
    text::draw(c, options_.header_note, small, kPageW - margin, margin - 13, text::HAlign::kRight);
    cairo_set_line_width(c, 0.5);
    cairo_move_to(c, margin, margin + 2);
    cairo_line_to(c, kPageW - margin, margin + 2);
    cairo_stroke(c);
    for (const Op& o : pages[static_cast<std::size_t>(p)]) o(c);
    // Footer: software version left, page x of n right.
    cairo_set_source_rgb(c, 0.3, 0.3, 0.3);
    cairo_move_to(c, margin, kPageH - margin + 4);
    cairo_line_to(c, kPageW - margin, kPageH - margin + 4);
    cairo_stroke(c);
    text::draw(c, version_note, small, margin, kPageH - margin + 7);
    text::draw(c, "Page " + std::to_string(p + 1) + " of " + std::to_string(n), small,
               kPageW - margin, kPageH - margin + 7, text::HAlign::kRight);
    cairo_show_page(c);
    if (cairo_status(c) != CAIRO_STATUS_SUCCESS)
      throw Error::internal(std::string("cairo: ") + cairo_status_to_string(cairo_status(c)))
          .file(path.string());
  }
  cr.reset();
  cairo_surface_finish(surface.get());
  if (cairo_surface_status(surface.get()) != CAIRO_STATUS_SUCCESS)
    throw Error::internal(std::string("cairo could not write the PDF: ") +
                          cairo_status_to_string(cairo_surface_status(surface.get())))
        .file(path.string());
  write_file_atomic(path, pdf);
  pages_ = n;
}

std::string escape_markup(const std::string& t) {
  return text::escape_markup(t);
}

std::string fmt(double v, int decimals) {
  if (!std::isfinite(v)) return "n/a";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  std::string s = buf;
  if (s == "-0" || s.rfind("-0.", 0) == 0) {  // no "-0.0" for a rounded tiny negative
    bool zero = true;
    for (const char c : s.substr(1)) zero = zero && (c == '0' || c == '.');
    if (zero) s = s.substr(1);
  }
  return s;
}

std::string count_pct(std::size_t n, std::size_t of, int decimals) {
  if (of == 0) return std::to_string(n) + " (n/a)";
  return std::to_string(n) + " (" +
         fmt(100.0 * static_cast<double>(n) / static_cast<double>(of), decimals) + " %)";
}

}  // namespace kiort
