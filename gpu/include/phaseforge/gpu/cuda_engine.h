// The CUDA engine: the iteration on one device, by the fastest path measured
// for the shape (stage 1: cuFFT in R2C/C2R form with two element-wise
// kernels; two-pass: a row and a column pass with the engine's own FFTs), CUDA
// graphs for batches of iterations and device-side metrics. Same semantics as
// pf::FftwEngine (engine.h); no CUDA type in this header.
#pragma once

#include <phaseforge/engine.h>
#include <phaseforge/engine_factory.h>

#include <cstddef>
#include <memory>

namespace pf::gpu {

/// Device memory of one loaded problem, in bytes.
struct DeviceFootprint {
    std::size_t state = 0;    ///< g, g', half spectrum and support of every start
    std::size_t weights = 0;  ///< the Hermitian weights (shared by the starts)
    std::size_t fftWork = 0;  ///< cuFFT work areas
    std::size_t other = 0;    ///< metric slots, β, the two-pass twiddle table
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
    /// Uses CUDA device `device` (an index of the CUDA runtime's list).
    /// Throws EngineError when CUDA is not usable, InvalidArgument naming the
    /// index and the count when no such device exists.
    explicit CudaEngine(int device = 0);
    /// Device, path and tuning from the factory's options (engine_factory.h).
    explicit CudaEngine(const EngineOptions& options);
    ~CudaEngine() override;

    EngineInfo info() const override;
    /// Checks the free device memory first: a problem that does not fit throws
    /// EngineError stating the bytes needed and the bytes free, and leaves the
    /// engine unloaded with nothing allocated.
    void load(const Problem& problem, std::span<const InitialGuess> starts) override;
    void loadValidated(ProblemRef problem, std::span<const InitialGuess> starts) override;
    int startCount() const override;
    Shape shape() const override;
    long long iteration() const override;
    void iterate(const Step& step, int count) override;
    void setSupport(const Mask& support) override;
    void setStartSupport(int start, const Mask& support) override;
    void shrinkWrap(const ShrinkWrapUpdate& update) override;
    using Engine::shrinkWrap;
    void setMetricsInterval(int every) override;
    std::vector<MetricsRecord> takeMetrics() override;
    void finish() override;
    void readIterate(int start, std::span<float> out) override;
    void readSupport(int start, Mask& out) override;
    void setIterate(int start, std::span<const float> iterate) override;
    /// A pf::gpu::DeviceDisplayTarget gets a device pointer on the engine's
    /// stream (no host copy); any other target gets a host image.
    void publish(int start, DisplayTarget& target) override;
    /// The automatic support's fill on this device (autocorrelation_fill.cu).
    void fillAutocorrelation(const IntensityFill& fill, std::span<float> out) override;

    /// Which iteration runs (EngineOptions::path): Automatic (the default)
    /// picks the two-pass path where it was measured faster (power-of-two
    /// shapes in 64..8192; docs/gpu-engine.md) and stage 1 elsewhere;
    /// Stage1 and TwoPass force one (TwoPass only where the shape allows:
    /// rows and cols powers of two in 64..8192, twoPassSupports()). The two
    /// paths' iterates agree to float rounding, not bit for bit (other FFT
    /// algorithms); the kernel-level API reproduces stage 1 bit for bit.
    /// Takes effect from the next iteration.
    void setPath(CudaPath path);
    CudaPath path() const { return m_path; }
    /// setPath(TwoPass) when `on`, else setPath(Stage1).
    void setTwoPass(bool on) { setPath(on ? CudaPath::TwoPass : CudaPath::Stage1); }
    /// Launch-shape overrides of the two-pass path (benchmark sweeps, tests);
    /// take effect at the next load() or setPath().
    void setTwoPassTuning(const TwoPassTuning& tuning);
    /// Whether the loaded problem runs the two-pass path now.
    bool twoPassActive() const;
    /// The CUDA device index this engine uses.
    int device() const { return m_device; }

    /// The footprint of the loaded problem (zero before load()).
    DeviceFootprint footprint() const;
    /// The footprint a problem of `shape` with `starts` starts would need on
    /// `path` (the two-pass path adds its half spectrum X, 8·rows·(cols/2+16)
    /// bytes per start, and a twiddle table under 100 KiB).
    static DeviceFootprint estimateFootprint(Shape shape, int starts,
                                             CudaPath path = CudaPath::Automatic);

    /// The engine's stream (a cudaStream_t).
    void* stream() const;
    /// Device pointers of start `start`'s g and g' (valid until the next load()).
    float* deviceIterate(int start);
    float* deviceFourierOutput(int start);

private:
    struct State;
    void choosePath();
    std::unique_ptr<State> m;
    int m_device = 0;
    CudaPath m_path = CudaPath::Automatic;
    TwoPassTuning m_tuning;
    std::string m_deviceName;
};

} // namespace pf::gpu
