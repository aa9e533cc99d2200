// Progress of long work: a bar with rate and ETA on a terminal, a plain line every 10 % when
// stderr is not a terminal (logs, CI), nothing when quiet. Thread-safe: workers may call update().
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>

namespace kiort {

enum class ProgressMode { kAuto, kBar, kLines, kQuiet };

class Progress {
 public:
  // total = number of work units (0: unknown). kAuto picks kBar on a terminal, else kLines.
  Progress(std::string label, std::uint64_t total, ProgressMode mode = ProgressMode::kAuto,
           std::FILE* out = stderr);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  // Reports that `done` units are finished; `extra` (e.g. "sigma 1.2 %") is shown after the rate.
  void update(std::uint64_t done, const std::string& extra = {});
  // Ends the display (a final line with the total time); called by the destructor if needed.
  void finish(const std::string& extra = {});

  ProgressMode mode() const { return mode_; }
  // Formats seconds as H:MM:SS or M:SS.
  static std::string format_duration(double seconds);

 private:
  void draw_bar(std::uint64_t done, double elapsed, const std::string& extra);

  std::string label_;
  std::uint64_t total_;
  ProgressMode mode_;
  std::FILE* out_;
  std::mutex mutex_;
  std::chrono::steady_clock::time_point start_, last_draw_;
  int last_decile_ = 0;
  bool finished_ = false;
  std::uint64_t last_done_ = 0;
};

}  // namespace kiort
