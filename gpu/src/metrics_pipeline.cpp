#include "metrics_pipeline.h"

#include "counters.h"

#include <phaseforge/gpu/memory.h>

#include <cmath>
#include <utility>

namespace pf::gpu::detail {

namespace {
/// Metric records in flight at most before the host waits for the oldest.
constexpr int kSlots = 256;
} // namespace

MetricsPipeline::MetricsPipeline(int starts, double sumMeasuredSquared)
    : m_starts(starts), m_sumMeasuredSquared(sumMeasuredSquared),
      m_host(std::size_t(kSlots) * 4 * std::size_t(starts)), m_events(kSlots),
      m_iteration(kSlots, 0) {
    for (int i = kSlots - 1; i >= 0; --i)
        m_free.push_back(i);
}

void MetricsPipeline::enqueue(const double* deviceSlots, long long iteration, cudaStream_t stream) {
    if (m_free.empty())
        drain(false);
    if (m_free.empty()) {
        // Every slot still in flight: wait for the oldest (rare: 256 records behind).
        count(counters().synchronisations);
        PF_CUDA_CHECK(cudaEventSynchronize(m_events[std::size_t(m_inFlight.front())].get()));
        drain(false);
    }
    const int index = m_free.back();
    m_free.pop_back();
    const std::size_t stride = 4 * std::size_t(m_starts);
    download(m_host.data() + std::size_t(index) * stride, deviceSlots, stride * sizeof(double),
             stream);
    PF_CUDA_CHECK(cudaEventRecord(m_events[std::size_t(index)].get(), stream));
    m_iteration[std::size_t(index)] = iteration;
    m_inFlight.push_back(index);
}

void MetricsPipeline::convert(int index) {
    const std::size_t K = std::size_t(m_starts);
    const double* v = m_host.data() + std::size_t(index) * 4 * K;
    for (std::size_t k = 0; k < K; ++k)
        m_ready.push_back(metricsRecord(m_iteration[std::size_t(index)], int(k), v[2 * K + k],
                                        m_sumMeasuredSquared, v[2 * k], v[2 * k + 1],
                                        (long long)std::llround(v[3 * K + k])));
}

void MetricsPipeline::drain(bool wait) {
    while (!m_inFlight.empty()) {
        const int index = m_inFlight.front();
        const cudaEvent_t e = m_events[std::size_t(index)].get();
        cudaError_t status = cudaEventQuery(e);
        if (status == cudaErrorNotReady) {
            if (!wait)
                return;
            count(counters().synchronisations);
            status = cudaEventSynchronize(e);
        }
        PF_CUDA_CHECK(status);
        convert(index);
        m_inFlight.pop_front();
        m_free.push_back(index);
    }
}

std::vector<MetricsRecord> MetricsPipeline::take() { return std::exchange(m_ready, {}); }

} // namespace pf::gpu::detail
