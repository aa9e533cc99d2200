#include "transport/tally_energy_balance.h"

#include <cmath>

namespace kiort {

EnergyBalance EnergyBalanceTally::result(std::uint64_t n) const {
  EnergyBalance eb;
  eb.emitted = bins_.mean(kEmitted, n);
  eb.deposited_voxels = bins_.mean(kDepositedVoxels, n);
  eb.deposited_solids = bins_.mean(kDepositedSolids, n);
  eb.cutoff = bins_.mean(kCutoff, n);
  eb.escaped = bins_.mean(kEscaped, n);
  eb.sigma_emitted = bins_.sigma(kEmitted, n);
  eb.sigma_deposited =
      std::hypot(bins_.sigma(kDepositedVoxels, n), bins_.sigma(kDepositedSolids, n));
  eb.sigma_escaped = bins_.sigma(kEscaped, n);
  eb.sigma_cutoff = bins_.sigma(kCutoff, n);
  return eb;
}

}  // namespace kiort
