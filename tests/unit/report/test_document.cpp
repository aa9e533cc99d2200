// PdfDocument: page count, header repeat across pages, atomic write; Markdown tables.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <stdexcept>

#include "core/error.h"
#include "report/document.h"
#include "report/markdown.h"
#include "report_test_util.h"

namespace kiort {
namespace {

std::string read(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Page objects in the PDF ("/Type /Page" but not "/Type /Pages"): cairo writes one per page.
int pdf_pages(const std::string& pdf) {
  int n = 0;
  for (std::size_t at = pdf.find("/Type /Page"); at != std::string::npos;
       at = pdf.find("/Type /Page", at + 1))
    n += pdf.compare(at, 12, "/Type /Pages") != 0 ? 1 : 0;
  return n;
}

TEST(PdfDocument, PageBreaksMakePagesAndTheCountMatchesTheFile) {
  const auto dir = test::scratch_dir("pages");
  PdfDocument doc({.title = "Test <report> & co", .header_note = "note", .margin_mm = 18});
  doc.heading("One");
  doc.paragraph("Text with <angle> brackets & ampersands is not markup.");
  doc.page_break();
  doc.page_break();  // a break on an empty page adds nothing
  doc.heading("Two");
  doc.key_values({{"Plan", "SYN-1"}, {"Dose", "8 Gy at 5 mm"}});
  doc.signature_box({"Physicist", "Radiation oncologist"});
  doc.page_break();
  doc.code("SELECT 1\nFROM t");
  EXPECT_EQ(doc.page_count(), 0);
  doc.finish(dir / "a.pdf");
  EXPECT_EQ(doc.page_count(), 3);
  const std::string pdf = read(dir / "a.pdf");
  EXPECT_EQ(pdf.rfind("%PDF-", 0), 0u);
  EXPECT_EQ(pdf_pages(pdf), 3);
}

TEST(PdfDocument, LongTablesContinueOnTheNextPage) {
  const auto dir = test::scratch_dir("table");
  PdfDocument doc({.title = "Table", .header_note = "", .margin_mm = 18});
  Table t;
  t.caption = "Many rows";
  t.header = {"Level", "Dose (Gy)"};
  t.align = {Align::kLeft, Align::kRight};
  for (int i = 0; i < 120; ++i) {
    std::string level = "T";
    level += std::to_string(i);
    t.rows.push_back({level, std::to_string(i)});
  }
  doc.table(t);
  doc.finish(dir / "t.pdf");
  // 120 rows of about 16 pt on about 700 pt of text height per page.
  EXPECT_GE(doc.page_count(), 3);
  EXPECT_LE(doc.page_count(), 4);
  EXPECT_EQ(pdf_pages(read(dir / "t.pdf")), doc.page_count());
}

TEST(PdfDocument, FiguresFromAPlotOrADrawing) {
  const auto dir = test::scratch_dir("figures");
  PdfDocument doc({.title = "Figures", .header_note = "", .margin_mm = 18});
  Plot p;
  p.x.label = "x (mm)";
  p.y.label = "y (Gy)";
  p.series.push_back({.name = "s", .kind = SeriesKind::kStep, .x = {0, 1, 2}, .y = {1, 0.5, 0.2}});
  doc.figure({.caption = "A plot", .plot = p, .draw = {}, .height_mm = 80, .image_path = ""});
  bool drawn = false;
  doc.figure({.caption = "A drawing",
              .plot = std::nullopt,
              .draw =
                  [&](cairo_t* cr, double x, double y, double w, double h) {
                    drawn = w > 400 && h > 100;
                    cairo_rectangle(cr, x, y, w, h);
                    cairo_fill(cr);
                  },
              .height_mm = 60,
              .image_path = ""});
  doc.finish(dir / "f.pdf");
  EXPECT_TRUE(drawn);
  EXPECT_GE(doc.page_count(), 1);
  Figure too_tall{.caption = "", .plot = p, .draw = {}, .height_mm = 400, .image_path = ""};
  PdfDocument doc2({.title = "", .header_note = "", .margin_mm = 18});
  doc2.figure(too_tall);
  EXPECT_THROW(doc2.finish(dir / "g.pdf"), Error);
  EXPECT_FALSE(std::filesystem::exists(dir / "g.pdf"));
}

TEST(PdfDocument, AThrowingFigureLeavesNoFileAndNoTemporary) {
  const auto dir = test::scratch_dir("atomic");
  PdfDocument doc({.title = "Atomic", .header_note = "", .margin_mm = 18});
  doc.paragraph("before");
  doc.figure({.caption = "fails",
              .plot = std::nullopt,
              .draw = [](cairo_t*, double, double, double,
                         double) { throw std::runtime_error("figure failed"); },
              .height_mm = 50,
              .image_path = ""});
  EXPECT_THROW(doc.finish(dir / "x.pdf"), std::runtime_error);
  EXPECT_EQ(doc.page_count(), 0);
  EXPECT_TRUE(std::filesystem::is_empty(dir));
}

TEST(Markdown, PipeTablesWithAlignmentAndEscapes) {
  Table t;
  t.header = {"Scale", "n", "Mean"};
  t.align = {Align::kLeft, Align::kRight, Align::kCenter};
  t.rows = {{"PF2 | physical", "9", "31.1"}, {"two\nlines", "3", "n/a"}};
  EXPECT_EQ(markdown_table(t),
            "| Scale | n | Mean |\n"
            "| --- | ---: | :---: |\n"
            "| PF2 \\| physical | 9 | 31.1 |\n"
            "| two<br>lines | 3 | n/a |\n");
  MarkdownDocument md;
  md.heading("Results", 1);
  md.key_values({{"n", "9"}});
  md.figure({.caption = "KM",
             .plot = std::nullopt,
             .draw = {},
             .height_mm = 90,
             .image_path = "figures/km.png"});
  EXPECT_EQ(md.str(), "# Results\n\n- **n:** 9\n\n![KM](figures/km.png)\n\n*KM*\n\n");
}

TEST(Format, NumbersAndPercentages) {
  EXPECT_EQ(fmt(70.833, 1), "70.8");
  EXPECT_EQ(fmt(-0.04, 1), "0.0");
  EXPECT_EQ(fmt(std::numeric_limits<double>::quiet_NaN()), "n/a");
  EXPECT_EQ(count_pct(3, 9), "3 (33.3 %)");
  EXPECT_EQ(count_pct(0, 0), "0 (n/a)");
}

}  // namespace
}  // namespace kiort
