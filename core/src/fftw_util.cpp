#include "fftw_util.h"

#include "phaseforge/error.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <unistd.h>

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

// ---- wisdom ------------------------------------------------------------------
// FFTW_MEASURE picks among algorithms by timing them, so two processes can
// pick different ones for the same transform, and their results then differ
// in the last bits (which HIO amplifies). Keeping the measured plans in a
// wisdom file makes every later run on this machine use the same algorithms:
// the same seed gives the same numbers. Callers hold the planner lock.

std::string wisdomPath() {
    if (const char* path = std::getenv("PF_FFTW_WISDOM"))
        return path; // empty: no wisdom file
    if (const char* cache = std::getenv("XDG_CACHE_HOME"); cache && *cache)
        return std::string(cache) + "/phaseforge/fftw-wisdom-float";
    if (const char* home = std::getenv("HOME"); home && *home)
        return std::string(home) + "/.cache/phaseforge/fftw-wisdom-float";
    return {};
}

void importWisdomOnce() {
    static bool done = false;
    if (done)
        return;
    done = true;
    const std::string path = wisdomPath();
    if (!path.empty())
        fftwf_import_wisdom_from_filename(path.c_str()); // absent or unreadable: plan afresh
}

// Written to a temporary file and renamed, so that a reader never sees half.
void exportWisdom() {
    const std::string path = wisdomPath();
    if (path.empty())
        return;
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
    const std::string tmp = path + ".tmp" + std::to_string(::getpid());
    if (fftwf_export_wisdom_to_filename(tmp.c_str()))
        std::filesystem::rename(tmp, path, ec);
    if (ec || std::filesystem::exists(tmp, ec))
        std::filesystem::remove(tmp, ec);
}

template <class MakePlan> fftwf_plan planWithWisdom(int threads, unsigned flags, MakePlan make) {
    initThreads();
    std::lock_guard lock(plannerMutex());
    importWisdomOnce();
    fftwf_plan_with_nthreads(threads);
    fftwf_plan p = make();
    if (p && !(flags & FFTW_ESTIMATE) && !(flags & FFTW_WISDOM_ONLY))
        exportWisdom();
    return p;
}

int threadsFor(std::size_t pixels) {
    if (pixels < kThreadedMinPixels)
        return 1;
    return int(std::clamp(std::thread::hardware_concurrency(), 1u, 16u));
}

Plan planR2C(int rows, int cols, float* in, std::complex<float>* out, int threads,
             unsigned flags) {
    fftwf_plan p = planWithWisdom(threads, flags, [&] {
        return fftwf_plan_dft_r2c_2d(rows, cols, in, asFftw(out), flags);
    });
    if (!p)
        throw EngineError("FFTW: could not plan a " + std::to_string(rows) + " x " +
                          std::to_string(cols) + " real-to-complex transform");
    return Plan(p);
}

Plan planC2R(int rows, int cols, std::complex<float>* in, float* out, int threads,
             unsigned flags) {
    fftwf_plan p = planWithWisdom(threads, flags, [&] {
        return fftwf_plan_dft_c2r_2d(rows, cols, asFftw(in), out, flags);
    });
    if (!p)
        throw EngineError("FFTW: could not plan a " + std::to_string(rows) + " x " +
                          std::to_string(cols) + " complex-to-real transform");
    return Plan(p);
}

/// The half spectrum of a real image (FFTW's R2C, unnormalised).
std::vector<std::complex<float>> halfSpectrum(const ImageF& x) {
    const Shape s = x.shape;
    auto in = allocate<float>(s.size());
    auto out = allocate<std::complex<float>>(s.halfSize());
    Plan plan =
        planR2C(s.rows, s.cols, in.get(), out.get(), threadsFor(s.size()), FFTW_ESTIMATE);
    std::copy(x.data.begin(), x.data.end(), in.get());
    fftwf_execute(plan.get());
    return {out.get(), out.get() + s.halfSize()};
}

/// The real image of a Hermitian half spectrum (FFTW's C2R, unnormalised).
std::vector<float> fromHalfSpectrum(const std::vector<std::complex<float>>& spectrum, Shape s) {
    auto in = allocate<std::complex<float>>(s.halfSize());
    auto out = allocate<float>(s.size());
    Plan plan =
        planC2R(s.rows, s.cols, in.get(), out.get(), threadsFor(s.size()), FFTW_ESTIMATE);
    std::copy(spectrum.begin(), spectrum.end(), in.get());
    fftwf_execute(plan.get());
    return {out.get(), out.get() + s.size()};
}

} // namespace pf::fftw
