#include "core/progress.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>

namespace kiort {
namespace {
std::string format_rate(double per_s) {
  char buf[32];
  if (per_s >= 1e6)
    std::snprintf(buf, sizeof buf, "%.2fM/s", per_s / 1e6);
  else if (per_s >= 1e3)
    std::snprintf(buf, sizeof buf, "%.1fk/s", per_s / 1e3);
  else
    std::snprintf(buf, sizeof buf, "%.1f/s", per_s);
  return buf;
}
}  // namespace

Progress::Progress(std::string label, std::uint64_t total, ProgressMode mode, std::FILE* out)
    : label_(std::move(label)), total_(total), mode_(mode), out_(out) {
  if (mode_ == ProgressMode::kAuto)
    mode_ = (out_ && ::isatty(::fileno(out_))) ? ProgressMode::kBar : ProgressMode::kLines;
  start_ = last_draw_ = std::chrono::steady_clock::now();
}

Progress::~Progress() {
  if (!finished_) finish();
}

std::string Progress::format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "--:--";
  const auto s = static_cast<long long>(std::llround(seconds));
  char buf[32];
  if (s >= 3600)
    std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", s / 3600, (s / 60) % 60, s % 60);
  else
    std::snprintf(buf, sizeof buf, "%lld:%02lld", s / 60, s % 60);
  return buf;
}

void Progress::update(std::uint64_t done, const std::string& extra) {
  if (mode_ == ProgressMode::kQuiet || finished_) return;
  std::lock_guard lock(mutex_);
  const auto now = std::chrono::steady_clock::now();
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  last_done_ = std::max(last_done_, done);
  if (mode_ == ProgressMode::kBar) {
    if (now - last_draw_ < std::chrono::milliseconds(100) && done < total_) return;
    last_draw_ = now;
    draw_bar(done, elapsed, extra);
  } else if (total_ > 0) {
    const int decile = static_cast<int>(std::min<std::uint64_t>(10, done * 10 / total_));
    if (decile > last_decile_) {
      last_decile_ = decile;
      const double rate = elapsed > 0 ? double(done) / elapsed : 0;
      std::fprintf(out_, "%s: %d %% (%s, elapsed %s%s%s)\n", label_.c_str(), decile * 10,
                   format_rate(rate).c_str(), format_duration(elapsed).c_str(),
                   extra.empty() ? "" : ", ", extra.c_str());
      std::fflush(out_);
    }
  }
}

void Progress::draw_bar(std::uint64_t done, double elapsed, const std::string& extra) {
  constexpr int kWidth = 30;
  const double frac = total_ ? std::min(1.0, double(done) / double(total_)) : 0.0;
  const int filled = static_cast<int>(frac * kWidth);
  std::string bar(static_cast<std::size_t>(filled), '#');
  bar.append(static_cast<std::size_t>(kWidth - filled), '.');
  const double rate = elapsed > 0 ? double(done) / elapsed : 0;
  const double eta = (rate > 0 && total_) ? double(total_ - std::min(done, total_)) / rate : NAN;
  std::fprintf(out_, "\r%s [%s] %3.0f%% %s ETA %s%s%s\x1b[K", label_.c_str(), bar.c_str(),
               frac * 100, format_rate(rate).c_str(), format_duration(eta).c_str(),
               extra.empty() ? "" : "  ", extra.c_str());
  std::fflush(out_);
}

void Progress::finish(const std::string& extra) {
  std::lock_guard lock(mutex_);
  if (finished_) return;
  finished_ = true;
  if (mode_ == ProgressMode::kQuiet) return;
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  if (mode_ == ProgressMode::kBar) {
    draw_bar(total_ ? total_ : last_done_, elapsed, extra);
    std::fprintf(out_, "\n");
  } else if (last_decile_ < 10) {
    std::fprintf(out_, "%s: done in %s%s%s\n", label_.c_str(), format_duration(elapsed).c_str(),
                 extra.empty() ? "" : ", ", extra.c_str());
  }
  std::fflush(out_);
}

}  // namespace kiort
