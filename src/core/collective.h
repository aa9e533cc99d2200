// The processes of a distributed run (MPI ranks) as the Monte Carlo sees them: who am I, how many
// are we, an exact element-wise sum of 128-bit integers and an agreed decision. The engine splits
// histories by index and sums its fixed-point tallies through this, so any process count gives
// the bit-identical result of one process. The default is a single process; the MPI one lives in
// module distributed and is made by main(), never a global (a server runs many plans).
#pragma once

#include <cstddef>
#include <span>

namespace kiort {

__extension__ typedef __int128 Int128;

class Collective {
 public:
  virtual ~Collective() = default;
  virtual int rank() const { return 0; }
  virtual int size() const { return 1; }
  // Replaces data on every process by its element-wise sum over all processes (exact).
  virtual void sum(std::span<Int128> data) const { (void)data; }
  // Rank 0's value on every process (a time limit: one clock decides for all).
  virtual bool agree(bool rank0_value) const { return rank0_value; }
};

// The one-process Collective (what run_transport uses when none is given).
inline const Collective& single_process() {
  static const Collective one;
  return one;
}

}  // namespace kiort
