#include "phaseforge/gpu/memory.h"

#include "check.h"
#include "counters.h"

#include <string>

namespace pf::gpu {

using detail::count;
using detail::counters;

DeviceMemoryInfo deviceMemoryInfo() {
    DeviceMemoryInfo info;
    PF_CUDA_CHECK(cudaMemGetInfo(&info.freeBytes, &info.totalBytes));
    return info;
}

void* deviceAllocate(std::size_t bytes) {
    if (bytes == 0)
        return nullptr;
    void* p = nullptr;
    const cudaError_t status = cudaMalloc(&p, bytes);
    if (status != cudaSuccess) {
        (void)cudaGetLastError(); // clear the sticky-free allocation error
        std::size_t freeBytes = 0, totalBytes = 0;
        (void)cudaMemGetInfo(&freeBytes, &totalBytes);
        throw EngineError("cudaMalloc of " + std::to_string(bytes) + " bytes failed (" +
                          cudaGetErrorName(status) + "); " + std::to_string(freeBytes) +
                          " bytes free of " + std::to_string(totalBytes));
    }
    count(counters().allocations);
    return p;
}

void deviceFree(void* pointer) noexcept {
    if (!pointer)
        return;
    PF_CUDA_CHECK_NOTHROW(cudaFree(pointer));
    count(counters().frees);
}

Stream::Stream() {
    cudaStream_t s = nullptr;
    PF_CUDA_CHECK(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));
    m_handle = s;
}

Stream::~Stream() {
    if (m_handle)
        PF_CUDA_CHECK_NOTHROW(cudaStreamDestroy(static_cast<cudaStream_t>(m_handle)));
}

Stream& Stream::operator=(Stream&& other) noexcept {
    if (this != &other) {
        if (m_handle)
            PF_CUDA_CHECK_NOTHROW(cudaStreamDestroy(static_cast<cudaStream_t>(m_handle)));
        m_handle = std::exchange(other.m_handle, nullptr);
    }
    return *this;
}

void Stream::synchronize() const { gpu::synchronize(m_handle); }

void synchronize(void* stream) {
    count(counters().synchronisations);
    PF_CUDA_CHECK(cudaStreamSynchronize(static_cast<cudaStream_t>(stream)));
}

void upload(void* dst, const void* src, std::size_t bytes, void* stream) {
    if (bytes == 0)
        return;
    count(counters().hostToDeviceCopies);
    count(counters().hostToDeviceBytes, bytes);
    PF_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyHostToDevice,
                                  static_cast<cudaStream_t>(stream)));
}

void download(void* dst, const void* src, std::size_t bytes, void* stream) {
    if (bytes == 0)
        return;
    count(counters().deviceToHostCopies);
    count(counters().deviceToHostBytes, bytes);
    PF_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToHost,
                                  static_cast<cudaStream_t>(stream)));
}

void copyOnDevice(void* dst, const void* src, std::size_t bytes, void* stream) {
    if (bytes == 0)
        return;
    count(counters().deviceToDeviceCopies);
    PF_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice,
                                  static_cast<cudaStream_t>(stream)));
}

} // namespace pf::gpu
