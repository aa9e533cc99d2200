#include "report/markdown.h"

#include <algorithm>

#include "core/atomic_file.h"

namespace kiort {
namespace {

std::string cell(const std::string& s) {
  std::string out;
  for (const char c : s) {
    if (c == '|')
      out += "\\|";
    else if (c == '\n')
      out += "<br>";
    else
      out += c;
  }
  return out;
}

std::string row(const std::vector<std::string>& cells) {
  std::string out = "|";
  for (const std::string& c : cells) {
    out += ' ';
    out += cell(c);
    out += " |";
  }
  return out + "\n";
}

}  // namespace

std::string markdown_table(const Table& t) {
  const std::size_t ncol =
      std::max(t.header.size(), t.rows.empty() ? std::size_t{0} : t.rows.front().size());
  if (ncol == 0) return {};
  std::vector<std::string> header = t.header;
  header.resize(ncol);
  std::string out = row(header) + "|";
  for (std::size_t i = 0; i < ncol; ++i) {
    const Align a = i < t.align.size() ? t.align[i] : Align::kLeft;
    out += a == Align::kRight ? " ---: |" : (a == Align::kCenter ? " :---: |" : " --- |");
  }
  out += "\n";
  for (const auto& r : t.rows) out += row(r);
  return out;
}

void MarkdownDocument::heading(const std::string& text, int level) {
  // Blocks end with a blank line already; a heading after one needs no more.
  if (out_.size() >= 2 && out_.compare(out_.size() - 2, 2, "\n\n") != 0) out_ += "\n";
  out_.append(static_cast<std::size_t>(std::clamp(level, 1, 6)), '#');
  out_ += ' ';
  out_ += text;
  out_ += "\n\n";
}

void MarkdownDocument::paragraph(const std::string& text) {
  out_ += text + "\n\n";
}

void MarkdownDocument::table(const Table& t) {
  if (!t.caption.empty()) out_ += "*" + t.caption + "*\n\n";
  out_ += markdown_table(t) + "\n";
}

void MarkdownDocument::figure(const Figure& f) {
  if (!f.image_path.empty()) out_ += "![" + f.caption + "](" + f.image_path + ")\n\n";
  if (!f.caption.empty()) out_ += "*" + f.caption + "*\n\n";
}

void MarkdownDocument::key_values(const std::vector<std::pair<std::string, std::string>>& kv) {
  for (const auto& [k, v] : kv) {
    out_ += "- **";
    out_ += k;
    out_ += ":** ";
    out_ += v;
    out_ += '\n';
  }
  out_ += "\n";
}

void MarkdownDocument::code(const std::string& text) {
  out_ += "```\n" + text + (text.empty() || text.back() != '\n' ? "\n" : "") + "```\n\n";
}

void MarkdownDocument::write(const std::filesystem::path& path) const {
  write_file_atomic(path, out_);
}

}  // namespace kiort
