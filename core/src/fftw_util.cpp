#include "fftw_util.h"

#include "phaseforge/error.h"

#include <string>

namespace pf::fftw {

std::mutex& plannerMutex() {
    static std::mutex m;
    return m;
}

void initThreads() {
    static std::once_flag once;
    std::call_once(once, [] {
        if (!fftwf_init_threads())
            throw EngineError("FFTW: fftwf_init_threads failed");
    });
}

Plan planR2C(int rows, int cols, float* in, std::complex<float>* out, int threads,
             unsigned flags) {
    initThreads();
    std::lock_guard lock(plannerMutex());
    fftwf_plan_with_nthreads(threads);
    fftwf_plan p = fftwf_plan_dft_r2c_2d(rows, cols, in, asFftw(out), flags);
    if (!p)
        throw EngineError("FFTW: could not plan a " + std::to_string(rows) + " x " +
                          std::to_string(cols) + " real-to-complex transform");
    return Plan(p);
}

Plan planC2R(int rows, int cols, std::complex<float>* in, float* out, int threads,
             unsigned flags) {
    initThreads();
    std::lock_guard lock(plannerMutex());
    fftwf_plan_with_nthreads(threads);
    fftwf_plan p = fftwf_plan_dft_c2r_2d(rows, cols, asFftw(in), out, flags);
    if (!p)
        throw EngineError("FFTW: could not plan a " + std::to_string(rows) + " x " +
                          std::to_string(cols) + " complex-to-real transform");
    return Plan(p);
}

} // namespace pf::fftw
