// The Markdown twin of PdfDocument: the same blocks as GitHub-flavoured Markdown (tables as pipe
// tables, figures as image links to their PNG), for reading in a repository, a wiki or a diff.
#pragma once

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "report/document.h"

namespace kiort {

class MarkdownDocument final : public DocumentSink {
 public:
  void heading(const std::string& text, int level = 1) override;
  void paragraph(const std::string& text) override;
  void table(const Table& table) override;
  void figure(const Figure& figure) override;
  void key_values(const std::vector<std::pair<std::string, std::string>>& kv) override;
  void code(const std::string& text) override;
  void page_break() override {}  // Markdown has no pages

  const std::string& str() const { return out_; }
  void write(const std::filesystem::path& path) const;  // atomically

 private:
  std::string out_;
};

// A GFM pipe table (| and line breaks in cells escaped), ending with a newline.
std::string markdown_table(const Table& table);

}  // namespace kiort
