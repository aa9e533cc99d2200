// IAEA-format phase-space files (Capote et al. 2006, IAEA INDC(NDS)-0484: "Phase-space database
// for external beam radiotherapy"), the format in which published probe models are shared: a text
// header (<stem>.IAEAheader) and fixed-length binary records (<stem>.IAEAphsp). kiort reads the
// photons of such a file as an alternative to its own virtual source: each record gives energy
// (MeV), position (cm) and direction cosines in the probe's frame (origin at the source, +z the
// probe's forward axis), which a PhaseSpaceSource places at a dwell position in the patient.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "source/photon_source.h"

namespace kiort {

struct IaeaHeader {
  std::filesystem::path file;
  std::string title;
  int record_length = 0;
  int byte_order = 1234;             // 1234 little endian, 4321 big endian
  std::array<bool, 7> stored{};      // X, Y, Z, U, V, W, weight
  std::array<double, 7> constant{};  // value for an item that is not stored
  int extra_floats = 0, extra_longs = 0;
  std::uint64_t particles = 0, photons = 0;
  std::uint64_t original_histories = 0;   // 0 when the header does not say
  std::optional<std::uint64_t> checksum;  // $CHECKSUM: the data file's size in bytes
};

// Parses a .IAEAheader; throws Error(bad input) naming the file and the block ($RECORD_LENGTH...)
// that is missing or inconsistent (a record length that does not match the contents).
IaeaHeader read_iaea_header(const std::filesystem::path& header_file);

struct PhaseSpacePhoton {
  float e_kev;
  float x_mm, y_mm, z_mm;
  float u, v, w;
  float weight;
};

struct PhaseSpace {
  IaeaHeader header;
  std::vector<PhaseSpacePhoton> photons;  // photons only; other particles are counted and dropped
  std::uint64_t other_particles = 0;
  std::uint64_t new_histories = 0;  // records that open a history (negative energy)
  double total_weight = 0;
  double mean_energy_kev() const;
};

// Reads <stem>.IAEAheader and <stem>.IAEAphsp; `path` may name either file or the stem. At most
// max_photons photons are kept (0: all). Throws Error(bad input): a data file whose size is not a
// whole number of records, a size or particle count that contradicts the header, an unknown
// particle code, a non-finite or out-of-range value (named by record number).
PhaseSpace read_iaea_phase_space(const std::filesystem::path& path, std::uint64_t max_photons = 0);

// Writes a phase space (photons, all of X..weight stored, little endian) — for tests and for
// exporting kiort's virtual source to other codes. Atomic.
void write_iaea_phase_space(const std::filesystem::path& stem,
                            const std::vector<PhaseSpacePhoton>& photons,
                            std::uint64_t original_histories, const std::string& title);

// A phase space placed at a dwell position: records are drawn uniformly with replacement and
// carry their weights; coordinates rotate from the probe frame (+z forward) into LPS.
class PhaseSpaceSource : public PhotonSource {
 public:
  PhaseSpaceSource(const PhaseSpace& phsp, Vec3 tip_lps, Vec3 axis_lps);
  Photon sample(Philox& rng) const override;
  double max_energy_kev() const override { return max_e_; }
  double mean_energy_kev() const override { return mean_e_; }
  std::string describe() const override;

 private:
  const PhaseSpace* phsp_;
  Vec3 tip_;
  Mat3 rot_;  // probe frame -> LPS
  double max_e_ = 0, mean_e_ = 0;
};

}  // namespace kiort
