#include "core/parallel.h"

#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <vector>

namespace kiort {
namespace {

TEST(ParallelFor, CoversEveryIndexExactlyOnce) {
  for (unsigned threads : {1u, 2u, 4u}) {
    std::vector<std::atomic<int>> hits(10007);
    parallel_for(
        3, hits.size(),
        [&](std::size_t b, std::size_t e, unsigned) {
          for (std::size_t i = b; i < e; ++i) hits[i]++;
        },
        threads, 13);
    for (std::size_t i = 0; i < hits.size(); ++i) EXPECT_EQ(hits[i].load(), i < 3 ? 0 : 1) << i;
  }
}

TEST(ParallelFor, EmptyRangeDoesNothing) {
  bool called = false;
  parallel_for(5, 5, [&](std::size_t, std::size_t, unsigned) { called = true; });
  EXPECT_FALSE(called);
}

TEST(ParallelFor, RethrowsWorkerException) {
  EXPECT_THROW(parallel_for(
                   0, 1000,
                   [](std::size_t b, std::size_t, unsigned) {
                     if (b >= 500) throw std::runtime_error("bad chunk");
                   },
                   2, 10),
               std::runtime_error);
}

}  // namespace
}  // namespace kiort
