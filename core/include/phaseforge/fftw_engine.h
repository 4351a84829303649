// The CPU engine: single-precision FFTW with threads, R2C/C2R (Hermitian) form.
#pragma once

#include "phaseforge/engine.h"

#include <complex>
#include <memory>
#include <span>

namespace pf {

/// The number of threads FFTW plans a transform of `shape` with when
/// `requested` are asked for (<= 0: every hardware thread). Transforms under
/// 512² pixels (fftw::kThreadedMinPixels) run on one thread: there threads
/// cost more than they save. FftwEngine and FftwTransforms both follow this
/// rule; below it FftwEngine runs its starts side by side instead, one start
/// per thread (the same bits as one thread running them in turn).
int fftwPlanThreads(Shape shape, int requested);

class FftwEngine final : public Engine {
public:
    enum class PlanEffort { Estimate, Measure };

    /// threads <= 0: all hardware threads.
    explicit FftwEngine(int threads = 0, PlanEffort effort = PlanEffort::Measure);
    ~FftwEngine() override;

    EngineInfo info() const override;
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
    void finish() override {}
    void readIterate(int start, std::span<float> out) override;
    void readSupport(int start, Mask& out) override;
    void setIterate(int start, std::span<const float> iterate) override;
    void publish(int start, DisplayTarget& target) override;

private:
    struct State;
    std::unique_ptr<State> m;
    int m_threads;
    PlanEffort m_effort;
};

/// A single-precision real-to-half-spectrum transform pair for one shape,
/// planned as FftwEngine plans its own: the same threads rule, planner effort,
/// SIMD-aligned out-of-place arrays and the process-wide planner lock. Within
/// one process FFTW's accumulated wisdom then hands both the same algorithm, so
/// their results agree bit for bit. Unnormalised in both directions.
///
/// Not thread-safe: one thread uses an instance at a time (the transforms run
/// through the instance's scratch arrays). Making and destroying instances is
/// safe from any thread.
class FftwTransforms {
public:
    /// threads as for FftwEngine (<= 0: every hardware thread), then
    /// fftwPlanThreads(). Throws InvalidArgument for an empty shape.
    explicit FftwTransforms(Shape shape, int threads = 0,
                            FftwEngine::PlanEffort effort = FftwEngine::PlanEffort::Measure);
    ~FftwTransforms();
    FftwTransforms(FftwTransforms&&) noexcept;
    FftwTransforms& operator=(FftwTransforms&&) noexcept;

    Shape shape() const;
    /// The threads the plans were made with.
    int threads() const;

    /// out = FFT(in): `in` holds shape().size() values, `out` shape().halfSize().
    /// `in` is not changed. Unaligned arrays go through the scratch arrays.
    void forward(std::span<const float> in, std::span<std::complex<float>> out);
    /// out = unnormalised IFFT(in) of a Hermitian half spectrum. `in` is not
    /// changed (FFTW's multi-dimensional c2r destroys its input, so the
    /// transform runs on a copy).
    void inverse(std::span<const std::complex<float>> in, std::span<float> out);

private:
    struct Plans;
    std::unique_ptr<Plans> m;
};

} // namespace pf
