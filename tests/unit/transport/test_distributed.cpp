// The engine's distributed path without MPI: "ranks" are threads of this test sharing a
// Collective whose sum meets at a barrier (what MPI_Allreduce does across processes). Any number
// of ranks must give the one-process result bit for bit, also when a sigma target stops the run.
#include <gtest/gtest.h>

#include <barrier>
#include <filesystem>
#include <mutex>
#include <thread>

#include "transport/problems.h"
#include "transport/transport.h"

namespace kiort {
namespace {

class ThreadRanks {
 public:
  explicit ThreadRanks(int n) : n_(n), barrier_(n) {}

  class Rank : public Collective {
   public:
    Rank(ThreadRanks& all, int rank) : all_(all), rank_(rank) {}
    int rank() const override { return rank_; }
    int size() const override { return all_.n_; }
    void sum(std::span<Int128> data) const override {
      if (rank_ == 0) all_.acc_.assign(data.size(), 0);
      all_.barrier_.arrive_and_wait();
      {
        const std::lock_guard lock(all_.m_);
        for (std::size_t i = 0; i < data.size(); ++i) all_.acc_[i] += data[i];
      }
      all_.barrier_.arrive_and_wait();
      std::copy(all_.acc_.begin(), all_.acc_.end(), data.begin());
      all_.barrier_.arrive_and_wait();
    }
    bool agree(bool rank0_value) const override {
      if (rank_ == 0) all_.flag_ = rank0_value;
      all_.barrier_.arrive_and_wait();
      const bool v = all_.flag_;
      all_.barrier_.arrive_and_wait();
      return v;
    }

   private:
    ThreadRanks& all_;
    int rank_;
  };

 private:
  int n_;
  std::barrier<> barrier_;
  std::mutex m_;
  std::vector<Int128> acc_;
  bool flag_ = false;
};

const MaterialXs& bone() {
  static const MaterialLibrary lib =
      MaterialLibrary::load(std::filesystem::path(KIORT_TEST_DATA_DIR) / "materials");
  static const MaterialXs xs(lib.get("cortical-bone"));
  return xs;
}

// Runs the problem on `ranks` ranks of one thread each; returns rank 0's result and checks that
// every rank returned the same dose.
TransportResult on_ranks(int ranks, const Geometry& g, const PhotonSource& src,
                         const StopRules& stop, TransportOptions o) {
  ThreadRanks all(ranks);
  std::vector<TransportResult> results;
  results.resize(std::size_t(ranks));
  std::vector<std::thread> threads;
  for (int r = 0; r < ranks; ++r)
    threads.emplace_back([&, r] {
      const ThreadRanks::Rank me(all, r);
      TransportOptions mine = o;
      mine.threads = 1;
      mine.world = &me;
      results[std::size_t(r)] = run_transport(g, src, stop, mine);
    });
  for (auto& t : threads) t.join();
  for (const auto& r : results) EXPECT_EQ(r.dose.value, results[0].dose.value);
  return results[0];
}

TEST(Distributed, RanksGiveTheThreadedResultBitForBit) {
  const Geometry g = make_box_problem(bone(), 13, 1);
  IsotropicPointSource src({0.2, -0.3, 0.1}, Spectrum::monoenergetic(30));
  StopRules stop;
  stop.target_sigma_rel = 0.03;
  stop.sigma_point = Vec3{3, 0, 0};
  TransportOptions o;
  o.seed = 11;
  o.analog = true;
  o.shell_radii_mm = {0, 2, 4, 6};
  o.threads = 2;
  const TransportResult threaded = run_transport(g, src, stop, o);
  ASSERT_EQ(threaded.stopped_by, "sigma");
  for (int ranks : {2, 3}) {
    const TransportResult d = on_ranks(ranks, g, src, stop, o);
    EXPECT_EQ(d.histories, threaded.histories) << ranks;
    EXPECT_EQ(d.dose.value, threaded.dose.value) << ranks;
    EXPECT_EQ(d.dose.sigma_rel, threaded.dose.sigma_rel) << ranks;
    EXPECT_EQ(d.analog_dose.value, threaded.analog_dose.value) << ranks;
    ASSERT_EQ(d.shells.size(), threaded.shells.size());
    for (std::size_t i = 0; i < d.shells.size(); ++i)
      EXPECT_EQ(d.shells[i].dose_gy_per_history, threaded.shells[i].dose_gy_per_history);
    EXPECT_EQ(d.balance.escaped, threaded.balance.escaped) << ranks;
  }
}

// The hybrid primary is shared out over the ranks too and gathered exactly.
TEST(Distributed, HybridWithDoseToWaterOnRanksBitForBit) {
  static const MaterialLibrary lib =
      MaterialLibrary::load(std::filesystem::path(KIORT_TEST_DATA_DIR) / "materials");
  static const MaterialXs water(lib.get("water"));
  const Geometry g = make_box_problem(bone(), 21, 1);
  IsotropicPointSource src({0.2, -0.3, 0.1}, Spectrum::monoenergetic(30));
  StopRules stop;
  stop.histories = 20000;
  TransportOptions o;
  o.seed = 3;
  o.hybrid = true;
  o.dose_to_water = true;
  o.water = &water;
  o.threads = 2;
  const TransportResult threaded = run_transport(g, src, stop, o);
  const TransportResult d = on_ranks(3, g, src, stop, o);
  EXPECT_EQ(d.dose.value, threaded.dose.value);
  EXPECT_EQ(d.dose.sigma_rel, threaded.dose.sigma_rel);
  EXPECT_EQ(d.dose_water.value, threaded.dose_water.value);
}

}  // namespace
}  // namespace kiort
