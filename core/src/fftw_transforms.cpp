// FftwTransforms and the threads rule shared with FftwEngine: the public face
// of the FFTW plans, for callers outside core (the Python per-kernel API) that
// must transform exactly as the engine does.
#include "phaseforge/fftw_engine.h"

#include "fftw_util.h"
#include "phaseforge/error.h"

#include <algorithm>
#include <string>
#include <thread>

namespace pf {

namespace {

/// FFTW's new-array execute needs the alignment the plan was made with.
bool aligned(const void* p) {
    return fftwf_alignment_of(static_cast<float*>(const_cast<void*>(p))) == 0;
}
} // namespace

int fftwPlanThreads(Shape shape, int requested) {
    if (shape.size() < fftw::kThreadedMinPixels)
        return 1;
    return requested > 0 ? requested : int(std::max(1u, std::thread::hardware_concurrency()));
}

struct FftwTransforms::Plans {
    Shape shape;
    int threads = 1;
    // The plans were made on these; unaligned caller arrays are staged here,
    // and inverse() always copies its input here first.
    fftw::Buffer<float> real;
    fftw::Buffer<std::complex<float>> spectrum;
    fftw::Plan r2c, c2r;
};

FftwTransforms::FftwTransforms(Shape shape, int threads, FftwEngine::PlanEffort effort)
    : m(std::make_unique<Plans>()) {
    if (shape.empty())
        throw InvalidArgument("FFTW transforms: the shape " + shape.toString() + " is empty");
    m->shape = shape;
    m->threads = fftwPlanThreads(shape, threads);
    m->real = fftw::allocate<float>(shape.size());
    m->spectrum = fftw::allocate<std::complex<float>>(shape.halfSize());
    const unsigned flags =
        effort == FftwEngine::PlanEffort::Measure ? FFTW_MEASURE : FFTW_ESTIMATE;
    m->r2c = fftw::planR2C(shape.rows, shape.cols, m->real.get(), m->spectrum.get(), m->threads,
                           flags);
    m->c2r = fftw::planC2R(shape.rows, shape.cols, m->spectrum.get(), m->real.get(), m->threads,
                           flags);
}

FftwTransforms::~FftwTransforms() = default;
FftwTransforms::FftwTransforms(FftwTransforms&&) noexcept = default;
FftwTransforms& FftwTransforms::operator=(FftwTransforms&&) noexcept = default;

Shape FftwTransforms::shape() const { return m ? m->shape : Shape{}; }
int FftwTransforms::threads() const { return m ? m->threads : 0; }

void FftwTransforms::forward(std::span<const float> in, std::span<std::complex<float>> out) {
    if (!m)
        throw InvalidArgument("FFTW transforms: used after being moved from");
    const std::size_t n = m->shape.size(), h = m->shape.halfSize();
    if (in.size() != n || out.size() != h)
        throw InvalidArgument("FFTW transforms: forward needs " + std::to_string(n) + " inputs and " +
                              std::to_string(h) + " outputs, got " + std::to_string(in.size()) +
                              " and " + std::to_string(out.size()));
    // An out-of-place r2c leaves its input untouched, so `in` is passed as is.
    float* src = const_cast<float*>(in.data());
    if (!aligned(src)) {
        std::copy_n(in.data(), n, m->real.get());
        src = m->real.get();
    }
    if (aligned(out.data())) {
        fftwf_execute_dft_r2c(m->r2c.get(), src, fftw::asFftw(out.data()));
    } else {
        fftwf_execute_dft_r2c(m->r2c.get(), src, fftw::asFftw(m->spectrum.get()));
        std::copy_n(m->spectrum.get(), h, out.data());
    }
}

void FftwTransforms::inverse(std::span<const std::complex<float>> in, std::span<float> out) {
    if (!m)
        throw InvalidArgument("FFTW transforms: used after being moved from");
    const std::size_t n = m->shape.size(), h = m->shape.halfSize();
    if (in.size() != h || out.size() != n)
        throw InvalidArgument("FFTW transforms: inverse needs " + std::to_string(h) + " inputs and " +
                              std::to_string(n) + " outputs, got " + std::to_string(in.size()) +
                              " and " + std::to_string(out.size()));
    std::copy_n(in.data(), h, m->spectrum.get());
    if (aligned(out.data())) {
        fftwf_execute_dft_c2r(m->c2r.get(), fftw::asFftw(m->spectrum.get()), out.data());
    } else {
        fftwf_execute_dft_c2r(m->c2r.get(), fftw::asFftw(m->spectrum.get()), m->real.get());
        std::copy_n(m->real.get(), n, out.data());
    }
}

} // namespace pf
