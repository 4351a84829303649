// The host half of the per-kernel API: core's FftwTransforms, which plans
// exactly as the FftwEngine does (same threads rule, FFTW_MEASURE, aligned
// out-of-place arrays, the process-wide planner lock), so that within one
// process the per-kernel transforms and the engine's agree bit for bit.
#include "kernels.h"

#include <phaseforge/fftw_engine.h>

#include <mutex>

namespace pfpy {

struct HostFftPlan {
    explicit HostFftPlan(pf::Shape shape, int threads) : transforms(shape, threads) {}
    pf::FftwTransforms transforms;
    // FftwTransforms works through its own scratch arrays: one caller at a time
    // when several Python threads share a plan (the GIL is released meanwhile).
    std::mutex mutex;
};

std::shared_ptr<HostFftPlan> makeHostPlan(pf::Shape shape, int threads) {
    return std::make_shared<HostFftPlan>(shape, threads);
}

int hostPlanThreads(const HostFftPlan& plan) { return plan.transforms.threads(); }

void hostR2C(HostFftPlan& plan, const float* in, std::complex<float>* out) {
    std::lock_guard lock(plan.mutex);
    const pf::Shape s = plan.transforms.shape();
    plan.transforms.forward({in, s.size()}, {out, s.halfSize()});
}

void hostC2R(HostFftPlan& plan, const std::complex<float>* in, float* out) {
    std::lock_guard lock(plan.mutex);
    const pf::Shape s = plan.transforms.shape();
    plan.transforms.inverse({in, s.halfSize()}, {out, s.size()});
}

} // namespace pfpy
