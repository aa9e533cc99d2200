#include "core/parallel.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace kiort {

unsigned default_thread_count() { return std::max(1u, std::thread::hardware_concurrency()); }

void parallel_for(std::size_t begin, std::size_t end,
                  const std::function<void(std::size_t, std::size_t, unsigned)>& body,
                  unsigned threads, std::size_t grain) {
  if (end <= begin) return;
  const std::size_t n = end - begin;
  if (threads == 0) threads = default_thread_count();
  threads = static_cast<unsigned>(std::min<std::size_t>(threads, n));
  if (grain == 0) grain = std::max<std::size_t>(1, n / (std::size_t{threads} * 16));
  if (threads == 1) {
    for (std::size_t b = begin; b < end; b += grain) body(b, std::min(end, b + grain), 0);
    return;
  }
  std::atomic<std::size_t> next{begin};
  std::atomic<bool> failed{false};
  std::exception_ptr first_error;
  std::mutex error_mutex;
  auto worker = [&](unsigned id) {
    while (!failed.load(std::memory_order_relaxed)) {
      const std::size_t b = next.fetch_add(grain);
      if (b >= end) break;
      try {
        body(b, std::min(end, b + grain), id);
      } catch (...) {
        std::lock_guard lock(error_mutex);
        if (!first_error) first_error = std::current_exception();
        failed = true;
      }
    }
  };
  std::vector<std::thread> pool;
  pool.reserve(threads - 1);
  for (unsigned t = 1; t < threads; ++t) pool.emplace_back(worker, t);
  worker(0);
  for (auto& th : pool) th.join();
  if (first_error) std::rethrow_exception(first_error);
}

}  // namespace kiort
