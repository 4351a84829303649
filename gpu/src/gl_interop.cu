// CUDA-OpenGL interop for the live view (see gl_interop.h for the protocol).
#include "phaseforge/gpu/gl_interop.h"

#include "check.h"
#include "cuda_resources.h"
#include "launch.h"

#include <phaseforge/gpu/memory.h>
#include <phaseforge/log.h>

#include <cuda_gl_interop.h>
#include <cuda_runtime.h>

#include <atomic>
#include <cstring>
#include <mutex>
#include <optional>

namespace pf::gpu {

namespace {

// Floats mapped to unsigned integers whose order is the floats' order, so the
// range can be found with atomicMin/atomicMax.
__device__ unsigned int orderedBits(float v) {
    const unsigned int b = __float_as_uint(v);
    return (b & 0x80000000u) ? ~b : (b | 0x80000000u);
}

__device__ float fromOrderedBits(unsigned int b) {
    return __uint_as_float((b & 0x80000000u) ? (b & 0x7fffffffu) : ~b);
}

struct RangeParams {
    const float* values;  ///< the frame, `count` floats, device memory
    std::size_t count;    ///< pixels in the frame
    unsigned int* range;  ///< [0] = ordered minimum, [1] = ordered maximum (pre-set to ~0u, 0)
};

__global__ void finiteRangeKernel(RangeParams p) {
    unsigned int lo = 0xffffffffu, hi = 0u;
    for (std::size_t i = blockIdx.x * std::size_t(blockDim.x) + threadIdx.x; i < p.count;
         i += std::size_t(gridDim.x) * blockDim.x) {
        const float v = p.values[i];
        if (isfinite(v)) {
            const unsigned int b = orderedBits(v);
            lo = min(lo, b);
            hi = max(hi, b);
        }
    }
    // Reduce within the warp first: one atomic per warp, not per thread.
    for (int offset = 16; offset > 0; offset >>= 1) {
        lo = min(lo, __shfl_down_sync(0xffffffffu, lo, offset));
        hi = max(hi, __shfl_down_sync(0xffffffffu, hi, offset));
    }
    if ((threadIdx.x & 31) == 0 && lo <= hi) {
        atomicMin(&p.range[0], lo);
        atomicMax(&p.range[1], hi);
    }
}

struct ColormapParams {
    const float* values;        ///< the frame, rows × cols floats, device memory
    int rows;                   ///< frame height = texture height
    int cols;                   ///< frame width = texture width
    const unsigned int* range;  ///< ordered minimum and maximum from finiteRangeKernel
    const uchar4* colors;       ///< 256 colours, device memory
    cudaSurfaceObject_t target; ///< the mapped GL_RGBA8 texture
};

__global__ void colormapKernel(ColormapParams p) {
    const int c = blockIdx.x * blockDim.x + threadIdx.x;
    const int r = blockIdx.y * blockDim.y + threadIdx.y;
    if (r >= p.rows || c >= p.cols)
        return;
    float lo = 0.0f, hi = 0.0f;
    if (p.range[0] <= p.range[1]) {
        lo = fromOrderedBits(p.range[0]);
        hi = fromOrderedBits(p.range[1]);
    }
    // The same float operations, in the same order and without contraction,
    // as pf::ui::colourize on the host: both paths pick the same colour.
    const float scale = hi > lo ? __fdiv_rn(255.0f, __fsub_rn(hi, lo)) : 0.0f;
    const float v = p.values[std::size_t(r) * std::size_t(p.cols) + std::size_t(c)];
    uchar4 colour = make_uchar4(0, 0, 0, 0);
    if (isfinite(v)) {
        const float t = __fmul_rn(__fsub_rn(v, lo), scale);
        const int index = min(max(int(__fadd_rn(t, 0.5f)), 0), 255);
        colour = p.colors[index];
    }
    surf2Dwrite(colour, p.target, c * int(sizeof(uchar4)), r);
}

} // namespace

// One buffer of the pair: the frame and the two events that order its use.
struct DisplaySlot {
    DeviceBuffer<float> frame;
    detail::Event ready;    // recorded on the engine's stream after the copy in
    detail::Event readDone; // recorded on the GUI stream after the last read
};

struct GlInteropDisplay::State {
    std::mutex mutex;                // guards everything below except the atomics
    std::optional<DisplaySlot> slots[2];
    Shape shape;                     // of both slots
    int front = -1;                  // slot of the newest frame, -1 before the first
    std::atomic<std::uint64_t> serial{0};
    std::atomic<int> rows{0}, cols{0};

