// Device memory, streams and transfers without any CUDA type in sight.
// Every allocation and copy made here is counted in pf::gpu::stats().
#pragma once

#include <cstddef>
#include <utility>

namespace pf::gpu {

/// Allocates `bytes` of device memory on the current device with cudaMalloc
/// (never managed memory). Throws pf::EngineError naming the request and the
/// free device memory when it fails. Zero bytes returns nullptr.
void* deviceAllocate(std::size_t bytes);
/// Frees memory from deviceAllocate(); nullptr is ignored. Never throws.
void deviceFree(void* pointer) noexcept;

/// Free and total device memory in bytes (cudaMemGetInfo).
struct DeviceMemoryInfo {
    std::size_t freeBytes = 0;
    std::size_t totalBytes = 0;
};
DeviceMemoryInfo deviceMemoryInfo();

/// An owning, move-only array of T in device memory. Copying is deleted to
/// prevent performance accidents: a device copy is always an explicit call.
template <class T> class DeviceBuffer {
public:
    DeviceBuffer() = default;
    explicit DeviceBuffer(std::size_t count)
        : m_data(static_cast<T*>(deviceAllocate(count * sizeof(T)))), m_count(count) {}
    ~DeviceBuffer() { deviceFree(m_data); }

    DeviceBuffer(const DeviceBuffer&) = delete;
    DeviceBuffer& operator=(const DeviceBuffer&) = delete;
    DeviceBuffer(DeviceBuffer&& other) noexcept
        : m_data(std::exchange(other.m_data, nullptr)), m_count(std::exchange(other.m_count, 0)) {}
    DeviceBuffer& operator=(DeviceBuffer&& other) noexcept {
        if (this != &other) {
            deviceFree(m_data);
            m_data = std::exchange(other.m_data, nullptr);
            m_count = std::exchange(other.m_count, 0);
        }
        return *this;
    }

    T* data() { return m_data; }
    const T* data() const { return m_data; }
    std::size_t size() const { return m_count; }
    std::size_t bytes() const { return m_count * sizeof(T); }
    bool empty() const { return m_count == 0; }

private:
    T* m_data = nullptr;
    std::size_t m_count = 0;
};

/// An owning CUDA stream (non-blocking). handle() is the cudaStream_t.
class Stream {
public:
    Stream();
    ~Stream();
    Stream(const Stream&) = delete;
    Stream& operator=(const Stream&) = delete;
    Stream(Stream&& other) noexcept : m_handle(std::exchange(other.m_handle, nullptr)) {}
    Stream& operator=(Stream&& other) noexcept;

    void* handle() const { return m_handle; }
    /// Blocks until all work on the stream has finished (counted).
    void synchronize() const;

private:
    void* m_handle = nullptr;
};

/// Stream-ordered copies (cudaMemcpyAsync); `stream` is a cudaStream_t or
/// nullptr for the legacy default stream. Counted in stats().
void upload(void* deviceDst, const void* hostSrc, std::size_t bytes, void* stream);
void download(void* hostDst, const void* deviceSrc, std::size_t bytes, void* stream);
void copyOnDevice(void* deviceDst, const void* deviceSrc, std::size_t bytes, void* stream);
/// Blocks until `stream` is idle (counted as a synchronisation).
void synchronize(void* stream);

} // namespace pf::gpu
