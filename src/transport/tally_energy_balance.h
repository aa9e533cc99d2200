// The energy balance: per history, the energy emitted by the source and where it went (deposited
// in voxels or in solids, below the cut-off, escaped from the grid), each with its standard
// error. Emitted = deposited + cut-off + escaped within statistics is the transport's first
// self-test. One object per worker; workers and processes are summed exactly.
#pragma once

#include <cstdint>

#include "core/collective.h"
#include "transport/score_array.h"
#include "transport/transport.h"

namespace kiort {

class EnergyBalanceTally {
 public:
  EnergyBalanceTally() : bins_(kBins) {}

  // Each in keV x weight.
  void emitted(double kev, std::uint64_t h) { bins_.score(kEmitted, kev, h); }
  void escaped(double kev, std::uint64_t h) { bins_.score(kEscaped, kev, h); }
  void cut_off(double kev, std::uint64_t h) { bins_.score(kCutoff, kev, h); }
  void deposited(bool in_solid, double kev, std::uint64_t h) {
    bins_.score(in_solid ? kDepositedSolids : kDepositedVoxels, kev, h);
  }

  void flush() { bins_.flush(); }
  void merge(const EnergyBalanceTally& o) { bins_.merge(o.bins_); }
  void sum_over(const Collective& world) { bins_.sum_over(world); }

  // keV per history over n histories.
  EnergyBalance result(std::uint64_t n) const;

 private:
  enum Bin { kEmitted, kDepositedVoxels, kDepositedSolids, kCutoff, kEscaped, kBins };
  ScoreArray bins_;
};

}  // namespace kiort
