// RAII owners of CUDA runtime objects used by the engine: pinned host memory,
// events and instantiated graphs. Internal to gpu/src.
#pragma once

#include "check.h"

#include <cstddef>
#include <utility>

namespace pf::gpu::detail {

/// Page-locked host memory (cudaHostAlloc), so that device->host copies run
/// asynchronously.
template <class T> class PinnedBuffer {
public:
    PinnedBuffer() = default;
    explicit PinnedBuffer(std::size_t count) : m_count(count) {
        void* p = nullptr;
        PF_CUDA_CHECK(cudaHostAlloc(&p, count * sizeof(T), cudaHostAllocDefault));
        m_data = static_cast<T*>(p);
    }
    ~PinnedBuffer() {
        if (m_data)
            PF_CUDA_CHECK_NOTHROW(cudaFreeHost(m_data));
    }
    PinnedBuffer(const PinnedBuffer&) = delete;
    PinnedBuffer& operator=(const PinnedBuffer&) = delete;
    PinnedBuffer(PinnedBuffer&& o) noexcept
        : m_data(std::exchange(o.m_data, nullptr)), m_count(std::exchange(o.m_count, 0)) {}
    PinnedBuffer& operator=(PinnedBuffer&& o) noexcept {
        std::swap(m_data, o.m_data);
        std::swap(m_count, o.m_count);
        return *this;
    }
    T* data() { return m_data; }
    std::size_t size() const { return m_count; }

private:
    T* m_data = nullptr;
    std::size_t m_count = 0;
};

/// A timing-free event.
class Event {
public:
    Event() { PF_CUDA_CHECK(cudaEventCreateWithFlags(&m_event, cudaEventDisableTiming)); }
    ~Event() {
        if (m_event)
            PF_CUDA_CHECK_NOTHROW(cudaEventDestroy(m_event));
    }
    Event(const Event&) = delete;
    Event& operator=(const Event&) = delete;
    Event(Event&& o) noexcept : m_event(std::exchange(o.m_event, nullptr)) {}
    Event& operator=(Event&&) = delete;
    cudaEvent_t get() const { return m_event; }

private:
    cudaEvent_t m_event = nullptr;
};

/// An instantiated CUDA graph and how many kernels one replay runs.
class GraphExec {
public:
    GraphExec() = default;
    GraphExec(cudaGraphExec_t exec, unsigned long long launches)
        : m_exec(exec), m_launches(launches) {}
    ~GraphExec() {
        if (m_exec)
            PF_CUDA_CHECK_NOTHROW(cudaGraphExecDestroy(m_exec));
    }
    GraphExec(const GraphExec&) = delete;
    GraphExec& operator=(const GraphExec&) = delete;
    GraphExec(GraphExec&& o) noexcept
        : m_exec(std::exchange(o.m_exec, nullptr)), m_launches(o.m_launches) {}
    GraphExec& operator=(GraphExec&& o) noexcept {
        std::swap(m_exec, o.m_exec);
        std::swap(m_launches, o.m_launches);
        return *this;
    }
    cudaGraphExec_t get() const { return m_exec; }
    unsigned long long launches() const { return m_launches; }

private:
    cudaGraphExec_t m_exec = nullptr;
    unsigned long long m_launches = 0;
};

/// Makes `device` the calling thread's current device for its lifetime and
/// restores the previous one after: every public CudaEngine call runs under
/// one, so engines on different devices can share a thread.
class DeviceGuard {
public:
    explicit DeviceGuard(int device) {
        PF_CUDA_CHECK(cudaGetDevice(&m_previous));
        if (m_previous != device)
            PF_CUDA_CHECK(cudaSetDevice(device));
        m_device = device;
    }
    ~DeviceGuard() {
        if (m_previous != m_device)
            PF_CUDA_CHECK_NOTHROW(cudaSetDevice(m_previous));
    }
    DeviceGuard(const DeviceGuard&) = delete;
    DeviceGuard& operator=(const DeviceGuard&) = delete;

private:
    int m_previous = 0;
    int m_device = 0;
};

/// Ends a stream capture on every path, so an exception thrown while
/// capturing never leaves the stream in capture mode.
class CaptureGuard {
public:
    explicit CaptureGuard(cudaStream_t stream);
    ~CaptureGuard();
    CaptureGuard(const CaptureGuard&) = delete;
    CaptureGuard& operator=(const CaptureGuard&) = delete;
    /// Ends the capture and instantiates the graph.
    GraphExec finish();

private:
    cudaStream_t m_stream;
    bool m_open = true;
};

} // namespace pf::gpu::detail
