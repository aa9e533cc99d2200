// Report documents: the building blocks every kiort report is made of (headings, paragraphs,
// tables, figures, key-value blocks, a signature box), and a PDF writer that lays them out on A4
// pages with a header (title, software version) and a footer (page x of n). The same calls can
// feed a Markdown writer (markdown.h) through DocumentSink, so a report is written once and
// comes out in both forms. Files are written atomically: a failed run leaves no file.
#pragma once

#include <cairo.h>

#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "report/plot.h"

namespace kiort {

enum class Align { kLeft, kRight, kCenter };

struct Table {
  std::vector<std::string> header{};
  std::vector<std::vector<std::string>> rows{};  // each as long as header
  std::vector<Align> align{};                    // per column; missing columns align left
  std::vector<double> width_weight{};            // per column share of the width; empty = even
  std::string caption{};                         // above the table; empty = none
};

// A drawing for a figure: fills the rectangle (x, y, width, height) in points.
using DrawCallback = std::function<void(cairo_t* cr, double x, double y, double w, double h)>;

struct Figure {
  std::string caption{};
  std::optional<Plot> plot{};  // either a plot ...
  DrawCallback draw{};         // ... or a drawing
  double height_mm = 90;       // on the page; the width is the text width
  std::string image_path{};    // Markdown: the PNG to link (relative to the .md); PDF ignores it
};

// Anything a report can be written to.
class DocumentSink {
 public:
  virtual ~DocumentSink() = default;
  virtual void heading(const std::string& text, int level = 1) = 0;  // level 1..3
  virtual void paragraph(const std::string& text) = 0;               // plain text
  virtual void table(const Table& table) = 0;
  virtual void figure(const Figure& figure) = 0;
  virtual void key_values(const std::vector<std::pair<std::string, std::string>>& kv) = 0;
  virtual void code(const std::string& text) = 0;  // monospace block, kept as typed (SQL)
  virtual void page_break() = 0;
};

struct PdfOptions {
  std::string title{};        // in every page header and the document metadata
  std::string header_note{};  // right side of the header (besides the software version)
  double margin_mm = 18;
};

// A4 portrait PDF. Blocks are collected, then finish() lays them out and writes the file.
// Layout rules: a heading stays with the start of what follows; a paragraph, a table row, a
// figure and a signer's box each stay on one page (split very long text into paragraphs);
// tables and code blocks break between rows/lines, tables repeating caption and header.
class PdfDocument final : public DocumentSink {
 public:
  explicit PdfDocument(PdfOptions options);
  ~PdfDocument() override;
  PdfDocument(const PdfDocument&) = delete;
  PdfDocument& operator=(const PdfDocument&) = delete;

  void heading(const std::string& text, int level = 1) override;
  void paragraph(const std::string& text) override;
  // Trusted Pango markup (<b>, <i>, <sup>); callers escape untrusted parts (escape_markup).
  void paragraph_markup(const std::string& markup);
  void table(const Table& table) override;
  void figure(const Figure& figure) override;
  void key_values(const std::vector<std::pair<std::string, std::string>>& kv) override;
  void code(const std::string& text) override;
  void page_break() override;
  // A box with one line per signer: name, role, date and signature (a plan's approval).
  void signature_box(const std::vector<std::string>& signer_roles);
  void vertical_space(double mm);

  // Lays out and renders every block, then writes path atomically (temporary file + rename).
  // Throws (and writes nothing) if a block cannot be drawn or a figure's callback throws.
  void finish(const std::filesystem::path& path);
  // Pages of the finished document (0 before finish()).
  int page_count() const { return pages_; }

  // Text width and usable page height, in points (for figure callbacks that plan their layout).
  double text_width_pt() const;

 private:
  struct Block;
  PdfOptions options_;
  std::vector<std::unique_ptr<Block>> blocks_;
  int pages_ = 0;
};

std::string escape_markup(const std::string& text);

// Formats a number with a fixed number of decimals ("12.3"); NaN/inf as "n/a".
std::string fmt(double v, int decimals = 1);
// "12 (33.3 %)"
std::string count_pct(std::size_t n, std::size_t of, int decimals = 1);

}  // namespace kiort
