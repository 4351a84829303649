#include "phaseforge/projections.h"

#include "fftw_util.h"
#include "phaseforge/error.h"
#include "phaseforge/problem.h"

#include <algorithm>
#include <cmath>

namespace pf {

namespace {
// Below this many elements a loop runs on one thread: waking a team costs more
// than the work (and busy-waiting threads hurt when cores are shared).
constexpr auto kParallelMin = std::ptrdiff_t(fftw::kThreadedMinPixels);
} // namespace

HermitianWeights hermitianWeights(ProblemRef problem) {
    const Shape s = problem.shape();
    const int half = s.halfCols();
    HermitianWeights w;
    w.shape = s;
    w.a.resize(s.halfSize());
    w.b.resize(s.halfSize());
    w.n.resize(s.halfSize());
    w.s.resize(s.halfSize());

    auto isMeasured = [&](int r, int c) {
        return problem.measured.empty() ||
               problem.measured.data[std::size_t(r) * std::size_t(s.cols) + std::size_t(c)] != 0;
    };
    // v(j): the measured magnitude, or 0 where j was not measured.
    auto measuredValue = [&](int r, int c) {
        return isMeasured(r, c)
                   ? double(problem.magnitude.data[std::size_t(r) * std::size_t(s.cols) +
                                                   std::size_t(c)])
                   : 0.0;
    };

    for (int r = 0; r < s.rows; ++r) {
        const int rm = (s.rows - r) % s.rows;
        for (int c = 0; c < half; ++c) {
            const int cm = (s.cols - c) % s.cols;
            const std::size_t i = std::size_t(r) * std::size_t(half) + std::size_t(c);
            // Projection: the pair {h, -h}; h counts twice when h = -h.
            const double count = double(isMeasured(r, c)) + double(isMeasured(rm, cm));
            w.a[i] = float(1.0 - count / 2.0);
            w.b[i] = float((measuredValue(r, c) + measuredValue(rm, cm)) / 2.0);
            // Error: h itself, plus its conjugate when that lies outside the half.
            const bool selfColumn = c == 0 || (s.cols % 2 == 0 && c == s.cols / 2);
            double n = double(isMeasured(r, c)), sum = measuredValue(r, c);
            if (!selfColumn) {
                n += double(isMeasured(rm, cm));
                sum += measuredValue(rm, cm);
            }
            w.n[i] = float(n);
            w.s[i] = float(sum);
        }
    }
    for (int r = 0; r < s.rows; ++r)
        for (int c = 0; c < s.cols; ++c)
            w.sumMeasuredSquared += measuredValue(r, c) * measuredValue(r, c);
    return w;
}

namespace {
// One body for both forms; without Metrics the sums are compiled out.
template <bool Metrics>
double objectRule(const Step& step, std::span<const float> g, std::span<const float> gOut,
                  std::span<const std::uint8_t> support, std::span<float> next,
                  double* outputEnergy) {
    const std::size_t n = next.size();
    if (g.size() != n || gOut.size() != n || (!support.empty() && support.size() != n))
        throw InvalidArgument("applyObjectConstraint: buffers of different sizes");
    const float beta = step.beta;
    const bool hasSupport = !support.empty();
    double violation = 0, energy = 0;
    const std::uint8_t* sup = support.data();
    const float* pg = g.data();
    const float* po = gOut.data();
    float* pn = next.data();
    const std::ptrdiff_t count = std::ptrdiff_t(n);

    // One loop per rule keeps the inner loop branch-light; the rule is the one
    // written in algorithm.h.
#define PF_CONSTRAINT_LOOP(TEST, BAD, GOOD)                                                        \
    _Pragma("omp parallel for schedule(static) reduction(+ : violation, energy) if (count > kParallelMin)")               \
    for (std::ptrdiff_t i = 0; i < count; ++i) {                                                   \
        const float gi = pg[i], go = po[i];                                                        \
        (void)gi;                                                                                  \
        const bool inside = !hasSupport || sup[i] != 0;                                            \
        const bool bad = !inside || (TEST) < 0.0f;                                                 \
        pn[i] = bad ? (BAD) : (GOOD);                                                              \
        if constexpr (Metrics) {                                                                   \
            energy += double(go) * double(go);                                                     \
            if (bad)                                                                               \
                violation += double(go) * double(go);                                              \
        }                                                                                          \
    }

    switch (step.algorithm) {
    case Algorithm::GS:
    case Algorithm::ER:
        PF_CONSTRAINT_LOOP(go, 0.0f, go)
        break;
    case Algorithm::IO:
        PF_CONSTRAINT_LOOP(go, gi - beta * go, gi)
        break;
    case Algorithm::OO:
        PF_CONSTRAINT_LOOP(go, go - beta * go, go)
        break;
    case Algorithm::HIO:
        PF_CONSTRAINT_LOOP(go, gi - beta * go, go)
        break;
    case Algorithm::RAAR:
        PF_CONSTRAINT_LOOP(2.0f * go - gi, beta * gi + (1.0f - 2.0f * beta) * go, go)
        break;
    }
#undef PF_CONSTRAINT_LOOP
    if (outputEnergy)
        *outputEnergy += energy;
    return violation;
}
} // namespace

double applyObjectConstraint(const Step& step, std::span<const float> g,
                             std::span<const float> gOut, std::span<const std::uint8_t> support,
                             std::span<float> next, double* outputEnergy) {
    return objectRule<true>(step, g, gOut, support, next, outputEnergy);
}

void applyObjectRule(const Step& step, std::span<const float> g, std::span<const float> gOut,
                     std::span<const std::uint8_t> support, std::span<float> next) {
    objectRule<false>(step, g, gOut, support, next, nullptr);
}

namespace {
template <bool Metrics>
double magnitudeStep(const HermitianWeights& w, std::span<std::complex<float>> spectrum) {
    if (spectrum.size() != w.a.size())
        throw InvalidArgument("projectMagnitude: spectrum size differs from the weights'");
    const float invN = 1.0f / float(w.shape.size());
    const float* pa = w.a.data();
    const float* pb = w.b.data();
    const float* pn = w.n.data();
    const float* ps = w.s.data();
    // std::complex<float> is layout-compatible with float[2].
    float* z = reinterpret_cast<float*>(spectrum.data());
    const std::ptrdiff_t count = std::ptrdiff_t(spectrum.size());
    double err = 0;
#pragma omp parallel for schedule(static) reduction(+ : err) if (count > kParallelMin)
    for (std::ptrdiff_t i = 0; i < count; ++i) {
        const float re = z[2 * i], im = z[2 * i + 1];
        const float mag = std::sqrt(re * re + im * im);
        if constexpr (Metrics)
            err += double(pn[i]) * double(mag) * double(mag) - 2.0 * double(ps[i]) * double(mag);
        const float target = pa[i] * mag + pb[i];
        if (mag > 0.0f) {
            const float scale = target / mag * invN;
            z[2 * i] = re * scale;
            z[2 * i + 1] = im * scale;
        } else {
            z[2 * i] = pb[i] * invN; // |G| = 0: phase 0
            z[2 * i + 1] = 0.0f;
        }
    }
    (void)pn;
    (void)ps;
    return err;
}
} // namespace

double projectMagnitude(const HermitianWeights& w, std::span<std::complex<float>> spectrum) {
    return magnitudeStep<true>(w, spectrum);
}

void projectMagnitudeOnly(const HermitianWeights& w, std::span<std::complex<float>> spectrum) {
    magnitudeStep<false>(w, spectrum);
}

MetricsRecord metricsRecord(long long iteration, int start, double fourierSum,
                            double sumMeasuredSquared, double violation, double outputEnergy,
                            long long supportSize) {
    MetricsRecord rec;
    rec.iteration = iteration;
    rec.start = start;
    rec.fourierError = sumMeasuredSquared > 0
                           ? float(std::sqrt(std::max(0.0, fourierSum + sumMeasuredSquared) /
                                             sumMeasuredSquared))
                           : 0.0f;
    rec.realError = outputEnergy > 0 ? float(std::sqrt(violation / outputEnergy)) : 0.0f;
    rec.supportSize = supportSize;
    return rec;
}

} // namespace pf
