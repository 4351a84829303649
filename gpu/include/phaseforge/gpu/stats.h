// Process-wide counters of device activity, so that a caller can prove that an
// iteration loop makes no host<->device copy, allocation or synchronisation.
#pragma once

#include <cstdint>

namespace pf::gpu {

/// A snapshot of the counters. Every CUDA engine and every function of
/// kernels.h / memory.h increments them (relaxed atomics: cheap, exact totals).
struct Stats {
    std::uint64_t hostToDeviceCopies = 0;
    std::uint64_t hostToDeviceBytes = 0;
    std::uint64_t deviceToHostCopies = 0;
    std::uint64_t deviceToHostBytes = 0;
    std::uint64_t deviceToDeviceCopies = 0;
    std::uint64_t allocations = 0;      ///< device allocations (cudaMalloc / cudaMallocAsync)
    std::uint64_t frees = 0;            ///< device frees
    std::uint64_t kernelLaunches = 0;   ///< our kernels, plus one per cuFFT execution
    std::uint64_t graphLaunches = 0;    ///< CUDA graph replays (each holds many kernels)
    std::uint64_t graphCaptures = 0;    ///< CUDA graphs captured and instantiated
    std::uint64_t synchronisations = 0; ///< host waits on the device (stream/event/device sync)
};

/// The counters now.
Stats stats();
/// Sets every counter to zero.
void resetStats();

/// `after - before`, field by field.
Stats operator-(const Stats& after, const Stats& before);

} // namespace pf::gpu
