// The CUDA engine: cuFFT in R2C/C2R (Hermitian) form with fused projection
// kernels, CUDA graphs for batches of iterations and device-side metrics.
// Same semantics as pf::FftwEngine (engine.h); no CUDA type in this header.
#pragma once

#include <phaseforge/engine.h>

#include <cstddef>
#include <memory>

namespace pf::gpu {

/// Device memory of one loaded problem, in bytes.
struct DeviceFootprint {
    std::size_t state = 0;    ///< g, g', half spectrum and support of every start
    std::size_t weights = 0;  ///< the Hermitian weights (shared by the starts)
    std::size_t fftWork = 0;  ///< cuFFT work areas
    std::size_t other = 0;    ///< metric slots
    std::size_t total() const { return state + weights + fftWork + other; }
};

/// An Engine on one CUDA device. Not thread-safe: one thread drives it. All
/// its work runs on its own stream; metrics come back through pinned memory
/// and events, so takeMetrics() never waits.
///
/// Per start it holds g and g' (4 bytes per pixel each), the half spectrum
/// (8·rows·(cols/2+1) bytes, also scratch for shrink-wrap and display) and a
/// support mask (1 byte per pixel); the weights add 16 bytes per half pixel
/// and cuFFT its work areas: about 17 bytes per pixel per start in all.
class CudaEngine final : public Engine {
public:
    /// Uses CUDA device `device`. Throws EngineError when it is not usable.
    explicit CudaEngine(int device = 0);
    ~CudaEngine() override;

    EngineInfo info() const override;
    /// Checks the free device memory first: a problem that does not fit throws
    /// EngineError stating the bytes needed and the bytes free, and leaves the
    /// engine unloaded with nothing allocated.
    void load(const Problem& problem, std::span<const InitialGuess> starts) override;
    int startCount() const override;
    Shape shape() const override;
    long long iteration() const override;
    void iterate(const Step& step, int count) override;
    void setSupport(const Mask& support) override;
    void setStartSupport(int start, const Mask& support) override;
    void shrinkWrap(float sigma, float threshold) override;
    void setMetricsInterval(int every) override;
    std::vector<MetricsRecord> takeMetrics() override;
    void finish() override;
    void readIterate(int start, std::span<float> out) override;
    void readSupport(int start, Mask& out) override;
    /// A pf::gpu::DeviceDisplayTarget gets a device pointer on the engine's
    /// stream (no host copy); any other target gets a host image.
    void publish(int start, DisplayTarget& target) override;

    /// The fused path (off by default): GS, ER and OO iterations that record
    /// no metrics run as two cuFFT executions whose LTO callbacks apply the
    /// rule (on load) and the magnitude projection (on store), with no other
    /// kernel: 12 fewer bytes per pixel moved. The arithmetic is the plain
    /// path's, but cuFFT may choose other kernels when callbacks are present,
    /// so the iterates agree with the plain path (and with the kernel-level
    /// API, which reproduces the plain path bit for bit) to float rounding.
    /// Takes effect from the next iteration; the JIT link of the callbacks
    /// happens when a fused plan is first needed (tens of milliseconds).
    /// Measured on an H100 (cuFFT of CUDA 13.0) it is SLOWER than the plain
    /// path (cuFFT's callback kernels), so it stays opt-in: see
    /// docs/gpu-engine.md and bench/results/gpu-engine.md.
    void setLtoCallbacks(bool on);
    bool ltoCallbacks() const { return m_lto; }
    /// Whether the loaded problem runs the fused path: false when it is off,
    /// or when cuFFT could not link the callbacks (a warning was logged).
    bool ltoActive() const;

    /// The two-pass path (stage 2, off by default): every algorithm runs as one
    /// row pass and one column pass per iteration over the half spectrum,
    /// with the engine's own shared-memory FFTs (gpu/src/two_pass.cu), about
    /// 20 bytes of memory traffic per pixel for GS. It applies when rows and
    /// cols are powers of two in 64..8192 (twoPassSupports() in fused_fft.h);
    /// other shapes keep the stage-1 path. The iterates agree with stage 1 to
    /// float rounding (other FFT algorithms), not bit for bit, so the
    /// kernel-level API stays the reference of the stage-1 path only. It takes
    /// precedence over setLtoCallbacks(). Takes effect from the next
    /// iteration; the first two-pass batch allocates its buffer (8 bytes per
    /// value of a rows × (cols/2+16) spectrum per start, plus a 64 KiB table).
    void setTwoPass(bool on);
    bool twoPass() const { return m_twoPass; }
    /// Whether the loaded problem runs the two-pass path.
    bool twoPassActive() const;

    /// The footprint of the loaded problem (zero before load()).
    DeviceFootprint footprint() const;
    /// The footprint a problem of `shape` with `starts` starts would need.
    static DeviceFootprint estimateFootprint(Shape shape, int starts);

    /// The engine's stream (a cudaStream_t).
    void* stream() const;
    /// Device pointers of start `start`'s g and g' (valid until the next load()).
    float* deviceIterate(int start);
    float* deviceFourierOutput(int start);

private:
    struct State;
    std::unique_ptr<State> m;
    int m_device = 0;
    bool m_lto = false;
    bool m_twoPass = false;
    std::string m_deviceName;
};

} // namespace pf::gpu