    std::optional<Stream> guiStream; // the GUI thread's own stream
    cudaGraphicsResource_t resource = nullptr;
    Shape textureShape;
    DeviceBuffer<unsigned int> range{};
    DeviceBuffer<std::uint32_t> colors{};
    std::uint32_t colorsOnDevice[256] = {};
    bool colorsValid = false;

    cudaStream_t gui() {
        if (!guiStream)
            guiStream.emplace();
        return static_cast<cudaStream_t>(guiStream->handle());
    }
};

GlInteropDisplay::GlInteropDisplay(DisplayTarget& hostTarget)
    : m(std::make_unique<State>()), m_host(hostTarget) {}

GlInteropDisplay::~GlInteropDisplay() {
    unregisterTexture();
    // Let every read and write of the slots finish before they are freed.
    for (auto& slot : m->slots)
        if (slot) {
            PF_CUDA_CHECK_NOTHROW(cudaEventSynchronize(slot->ready.get()));
            PF_CUDA_CHECK_NOTHROW(cudaEventSynchronize(slot->readDone.get()));
        }
    if (m->guiStream)
        PF_CUDA_CHECK_NOTHROW(cudaStreamSynchronize(m->gui()));
}

void GlInteropDisplay::acceptHostFrame(std::span<const float> object, Shape shape) {
    m_host.acceptHostFrame(object, shape);
}

void GlInteropDisplay::acceptDeviceFrame(const float* object, Shape shape, void* stream) {
    if (!object || shape.empty())
        throw InvalidArgument("gl interop: acceptDeviceFrame() needs a frame, got " +
                              shape.toString());
    const auto s = static_cast<cudaStream_t>(stream);
    std::lock_guard lock(m->mutex);
    if (shape != m->shape || !m->slots[0]) {
        // New size: the old buffers go once nobody reads or writes them.
        for (auto& slot : m->slots)
            if (slot) {
                PF_CUDA_CHECK(cudaEventSynchronize(slot->readDone.get()));
                PF_CUDA_CHECK(cudaEventSynchronize(slot->ready.get()));
            }
        for (auto& slot : m->slots) {
            slot.reset();
            slot.emplace(DisplaySlot{DeviceBuffer<float>(shape.size()), {}, {}});
        }
        m->shape = shape;
        m->front = -1;
        m->rows = shape.rows;
        m->cols = shape.cols;
    }
    const int back = m->front == 0 ? 1 : 0;
    DisplaySlot& slot = *m->slots[back];
    // The GUI may still be colouring from this buffer: the copy waits for it
    // on the device, the engine's thread does not wait at all.
    PF_CUDA_CHECK(cudaStreamWaitEvent(s, slot.readDone.get(), 0));
    copyOnDevice(slot.frame.data(), object, shape.size() * sizeof(float), stream);
    PF_CUDA_CHECK(cudaEventRecord(slot.ready.get(), s));
    m->front = back;
    m->serial.fetch_add(1);
}

std::uint64_t GlInteropDisplay::deviceSerial() const { return m->serial.load(); }

Shape GlInteropDisplay::deviceShape() const { return Shape{m->rows.load(), m->cols.load()}; }

void GlInteropDisplay::registerTexture(unsigned int texture, Shape shape) {
    unregisterTexture();
    if (shape.empty())
        throw InvalidArgument("gl interop: registerTexture() needs a size, got " + shape.toString());
    std::lock_guard lock(m->mutex);
    m->gui();
    cudaGraphicsResource_t resource = nullptr;
    PF_CUDA_CHECK(cudaGraphicsGLRegisterImage(&resource, texture, GL_TEXTURE_2D,
                                              cudaGraphicsRegisterFlagsSurfaceLoadStore |
                                                  cudaGraphicsRegisterFlagsWriteDiscard));
    m->resource = resource;
    m->textureShape = shape;
}

void GlInteropDisplay::unregisterTexture() noexcept {
    std::lock_guard lock(m->mutex);
    if (!m->resource)
        return;
    if (m->guiStream)
        PF_CUDA_CHECK_NOTHROW(cudaStreamSynchronize(m->gui()));
    PF_CUDA_CHECK_NOTHROW(cudaGraphicsUnregisterResource(m->resource));
    m->resource = nullptr;
    m->textureShape = {};
}

bool GlInteropDisplay::textureRegistered() const {
    std::lock_guard lock(m->mutex);
    return m->resource != nullptr;
}

bool GlInteropDisplay::drawLatest(const std::uint32_t* colors256) {
    std::lock_guard lock(m->mutex);
    if (!m->resource || m->front < 0 || m->shape != m->textureShape || !colors256)
        return false;
    const cudaStream_t gui = m->gui();
    DisplaySlot& slot = *m->slots[m->front];
    PF_CUDA_CHECK(cudaStreamWaitEvent(gui, slot.ready.get(), 0));

    if (m->range.empty())
        m->range = DeviceBuffer<unsigned int>(2);
    if (m->colors.empty())
        m->colors = DeviceBuffer<std::uint32_t>(256);
    if (!m->colorsValid || std::memcmp(m->colorsOnDevice, colors256, sizeof m->colorsOnDevice)) {
        std::memcpy(m->colorsOnDevice, colors256, sizeof m->colorsOnDevice);
        // From a member array that outlives the copy; a colour change is rare.
        upload(m->colors.data(), m->colorsOnDevice, sizeof m->colorsOnDevice, gui);
        m->colorsValid = true;
    }
    const std::size_t count = m->shape.size();
    PF_CUDA_CHECK(cudaMemsetAsync(m->range.data(), 0xff, sizeof(unsigned int), gui));
    PF_CUDA_CHECK(cudaMemsetAsync(m->range.data() + 1, 0x00, sizeof(unsigned int), gui));
    finiteRangeKernel<<<detail::blocksFor(count), detail::kBlockThreads, 0, gui>>>(
        RangeParams{slot.frame.data(), count, m->range.data()});
    PF_CUDA_CHECK_LAUNCH();

    PF_CUDA_CHECK(cudaGraphicsMapResources(1, &m->resource, gui));
    cudaSurfaceObject_t surface = 0;
    try {
        cudaArray_t array = nullptr;
        PF_CUDA_CHECK(cudaGraphicsSubResourceGetMappedArray(&array, m->resource, 0, 0));
        cudaResourceDesc desc{};
        desc.resType = cudaResourceTypeArray;
        desc.res.array.array = array;
        PF_CUDA_CHECK(cudaCreateSurfaceObject(&surface, &desc));
        const dim3 block(32, 8);
        const dim3 grid((unsigned(m->shape.cols) + block.x - 1) / block.x,
                        (unsigned(m->shape.rows) + block.y - 1) / block.y);
        colormapKernel<<<grid, block, 0, gui>>>(ColormapParams{
            slot.frame.data(), m->shape.rows, m->shape.cols, m->range.data(),
            reinterpret_cast<const uchar4*>(m->colors.data()), surface});
        PF_CUDA_CHECK_LAUNCH();
        PF_CUDA_CHECK(cudaEventRecord(slot.readDone.get(), gui));
    } catch (...) {
        if (surface)
            PF_CUDA_CHECK_NOTHROW(cudaDestroySurfaceObject(surface));
        PF_CUDA_CHECK_NOTHROW(cudaGraphicsUnmapResources(1, &m->resource, gui));
        throw;
    }
    PF_CUDA_CHECK(cudaDestroySurfaceObject(surface));
    // Unmapping orders GL's next use of the texture after the kernel.
    PF_CUDA_CHECK(cudaGraphicsUnmapResources(1, &m->resource, gui));
    return true;
}

bool GlInteropDisplay::copyLatest(std::span<float> out, Shape& shape) {
    std::unique_lock lock(m->mutex);
    if (m->front < 0 || out.size() < m->shape.size())
        return false;
    shape = m->shape;
    const cudaStream_t gui = m->gui();
    DisplaySlot& slot = *m->slots[m->front];
    PF_CUDA_CHECK(cudaStreamWaitEvent(gui, slot.ready.get(), 0));
    download(out.data(), slot.frame.data(), shape.size() * sizeof(float), gui);
    PF_CUDA_CHECK(cudaEventRecord(slot.readDone.get(), gui));
    lock.unlock();
    PF_CUDA_CHECK(cudaStreamSynchronize(gui));
    return true;
}

} // namespace pf::gpu
