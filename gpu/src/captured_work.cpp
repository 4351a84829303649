// Graph capture (CaptureGuard, for the engine), and CapturedWork and
// EventTimer: graphs and timing for callers outside gpu/src.
#include "phaseforge/gpu/kernels.h"

#include "counters.h"
#include "cuda_resources.h"

namespace pf::gpu {

namespace detail {

CaptureGuard::CaptureGuard(cudaStream_t stream) : m_stream(stream) {
    PF_CUDA_CHECK(cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal));
    auto& t = captureTally();
    t.active = true;
    t.kernelLaunches = 0;
}

CaptureGuard::~CaptureGuard() {
    captureTally().active = false;
    if (m_open) {
        cudaGraph_t graph = nullptr;
        (void)cudaStreamEndCapture(m_stream, &graph);
        if (graph)
            (void)cudaGraphDestroy(graph);
        (void)cudaGetLastError();
    }
}

GraphExec CaptureGuard::finish() {
    m_open = false;
    auto& t = captureTally();
    t.active = false;
    cudaGraph_t graph = nullptr;
    PF_CUDA_CHECK(cudaStreamEndCapture(m_stream, &graph));
    cudaGraphExec_t exec = nullptr;
    const cudaError_t status = cudaGraphInstantiate(&exec, graph, 0);
    (void)cudaGraphDestroy(graph);
    PF_CUDA_CHECK(status);
    count(counters().graphCaptures);
    return GraphExec(exec, t.kernelLaunches);
}

} // namespace detail

struct CapturedWork::Impl {
    detail::GraphExec graph;
};

CapturedWork::CapturedWork(void* stream, const std::function<void()>& enqueue)
    : m(std::make_unique<Impl>()) {
    detail::CaptureGuard capture(static_cast<cudaStream_t>(stream));
    enqueue();
    m->graph = capture.finish();
}

CapturedWork::~CapturedWork() = default;

void CapturedWork::launch(void* stream) {
    PF_CUDA_CHECK(cudaGraphLaunch(m->graph.get(), static_cast<cudaStream_t>(stream)));
    detail::count(detail::counters().graphLaunches);
    detail::countLaunch(m->graph.launches());
}

EventTimer::EventTimer() {
    cudaEvent_t a = nullptr, b = nullptr;
    PF_CUDA_CHECK(cudaEventCreate(&a));
    m_start = a;
    PF_CUDA_CHECK(cudaEventCreate(&b));
    m_stop = b;
}

EventTimer::~EventTimer() {
    if (m_start)
        PF_CUDA_CHECK_NOTHROW(cudaEventDestroy(static_cast<cudaEvent_t>(m_start)));
    if (m_stop)
        PF_CUDA_CHECK_NOTHROW(cudaEventDestroy(static_cast<cudaEvent_t>(m_stop)));
}

void EventTimer::start(void* stream) {
    PF_CUDA_CHECK(cudaEventRecord(static_cast<cudaEvent_t>(m_start), static_cast<cudaStream_t>(stream)));
}

void EventTimer::stop(void* stream) {
    PF_CUDA_CHECK(cudaEventRecord(static_cast<cudaEvent_t>(m_stop), static_cast<cudaStream_t>(stream)));
}

float EventTimer::elapsedMilliseconds() {
    detail::count(detail::counters().synchronisations);
    PF_CUDA_CHECK(cudaEventSynchronize(static_cast<cudaEvent_t>(m_stop)));
    float ms = 0;
    PF_CUDA_CHECK(cudaEventElapsedTime(&ms, static_cast<cudaEvent_t>(m_start),
                                       static_cast<cudaEvent_t>(m_stop)));
    return ms;
}

} // namespace pf::gpu
