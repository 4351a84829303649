#include "phaseforge/gpu/stats.h"

#include "counters.h"

namespace pf::gpu {

namespace detail {
Counters& counters() {
    static Counters c;
    return c;
}
CaptureTally& captureTally() {
    thread_local CaptureTally t;
    return t;
}
} // namespace detail

Stats stats() {
    const auto& c = detail::counters();
    constexpr auto r = std::memory_order_relaxed;
    Stats s;
    s.hostToDeviceCopies = c.hostToDeviceCopies.load(r);
    s.hostToDeviceBytes = c.hostToDeviceBytes.load(r);
    s.deviceToHostCopies = c.deviceToHostCopies.load(r);
    s.deviceToHostBytes = c.deviceToHostBytes.load(r);
    s.deviceToDeviceCopies = c.deviceToDeviceCopies.load(r);
    s.allocations = c.allocations.load(r);
    s.frees = c.frees.load(r);
    s.kernelLaunches = c.kernelLaunches.load(r);
    s.graphLaunches = c.graphLaunches.load(r);
    s.graphCaptures = c.graphCaptures.load(r);
    s.synchronisations = c.synchronisations.load(r);
    return s;
}

void resetStats() {
    auto& c = detail::counters();
    for (auto* a : {&c.hostToDeviceCopies, &c.hostToDeviceBytes, &c.deviceToHostCopies,
                    &c.deviceToHostBytes, &c.deviceToDeviceCopies, &c.allocations, &c.frees,
                    &c.kernelLaunches, &c.graphLaunches, &c.graphCaptures, &c.synchronisations})
        a->store(0, std::memory_order_relaxed);
}

Stats operator-(const Stats& a, const Stats& b) {
    Stats d;
    d.hostToDeviceCopies = a.hostToDeviceCopies - b.hostToDeviceCopies;
    d.hostToDeviceBytes = a.hostToDeviceBytes - b.hostToDeviceBytes;
    d.deviceToHostCopies = a.deviceToHostCopies - b.deviceToHostCopies;
    d.deviceToHostBytes = a.deviceToHostBytes - b.deviceToHostBytes;
    d.deviceToDeviceCopies = a.deviceToDeviceCopies - b.deviceToDeviceCopies;
    d.allocations = a.allocations - b.allocations;
    d.frees = a.frees - b.frees;
    d.kernelLaunches = a.kernelLaunches - b.kernelLaunches;
    d.graphLaunches = a.graphLaunches - b.graphLaunches;
    d.graphCaptures = a.graphCaptures - b.graphCaptures;
    d.synchronisations = a.synchronisations - b.synchronisations;
    return d;
}

} // namespace pf::gpu
