// The CPU engine: single-precision FFTW with threads, R2C/C2R (Hermitian) form.
#pragma once

#include "phaseforge/engine.h"

#include <memory>

namespace pf {

class FftwEngine final : public Engine {
public:
    enum class PlanEffort { Estimate, Measure };

    /// threads <= 0: all hardware threads.
    explicit FftwEngine(int threads = 0, PlanEffort effort = PlanEffort::Measure);
    ~FftwEngine() override;

    EngineInfo info() const override;
    void load(const Problem& problem, std::span<const InitialGuess> starts) override;
    int startCount() const override;
    Shape shape() const override;
    long long iteration() const override;
    void iterate(const Step& step, int count) override;
    void setSupport(const Mask& support) override;
    void shrinkWrap(float sigma, float threshold) override;
    void setMetricsInterval(int every) override;
    std::vector<MetricsRecord> takeMetrics() override;
    void finish() override {}
    void readIterate(int start, std::span<float> out) override;
    void readSupport(int start, Mask& out) override;
    void publish(int start, DisplayTarget& target) override;

private:
    struct State;
    std::unique_ptr<State> m;
    int m_threads;
    PlanEffort m_effort;
};

} // namespace pf
