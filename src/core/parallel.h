// parallel_for: split an index range into chunks and run them on std::threads.
// Results must not depend on the thread count: a body computes each index independently (kiort's
// Monte Carlo keys its random numbers by history index, never by thread).
#pragma once

#include <cstddef>
#include <functional>

namespace kiort {

// Number of hardware threads (>= 1).
unsigned default_thread_count();

// Calls body(chunk_begin, chunk_end, worker) for disjoint chunks covering [begin, end), on
// `threads` workers (0: all cores). Chunks are handed out dynamically; `grain` is the chunk size
// (0: a size that gives each worker about 16 chunks). The first exception thrown by a body is
// rethrown in the caller after all workers have stopped; remaining chunks are then skipped.
void parallel_for(std::size_t begin, std::size_t end,
                  const std::function<void(std::size_t, std::size_t, unsigned)>& body,
                  unsigned threads = 0, std::size_t grain = 0);

}  // namespace kiort
