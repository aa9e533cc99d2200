#include "transport/validate.h"

#include <algorithm>
#include <sstream>
#include <string>

#include "core/error.h"
#include "physics/cross_sections.h"

namespace kiort {
namespace {

// A bound on the shell tally's memory (48 bytes a bin and thread), not on physics.
constexpr std::size_t kMaxShellBins = 1'000'000;

std::string num(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

}  // namespace

void validate_transport(const Geometry& g, const PhotonSource& src, const StopRules& stop,
                        const TransportOptions& o) {
  if (stop.histories == 0 && !(stop.target_sigma_rel > 0) && !(stop.time_limit_s > 0))
    throw Error::bad_input("no stop rule: zero histories and no sigma target or time limit")
        .field("histories")
        .seen("0")
        .expected("a history count >= 1, a target relative sigma or a time limit");
  if (stop.target_sigma_rel < 0 || stop.time_limit_s < 0)
    throw Error::bad_input("stop rules must not be negative").field("target_sigma/time_limit");
  if (!(o.cutoff_kev >= kMinEnergyKeV && o.cutoff_kev < kMaxEnergyKeV))
    throw Error::bad_input("photon cut-off outside the modelled range")
        .field("cutoff_kev")
        .seen(num(o.cutoff_kev))
        .expected("1 to 60 keV");
  if (src.max_energy_kev() > kMaxEnergyKeV)
    throw Error::bad_input("source energy above the modelled range")
        .field("source")
        .seen(num(src.max_energy_kev()))
        .expected("<= 60 keV");
  if (src.is_point() && !g.grid().contains(src.position()))
    throw Error::bad_input("source outside the phantom grid")
        .field("source position (LPS mm)")
        .seen(num(src.position().x) + "," + num(src.position().y) + "," + num(src.position().z))
        .expected("a point inside the grid");
  if (o.hybrid && !(src.is_point() && src.spectrum_of_point()))
    throw Error::bad_input("the hybrid mode needs a point source with a known spectrum")
        .field("hybrid")
        .seen(src.describe());
  if (o.first_scatter_split < 1 || o.first_scatter_split > 64)
    throw Error::bad_input("first-scatter split out of range")
        .field("first_scatter_split")
        .seen(std::to_string(o.first_scatter_split))
        .expected("1 to 64 photons");
  if (o.hybrid && !(o.hybrid_spectrum_bin_kev > 0 && o.hybrid_spectrum_bin_kev <= 60))
    throw Error::bad_input("hybrid spectrum bin out of range")
        .field("hybrid_spectrum_bin_kev")
        .seen(num(o.hybrid_spectrum_bin_kev))
        .expected("> 0 and <= 60 keV");
  if (o.dose_to_water && !o.water)
    throw Error::internal("dose to water requested without water's cross sections");
  const auto& radii = o.shell_radii_mm;
  for (std::size_t i = 0; i < radii.size(); ++i)
    if (!(radii[i] >= 0) || (i > 0 && !(radii[i] > radii[i - 1])))
      throw Error::bad_input("shell radii must be >= 0 and increasing")
          .field("shell_radii_mm[" + std::to_string(i) + "]")
          .seen(num(radii[i]));
  const auto& ce = o.shell_cos_edges;
  if (ce.size() < 2 || ce.size() > 64 || ce.front() != -1.0 || ce.back() != 1.0 ||
      !std::is_sorted(ce.begin(), ce.end()) || std::adjacent_find(ce.begin(), ce.end()) != ce.end())
    throw Error::bad_input("polar bin edges must rise strictly from -1 to 1 (at most 64)")
        .field("shell_cos_edges");
  if (!(norm(o.shell_axis) > 0)) throw Error::bad_input("shell axis is zero").field("shell_axis");
  const auto& ee = o.shell_energy_edges_kev;
  for (std::size_t i = 1; i < ee.size(); ++i)
    if (!(ee[i] > ee[i - 1]))
      throw Error::bad_input("energy bin edges must increase").field("shell_energy_edges_kev");
  const std::size_t bins = std::max<std::size_t>(radii.size(), 1) * (ce.size() - 1) *
                           std::max<std::size_t>(ee.size(), 1);
  if (bins > kMaxShellBins)
    throw Error::bad_input("too many shell tally bins (radii x polar bins x energy bins)")
        .field("shell_radii_mm")
        .seen(std::to_string(bins))
        .expected("at most " + std::to_string(kMaxShellBins));
}

}  // namespace kiort
