// The host half of the per-kernel API: FFTW r2c/c2r plans made exactly as the
// FftwEngine makes them (same sizes, threads, FFTW_MEASURE, out-of-place on
// SIMD-aligned arrays, under the process-wide planner lock), so that within one
// process FFTW's accumulated wisdom hands both the same algorithm and the
// results agree bit for bit.
#include "kernels.h"

#include "fftw_util.h" // core/src: the planner lock and RAII plans

#include <algorithm>
#include <mutex>
#include <thread>

namespace pfpy {

struct HostFftPlan {
    pf::Shape shape;
    int threads = 1;
    // Scratch in the engine's layout: the plans were made on these.
    pf::fftw::Buffer<float> real;
    pf::fftw::Buffer<std::complex<float>> spectrum;
    pf::fftw::Plan r2c, c2r;
    std::mutex mutex; // guards the scratch when several Python threads share a plan
};

namespace {
// The FftwEngine's rule (core/src/fftw_engine.cpp, kThreadedMin): transforms
// under 256² pixels are planned on one thread. Kept equal to the engine's, or
// the plans and so the last bits would differ.
constexpr std::size_t kThreadedMin = 256 * 256;
} // namespace

std::shared_ptr<HostFftPlan> makeHostPlan(pf::Shape shape, int threads) {
    auto p = std::make_shared<HostFftPlan>();
    p->shape = shape;
    // The FftwEngine's rule for threads <= 0: every hardware thread.
    p->threads = threads > 0 ? threads : int(std::max(1u, std::thread::hardware_concurrency()));
    if (shape.size() < kThreadedMin)
        p->threads = 1;
    p->real = pf::fftw::allocate<float>(shape.size());
    p->spectrum = pf::fftw::allocate<std::complex<float>>(shape.halfSize());
    p->r2c = pf::fftw::planR2C(shape.rows, shape.cols, p->real.get(), p->spectrum.get(),
                               p->threads, FFTW_MEASURE);
    p->c2r = pf::fftw::planC2R(shape.rows, shape.cols, p->spectrum.get(), p->real.get(),
                               p->threads, FFTW_MEASURE);
    return p;
}

int hostPlanThreads(const HostFftPlan& plan) { return plan.threads; }

namespace {
// New-array execution needs the alignment the plan was made with (fftwf_malloc's).
bool aligned(const void* p) {
    return fftwf_alignment_of(static_cast<float*>(const_cast<void*>(p))) == 0;
}
} // namespace

void hostR2C(HostFftPlan& plan, const float* in, std::complex<float>* out) {
    std::lock_guard lock(plan.mutex);
    const std::size_t n = plan.shape.size(), h = plan.shape.halfSize();
    // An out-of-place r2c leaves its input untouched, so `in` is passed as is.
    float* src = const_cast<float*>(in);
    if (!aligned(in)) {
        std::copy_n(in, n, plan.real.get());
        src = plan.real.get();
    }
    if (aligned(out)) {
        fftwf_execute_dft_r2c(plan.r2c.get(), src, pf::fftw::asFftw(out));
    } else {
        fftwf_execute_dft_r2c(plan.r2c.get(), src, pf::fftw::asFftw(plan.spectrum.get()));
        std::copy_n(plan.spectrum.get(), h, out);
    }
}

void hostC2R(HostFftPlan& plan, const std::complex<float>* in, float* out) {
    std::lock_guard lock(plan.mutex);
    const std::size_t n = plan.shape.size(), h = plan.shape.halfSize();
    // A multi-dimensional c2r destroys its input: work on a copy, so that the
    // caller's spectrum survives.
    std::copy_n(in, h, plan.spectrum.get());
    if (aligned(out)) {
        fftwf_execute_dft_c2r(plan.c2r.get(), pf::fftw::asFftw(plan.spectrum.get()), out);
    } else {
        fftwf_execute_dft_c2r(plan.c2r.get(), pf::fftw::asFftw(plan.spectrum.get()),
                              plan.real.get());
        std::copy_n(plan.real.get(), n, out);
    }
}

} // namespace pfpy
