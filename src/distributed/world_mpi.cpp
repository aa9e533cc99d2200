// The world of a build with MPI. Tallies are summed as pairs of 64-bit words holding one 128-bit
// integer, with a user operation (integer addition: exact, so the reduction order is irrelevant).
#include <mpi.h>

#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>

#include "core/error.h"
#include "distributed/world.h"

namespace kiort {
namespace {

// A launcher's mark in the environment: Open MPI's mpirun, PMIx (Open MPI, srun --mpi=pmix),
// PMI (MPICH's hydra, srun --mpi=pmi2).
bool launched_by_mpi() {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"})
    if (std::getenv(v)) return true;
  return false;
}

void add_int128(void* in, void* inout, int* len, MPI_Datatype*) {
  auto* a = static_cast<const Int128*>(in);
  auto* b = static_cast<Int128*>(inout);
  for (int i = 0; i < *len; ++i) b[i] += a[i];
}

void check(int rc, const char* what) {
  if (rc != MPI_SUCCESS) throw Error::internal(std::string("MPI: ") + what + " failed");
}

class MpiWorld final : public World {
 public:
  MpiWorld(int* argc, char*** argv) {
    check(MPI_Init(argc, argv), "MPI_Init");
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
    MPI_Type_contiguous(int(sizeof(Int128)), MPI_BYTE, &int128_);
    MPI_Type_commit(&int128_);
    MPI_Op_create(&add_int128, 1, &add_);
    char version[MPI_MAX_LIBRARY_VERSION_STRING];
    int len = 0;
    MPI_Get_library_version(version, &len);
    std::string v(version, std::size_t(len));
    v = v.substr(0, v.find(','));
    describe_ = "MPI (" + v + "), " + std::to_string(size_) + " ranks";
  }
  ~MpiWorld() override {
    MPI_Op_free(&add_);
    MPI_Type_free(&int128_);
    MPI_Finalize();
  }
  int rank() const override { return rank_; }
  int size() const override { return size_; }
  void sum(std::span<Int128> data) const override {
    // In pieces below MPI's int count limit.
    constexpr std::size_t kPiece = std::size_t(1) << 24;
    for (std::size_t at = 0; at < data.size(); at += kPiece) {
      const int n = int(std::min(kPiece, data.size() - at));
      check(MPI_Allreduce(MPI_IN_PLACE, data.data() + at, n, int128_, add_, MPI_COMM_WORLD),
            "MPI_Allreduce");
    }
  }
  bool agree(bool rank0_value) const override {
    int v = rank0_value ? 1 : 0;
    check(MPI_Bcast(&v, 1, MPI_INT, 0, MPI_COMM_WORLD), "MPI_Bcast");
    return v != 0;
  }
  void abort(int code) const override {
    if (size_ > 1) MPI_Abort(MPI_COMM_WORLD, code);
  }
  const char* describe() const override { return describe_.c_str(); }

 private:
  int rank_ = 0, size_ = 1;
  MPI_Datatype int128_{};
  MPI_Op add_{};
  std::string describe_;
};

}  // namespace

std::unique_ptr<World> open_world(int* argc, char*** argv) {
  if (!launched_by_mpi()) return std::make_unique<World>();
  return std::make_unique<MpiWorld>(argc, argv);
}

bool built_with_mpi() {
  return true;
}

}  // namespace kiort
