// Stage 1: per iteration the real-space rule (one kernel, in place in g),
// cuFFT's R2C, the Fourier-error sum on recorded iterations, the magnitude
// projection (one kernel) and cuFFT's C2R into g'. The kernel-level API
// (kernels.h) runs the same launches, so a loop written with it reproduces
// these iterates bit for bit.
#include "iteration_path.h"

#include "object_rule.h"

namespace pf::gpu::detail {

namespace {

class Stage1Path final : public IterationPath {
public:
    explicit Stage1Path(EngineState& state) : m_state(state) {}

    const char* name() const override { return "cuda"; }

    void enqueue(Rule rule, int length, bool record) override {
        EngineState& st = m_state;
        void* s = st.stream.handle();
        const int K = st.starts;
        for (int i = 0; i < length; ++i) {
            const bool sums = record && i == length - 1;
            if (sums)
                st.zeroSums();
            const ObjectParams p{st.g.data(),        st.gOut.data(), st.supportOrNull(),
                                 st.g.data(),        sums ? st.objectSums() : nullptr,
                                 (long long)st.n(),  1.0f,           st.beta.data()};
            launchObjectRule(rule, p, K, st.cudaStream());
            st.plans.r2c(st.g.data(), st.spectrum.data(), st.shape, K, s);
            if (sums)
                fourierErrorSum(st.spectrum.data(), st.weights, K, st.fourierSums(), s);
            projectMagnitude(st.spectrum.data(), st.weights, K, s);
            st.plans.c2r(st.spectrum.data(), st.gOut.data(), st.shape, K, s);
        }
    }

private:
    EngineState& m_state;
};

} // namespace

std::unique_ptr<IterationPath> makeStage1Path(EngineState& state) {
    return std::make_unique<Stage1Path>(state);
}

} // namespace pf::gpu::detail
