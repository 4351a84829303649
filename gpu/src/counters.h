// The process-wide counters behind pf::gpu::stats(). Internal to gpu/src.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace pf::gpu::detail {

struct Counters {
    std::atomic<std::uint64_t> hostToDeviceCopies{0};
    std::atomic<std::uint64_t> hostToDeviceBytes{0};
    std::atomic<std::uint64_t> deviceToHostCopies{0};
    std::atomic<std::uint64_t> deviceToHostBytes{0};
    std::atomic<std::uint64_t> deviceToDeviceCopies{0};
    std::atomic<std::uint64_t> allocations{0};
    std::atomic<std::uint64_t> frees{0};
    std::atomic<std::uint64_t> kernelLaunches{0};
    std::atomic<std::uint64_t> graphLaunches{0};
    std::atomic<std::uint64_t> graphCaptures{0};
    std::atomic<std::uint64_t> synchronisations{0};
};

Counters& counters();

/// While a CUDA graph is being captured on this thread, launches are not run,
/// so they are tallied here instead of counted; each replay then counts the
/// captured launches again (see CaptureTally).
struct CaptureTally {
    bool active = false;
    std::uint64_t kernelLaunches = 0;
};
CaptureTally& captureTally();

/// Relaxed increment: the totals are exact, the order between counters is not.
inline void count(std::atomic<std::uint64_t>& c, std::uint64_t n = 1) {
    c.fetch_add(n, std::memory_order_relaxed);
}

/// Counts one kernel launch (or tallies it while capturing a graph).
inline void countLaunch(std::uint64_t n = 1) {
    auto& t = captureTally();
    if (t.active)
        t.kernelLaunches += n;
    else
        count(counters().kernelLaunches, n);
}

} // namespace pf::gpu::detail
