#include "phaseforge/fftw_engine.h"

#include "fftw_util.h"
#include "phaseforge/error.h"
#include "phaseforge/problem.h"
#include "phaseforge/support.h"

#include <algorithm>
#include <cmath>
#include <thread>
#include <utility>

#include <omp.h>

namespace pf {

// One start's buffers. g and next swap every iteration; gOut is the last
// Fourier output g'. All arrays are SIMD-aligned for FFTW's new-array execute.
struct StartBuffers {
    fftw::Buffer<float> g, gOut, next;
    Mask support;
    long long supportSize = 0;
};

struct FftwEngine::State {
    Shape shape;
    HermitianWeights weights;
    std::vector<StartBuffers> starts;
    /// Scratch half spectra: one per start running at once (startLanes()).
    std::vector<fftw::Buffer<std::complex<float>>> spectra;
    fftw::Plan r2c, c2r;                        // planned on starts[0]'s and spectra[0]'s arrays
    long long iteration = 0;
    int metricsEvery = 1;
    std::vector<MetricsRecord> pending;
};

namespace {

/// Starts iterated at once, each on one thread: below fftw::kThreadedMinPixels
/// the transforms and per-pixel loops run on one thread (threads cost more
/// than they give there), so the cores take whole starts instead. Each start's
/// arithmetic is the same on any thread: the bits do not depend on it.
int startLanes(Shape shape, int threads, std::size_t starts) {
    if (shape.size() >= fftw::kThreadedMinPixels)
        return 1;
    return int(std::clamp<std::size_t>(std::size_t(std::max(threads, 1)), 1, starts));
}

} // namespace

FftwEngine::FftwEngine(int threads, PlanEffort effort)
    : m_threads(threads > 0 ? threads : int(std::max(1u, std::thread::hardware_concurrency()))),
      m_effort(effort) {}

FftwEngine::~FftwEngine() = default;

EngineInfo FftwEngine::info() const {
    return {"fftw", "CPU, " + std::to_string(m_threads) + " thread" + (m_threads == 1 ? "" : "s")};
}

void FftwEngine::load(const Problem& problem, std::span<const InitialGuess> guesses) {
    problem.validate();
    loadValidated(problem, guesses);
}

void FftwEngine::loadValidated(ProblemRef problem, std::span<const InitialGuess> guesses) {
    if (guesses.empty())
        throw InvalidArgument("starts: at least one initial guess is needed");
    const Shape s = problem.shape();
    const int lanes = startLanes(s, m_threads, guesses.size());
    const std::size_t bytes = (3 * s.size() * sizeof(float) + s.size()) * guesses.size() +
                              s.halfSize() * (sizeof(std::complex<float>) * std::size_t(lanes) +
                                              4 * sizeof(float));
    auto state = std::make_unique<State>();
    state->shape = s;
    try {
        state->weights = hermitianWeights(problem);
        for (int lane = 0; lane < lanes; ++lane)
            state->spectra.push_back(fftw::allocate<std::complex<float>>(s.halfSize()));
        for (std::size_t k = 0; k < guesses.size(); ++k) {
            StartBuffers b;
            b.g = fftw::allocate<float>(s.size());
            b.gOut = fftw::allocate<float>(s.size());
            b.next = fftw::allocate<float>(s.size());
            state->starts.push_back(std::move(b));
        }
    } catch (const std::bad_alloc&) {
        throw EngineError("fftw engine: not enough host memory for a " + s.toString() +
                          " problem with " + std::to_string(guesses.size()) + " start(s) (needs " +
                          std::to_string(bytes) + " bytes)");
    }

    // Plan before filling: FFTW_MEASURE overwrites the arrays it times.
    const unsigned flags = m_effort == PlanEffort::Measure ? FFTW_MEASURE : FFTW_ESTIMATE;
    // Threads only pay off on larger transforms (fftw_engine.h).
    const int threads = fftwPlanThreads(s, m_threads);
    StartBuffers& first = state->starts.front();
    std::complex<float>* spectrum = state->spectra.front().get();
    state->r2c = fftw::planR2C(s.rows, s.cols, first.next.get(), spectrum, threads, flags);
    state->c2r = fftw::planC2R(s.rows, s.cols, spectrum, first.gOut.get(), threads, flags);

    const float invN = 1.0f / float(s.size());
    for (std::size_t k = 0; k < guesses.size(); ++k) {
        StartBuffers& b = state->starts[k];
        if (const ImageF* object = initialObject(guesses[k], s)) {
            std::copy(object->data.begin(), object->data.end(), b.g.get());
            std::copy(object->data.begin(), object->data.end(), b.gOut.get());
        } else {
            const auto h = initialHalfSpectrum(problem, guesses[k]);
            std::copy(h.begin(), h.end(), spectrum);
            fftwf_execute_dft_c2r(state->c2r.get(), fftw::asFftw(spectrum), b.gOut.get());
            for (std::size_t i = 0; i < s.size(); ++i) {
                b.gOut[i] *= invN;
                b.g[i] = b.gOut[i];
            }
        }
        b.support = problem.support;
        b.supportSize = problem.support.empty() ? (long long)s.size() : countOnes(problem.support);
    }
    m = std::move(state);
}

int FftwEngine::startCount() const { return m ? int(m->starts.size()) : 0; }
Shape FftwEngine::shape() const { return m ? m->shape : Shape{}; }
long long FftwEngine::iteration() const { return m ? m->iteration : 0; }

void FftwEngine::iterate(const Step& step, int count) {
    if (!m)
        throw InvalidArgument("fftw engine: iterate() before load()");
    if (usesBeta(step.algorithm))
        checkBeta(step.beta);
    const Shape s = m->shape;
    const long long first = m->iteration;
    const auto starts = std::ptrdiff_t(m->starts.size());
    // Each start runs the whole call on its own (the starts never meet); its
    // records are put in the engine's order (iteration, then start) after.
    std::vector<std::vector<MetricsRecord>> records(m->starts.size());
    const int lanes = int(m->spectra.size());
#pragma omp parallel for schedule(static) num_threads(lanes) if (lanes > 1)
    for (std::ptrdiff_t k = 0; k < starts; ++k) {
        StartBuffers& b = m->starts[std::size_t(k)];
        std::complex<float>* scratch = m->spectra[std::size_t(lanes > 1 ? omp_get_thread_num() : 0)].get();
        const std::span<std::complex<float>> spectrum{scratch, s.halfSize()};
        const std::span<const std::uint8_t> support{b.support.data.data(), b.support.data.size()};
        for (int it = 0; it < count; ++it) {
            const long long iteration = first + it + 1;
            const bool record = recordsMetrics(iteration, m->metricsEvery, it == count - 1);
            // The metrics sums cost a sixth of an iteration (2048², 2 threads:
            // 44.3 ms with them, 36.8 without), so they run only when recorded.
            double outputEnergy = 0, violation = 0, fourier = 0;
            const std::span<const float> g{b.g.get(), s.size()}, gOut{b.gOut.get(), s.size()};
            if (record)
                violation = applyObjectConstraint(step, g, gOut, support, {b.next.get(), s.size()},
                                                  &outputEnergy);
            else
                applyObjectRule(step, g, gOut, support, {b.next.get(), s.size()});
            fftwf_execute_dft_r2c(m->r2c.get(), b.next.get(), fftw::asFftw(scratch));
            if (record)
                fourier = projectMagnitude(m->weights, spectrum);
            else
                projectMagnitudeOnly(m->weights, spectrum);
            fftwf_execute_dft_c2r(m->c2r.get(), fftw::asFftw(scratch), b.gOut.get());
            std::swap(b.g, b.next);
            if (record)
                records[std::size_t(k)].push_back(metricsRecord(iteration, int(k), fourier,
                                                                m->weights.sumMeasuredSquared,
                                                                violation, outputEnergy, b.supportSize));
        }
    }
    m->iteration = first + count;
    // Every start records at the same iterations.
    for (std::size_t j = 0; j < records.front().size(); ++j)
        for (const auto& own : records)
            m->pending.push_back(own[j]);
}

void FftwEngine::setSupport(const Mask& support) {
    if (!m)
        throw InvalidArgument("fftw engine: setSupport() before load()");
    if (!support.empty() && support.shape != m->shape)
        throw InvalidArgument("support: shape " + support.shape.toString() +
                              " differs from the problem's " + m->shape.toString());
    const long long size = support.empty() ? (long long)m->shape.size() : countOnes(support);
    if (size == 0)
        throw InvalidArgument("support: it is empty (no pixel may be non-zero)");
    for (auto& b : m->starts) {
        b.support = support;
        b.supportSize = size;
    }
}

void FftwEngine::setStartSupport(int start, const Mask& support) {
    if (!m)
        throw InvalidArgument("fftw engine: setStartSupport() before load()");
    if (start < 0 || start >= int(m->starts.size()))
        throw InvalidArgument("support: no start " + std::to_string(start));
    if (support.shape != m->shape)
        throw InvalidArgument("support: shape " + support.shape.toString() +
                              " differs from the problem's " + m->shape.toString());
    const long long size = countOnes(support);
    if (size == 0)
        throw InvalidArgument("support: it is empty (no pixel may be non-zero)");
    auto& b = m->starts[std::size_t(start)];
    b.support = support;
    b.supportSize = size;
}

void FftwEngine::shrinkWrap(const ShrinkWrapUpdate& update) {
    if (!m)
        throw InvalidArgument("fftw engine: shrinkWrap() before load()");
    update.validate(int(m->starts.size()));
    const Shape s = m->shape;
    std::vector<float> amplitude(s.size()), blurred(s.size());
    for (std::size_t k = 0; k < m->starts.size(); ++k) {
        auto& b = m->starts[k];
        const float threshold = update.thresholds[k];
        if (threshold == 0)
            continue;
        for (std::size_t i = 0; i < s.size(); ++i) {
            const bool inside = b.support.empty() || b.support.data[i] != 0;
            amplitude[i] = inside && b.g[i] > 0 ? b.g[i] : 0.0f;
        }
        gaussianBlurPeriodic(amplitude, s, update.sigma, blurred);
        Mask next = thresholdSupport(blurred, s, threshold);
        const long long size = countOnes(next);
        if (size < update.minPixels || size > update.maxPixels)
            continue; // outside the limits (or an all-zero iterate): keep the support we have
        b.support = std::move(next);
        b.supportSize = size;
    }
}

void FftwEngine::setMetricsInterval(int every) {
    if (every < 1)
        throw InvalidArgument("metrics interval: must be at least 1, got " + std::to_string(every));
    if (!m)
        throw InvalidArgument("fftw engine: setMetricsInterval() before load()");
    m->metricsEvery = every;
}

std::vector<MetricsRecord> FftwEngine::takeMetrics() {
    if (!m)
        return {};
    return std::exchange(m->pending, {});
}

void FftwEngine::readIterate(int start, std::span<float> out) {
    if (!m)
        throw InvalidArgument("fftw engine: readIterate() before load()");
    checkStart(start, startCount());
    if (out.size() != m->shape.size())
        throw InvalidArgument("readIterate: output holds " + std::to_string(out.size()) +
                              " values, needs " + std::to_string(m->shape.size()));
    std::copy_n(m->starts[std::size_t(start)].g.get(), out.size(), out.begin());
}

void FftwEngine::setIterate(int start, std::span<const float> iterate) {
    if (!m)
        throw InvalidArgument("fftw engine: setIterate() before load()");
    checkIterate(start, startCount(), iterate, m->shape);
    StartBuffers& b = m->starts[std::size_t(start)];
    std::copy(iterate.begin(), iterate.end(), b.g.get());
    std::copy(iterate.begin(), iterate.end(), b.gOut.get());
}

void FftwEngine::readSupport(int start, Mask& out) {
    if (!m)
        throw InvalidArgument("fftw engine: readSupport() before load()");
    checkStart(start, startCount());
    out = m->starts[std::size_t(start)].support;
}

void FftwEngine::publish(int start, DisplayTarget& target) {
    if (!m)
        throw InvalidArgument("fftw engine: publish() before load()");
    std::vector<float> object(m->shape.size());
    readObject(start, object);
    target.acceptHostFrame(object, m->shape);
}

} // namespace pf
