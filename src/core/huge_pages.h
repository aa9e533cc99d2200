// An allocator for large arrays that photons walk through at random (tallies, the voxel
// phantom): 2 MiB pages where the kernel offers them (transparent huge pages on madvise). A photon
// crossing voxels touches memory megabytes apart; with 4 KiB pages most new voxels would also
// miss the TLB. Arrays under 4 MiB get ordinary, cache-line aligned memory. Only a hint: where
// huge pages are unavailable nothing changes but speed.
#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <cstdlib>
#include <new>

namespace kiort {

template <class T>
struct HugePageAllocator {
  using value_type = T;
  HugePageAllocator() = default;
  template <class U>
  HugePageAllocator(const HugePageAllocator<U>&) {}
  static constexpr std::size_t kHuge = std::size_t(2) << 20;
  T* allocate(std::size_t n) {
    const std::size_t bytes = n * sizeof(T);
    const std::size_t align = bytes >= 2 * kHuge ? kHuge : 64;
    const std::size_t size = (bytes + align - 1) / align * align;
    void* p = std::aligned_alloc(align, size);
    if (!p) throw std::bad_alloc();
    if (align == kHuge) madvise(p, size, MADV_HUGEPAGE);  // a hint; ignored where unsupported
    return static_cast<T*>(p);
  }
  void deallocate(T* p, std::size_t) { std::free(p); }
  template <class U>
  bool operator==(const HugePageAllocator<U>&) const {
    return true;
  }
};

}  // namespace kiort
