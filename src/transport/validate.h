// The checks a transport problem passes before any history runs: a stop rule, energies and the
// cut-off in the modelled range, the source inside the grid, what the hybrid mode and the dose
// to water need, and well-formed, bounded shell tallies. Throws Error(bad input) naming the
// field; never runs anything.
#pragma once

#include "geometry/geometry.h"
#include "source/photon_source.h"
#include "transport/transport.h"

namespace kiort {

void validate_transport(const Geometry& g, const PhotonSource& src, const StopRules& stop,
                        const TransportOptions& o);

}  // namespace kiort
