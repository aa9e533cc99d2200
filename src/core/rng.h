// Counter-based random numbers (Random123 Philox4x64-10), keyed by (seed, stream) and counted by
// draw: history h of seed s always sees the same numbers, whatever thread, process or machine
// runs it. This is what makes kiort's Monte Carlo reproducible bit for bit.
#pragma once

#include <Random123/philox.h>

#include <cstdint>

namespace kiort {

class Philox {
 public:
  // stream: the history index (or any independent stream id).
  Philox(std::uint64_t seed, std::uint64_t stream) : key_{{seed, 0x6b696f7274ULL}} {
    ctr_ = {{stream, 0, 0, 0}};
  }

  // Uniform double in (0, 1), 53 random bits.
  double uniform() {
    if (used_ == 4) refill();
    const std::uint64_t x = block_[used_++];
    return (double(x >> 11) + 0.5) * 0x1.0p-53;
  }

  // Number of 64-bit draws consumed so far (for --debug-history style replay and tests).
  std::uint64_t draws() const { return ctr_[1] * 4 - (4 - used_); }

 private:
  void refill() {
    block_ = r123::Philox4x64()(ctr_, key_);
    ++ctr_[1];
    used_ = 0;
  }

  r123::Philox4x64::key_type key_;
  r123::Philox4x64::ctr_type ctr_;
  r123::Philox4x64::ctr_type block_{};
  unsigned used_ = 4;
};

}  // namespace kiort
