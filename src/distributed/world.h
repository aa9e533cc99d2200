// The process world of a distributed run: MPI's when kiort was built with MPI and started by a
// launcher (mpirun, srun), else a single process. main() opens it once and hands it to what runs
// Monte Carlo; only rank 0 writes outputs. Never a global and never an exit(): errors on one rank
// abort the whole job through abort(), which main() calls.
#pragma once

#include <memory>

#include "core/collective.h"

namespace kiort {

class World : public Collective {
 public:
  // Ends the job on every rank with this exit code (MPI_Abort); a single process just returns.
  virtual void abort(int code) const { (void)code; }
  // "MPI (Open MPI 4.1.4), 2 ranks" or "single process".
  virtual const char* describe() const { return "single process"; }
};

// Opens the world: MPI_Init when a launcher started this process (its environment names a rank)
// and the build has MPI; else one process. MPI_Finalize runs when the returned object is destroyed.
std::unique_ptr<World> open_world(int* argc, char*** argv);

// Whether this build can run distributed (found MPI when it was configured).
bool built_with_mpi();

}  // namespace kiort
