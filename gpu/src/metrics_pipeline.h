// The metrics records of the CUDA engine on their way to the host: each
// recorded iteration's sums are copied into pinned host memory with an event,
// and take() converts those whose event has passed, so the host never waits
// for the device (except when every slot is still in flight). Internal.
#pragma once

#include "cuda_resources.h"

#include <phaseforge/projections.h>

#include <deque>
#include <vector>

namespace pf::gpu::detail {

class MetricsPipeline {
public:
    MetricsPipeline() = default;
    /// Slots for `starts` starts; `sumMeasuredSquared` completes the Fourier error.
    MetricsPipeline(int starts, double sumMeasuredSquared);

    /// Enqueues the copy of the 4K sums at `deviceSlots` (EngineState::slot)
    /// for iteration `iteration` on `stream`.
    void enqueue(const double* deviceSlots, long long iteration, cudaStream_t stream);
    /// Converts the records whose copy has arrived (all, waiting, when `wait`).
    void drain(bool wait);
    /// The records converted so far, in order; they are handed over once.
    std::vector<MetricsRecord> take();

private:
    void convert(int slot);

    int m_starts = 0;
    double m_sumMeasuredSquared = 0;
    PinnedBuffer<double> m_host;
    std::vector<Event> m_events;
    std::vector<long long> m_iteration;
    std::deque<int> m_inFlight; ///< FIFO order
    std::vector<int> m_free;
    std::vector<MetricsRecord> m_ready;
};

} // namespace pf::gpu::detail
