// Helpers shared by the GPU tests: the device check that turns "no GPU" into
// a clean skip, and fresh random problems.
#pragma once

#include "reference.h"

#include <phaseforge/engine.h>
#include <phaseforge/error.h>
#include <phaseforge/gpu/cuda_engine.h>
#include <phaseforge/gpu/kernels.h>
#include <phaseforge/problem.h>
#include <phaseforge/projections.h>

#include <QtTest>

#include <algorithm>
#include <complex>
#include <string>
#include <vector>

namespace pfgputest {

/// Skips the calling test with the reason when no CUDA device can be used
/// (any error of cudaGetDeviceCount, or a count of 0, means no device).
#define PF_REQUIRE_GPU()                                                                       \
    do {                                                                                       \
        std::string pf_why_;                                                                   \
        if (!pf::gpu::deviceAvailable(&pf_why_))                                               \
            QSKIP(qPrintable(QString("no usable CUDA device: %1")                              \
                                 .arg(QString::fromStdString(pf_why_))));                      \
    } while (0)

/// Magnitudes a real object made: a fresh random non-negative object inside
/// the half-size box, transformed in double. IO and HIO are compared on such
/// data (on inconsistent data they amplify rounding chaotically).
inline pf::ImageF objectMagnitude(pf::Shape s, std::uint64_t seed) {
    const pf::Mask box = pftest::boxSupport(s, 0.5);
    const pf::ImageF values = pftest::randomMagnitude(s, seed);
    std::vector<std::complex<double>> x(s.size());
    for (std::size_t i = 0; i < x.size(); ++i)
        x[i] = box.data[i] ? double(values.data[i]) : 0.0;
    const auto f = pftest::fft2(x, s);
    pf::ImageF m(s);
    for (std::size_t i = 0; i < f.size(); ++i)
        m.data[i] = float(std::abs(f[i]));
    return m;
}

/// A problem of `shape`: consistent or random magnitudes, a 90% detector mask
/// when `withMask`, the half-size box support when `withSupport`.
inline pf::Problem makeProblem(pf::Shape shape, std::uint64_t seed, bool consistent,
                               bool withSupport, bool withMask) {
    pf::Problem p;
    p.magnitude = consistent ? objectMagnitude(shape, seed) : pftest::randomMagnitude(shape, seed);
    if (withMask)
        p.measured = pftest::randomMask(shape, 0.9, seed + 1);
    if (withSupport)
        p.support = pftest::boxSupport(shape, 0.5);
    return p;
}

/// ‖a − b‖ / ‖b‖ in double for two float images.
inline double relL2f(const std::vector<float>& a, const std::vector<float>& b) {
    double num = 0, den = 0;
    for (std::size_t i = 0; i < b.size(); ++i) {
        const double d = double(a[i]) - double(b[i]);
        num += d * d;
        den += double(b[i]) * double(b[i]);
    }
    return den > 0 ? std::sqrt(num / den) : std::sqrt(num);
}

/// Two engines' records of one iteration agree: Fourier and real-space errors
/// within `rel` relative (plus 1e-6 absolute, for errors near zero).
inline bool errorsAgree(const pf::MetricsRecord& a, const pf::MetricsRecord& b, double rel) {
    const auto close = [rel](double x, double y) { return std::abs(x - y) <= rel * y + 1e-6; };
    return close(a.fourierError, b.fourierError) && close(a.realError, b.realError);
}

/// How far an engine's iterate lies from the float64 reference loop's after
/// `iterations` single steps from the user phases `phase0` (the engine is
/// loaded here), with the reference's near-zero ties broken as the engine
/// broke them (reference.h): {‖g − g64‖ / ‖g64‖, ties}.
inline std::pair<double, int> distanceToFloat64(pf::Engine& engine, const pf::Problem& p,
                                                const pf::ImageF& phase0, pf::Step step,
                                                int iterations) {
    const pf::InitialGuess guess = pf::InitialGuess::user(phase0);
    engine.load(p, {&guess, 1});
    pftest::RefState ref = pftest::refInit(p.magnitude, p.measured, phase0);
    std::vector<float> g(p.shape().size());
    int ties = 0;
    for (int i = 0; i < iterations; ++i) {
        engine.iterate(step, 1);
        engine.readIterate(0, g);
        pftest::refIterate(ref, p.magnitude, p.measured, p.support, step.algorithm, step.beta, &g,
                           &ties);
    }
    return {pftest::relL2(g, ref.g), ties};
}

/// The largest adaptive term a bound may take: a twin engine's distance to
/// float64 widens a bound up to this and no further.
inline constexpr double kAdaptiveCap = 1e-2;

/// The bound for an engine's distance to float64 (distanceToFloat64) over
/// several steps, given a second float32 engine's distance on the same input
/// (`twin`): `tolerance`, or ten times the twin's, capped at kAdaptiveCap.
/// Rounding differences grow unevenly over many steps, and a near-zero pixel
/// whose rounding differs by more than the reference's tie margin moves IO,
/// HIO or RAAR by O(|g|), so a rare input puts any float32 engine further from
/// float64 than the tolerance; the twin shows whether the input is such a one.
/// The cap keeps the bound from following a bug that moves both engines (the
/// weights and start spectrum come from core for both): callers also require
/// twin <= kAdaptiveCap, so a large twin sensitivity fails the test.
inline double float64Bound(double tolerance, double twin) {
    return std::max(tolerance, std::min(kAdaptiveCap, 10.0 * twin));
}

/// Rules whose next g is continuous in g' (GS, ER, OO): a pixel of g' near zero
/// goes either way by about nothing. IO, HIO and RAAR jump by β·g there.
inline bool continuousInGPrime(pf::Algorithm a) {
    return a == pf::Algorithm::GS || a == pf::Algorithm::ER || a == pf::Algorithm::OO;
}

/// The local error of every step of a trajectory against float64.
struct StepErrors {
    double worst = 0;   ///< the largest one-step distance of g' (relative L2)
    double median = 0;  ///< the median over the steps
    int worstStep = 0;  ///< where the largest was (1-based)
    int ties = 0;       ///< pixels whose branch the reference took from the engine
    int phaseTies = 0;  ///< spectral pixels whose phase it took from the engine
};

/// Runs `steps` single iterations of `step` on a loaded CUDA engine (start 0)
/// and holds each against one float64 step of the reference (reference.h)
/// taken from the engine's own state before it (g and g' read back), the
/// reference's ties broken as the engine broke them. Each comparison starts
/// from the same numbers in both, so it measures one step's float32 rounding,
/// never the chaotic growth of earlier differences: it can have a fixed bound.
///
/// The bound, from the float32 error analysis of one step: the transforms
/// (cuFFT, FFTW or our own) have relative L2 error ≈ 1–3e-7 each way, the
/// rule and projection a few units of rounding, so the median step stays near
/// 3e-7 (bound 3e-6: no rare pixel moves a median). The projection's phase
/// G/|G| is ill-conditioned where |G| is small: the phase error there is
/// ≈ ε·σ_G/|G|, and |G| <= δ·σ_G has probability ≈ δ² (Rayleigh), so the
/// largest step of a run has a tail P(> x) ∝ 1/x² where the spectrum is
/// Rayleigh-like. Where G is real (DC, the Nyquist row and column) its phase
/// is a sign and |G| <= δ·σ_G has probability ∝ δ, and on the H200
/// (2026-12-04, a fresh seed, 64² GS, step 21) one step came out 3.7e-3 from
/// float64 (its replay needed one phase tie, a lone pixel). So the pixels
/// whose |G| is within 1e-4·rms|G| of zero take the engine's phase (phase ties,
/// reference.h); just outside that margin the phase error is below ~1e-2 rad
/// on one pixel, ~1e-4 of g'. A wrong rule, weight, β or transform moves g' by
/// 1e-2 or more on every input (0.26–0.27 in the mutants of docs/gpu-engine.md).
inline StepErrors stepErrorsToFloat64(pf::gpu::CudaEngine& engine, const pf::Problem& p,
                                      const pf::Step& step, int steps) {
    const pf::Shape s = p.shape();
    const std::size_t n = s.size();
    std::vector<float> g(n), gOut(n), gNext(n), gOutNext(n);
    auto read = [&](std::vector<float>& a, std::vector<float>& b) {
        engine.readIterate(0, a);
        pf::gpu::download(b.data(), engine.deviceFourierOutput(0), n * sizeof(float), engine.stream());
        pf::gpu::synchronize(engine.stream());
    };
    read(g, gOut);
    StepErrors out;
    std::vector<double> all;
    for (int i = 1; i <= steps; ++i) {
        pftest::RefState ref{s, std::vector<double>(g.begin(), g.end()),
                             std::vector<double>(gOut.begin(), gOut.end())};
        engine.iterate(step, 1);
        read(gNext, gOutNext);
        pftest::refIterate(ref, p.magnitude, p.measured, p.support, step.algorithm, step.beta,
                           &gNext, &out.ties, pftest::kTieTolerance, &gOutNext, &out.phaseTies);
        const double d = std::max(pftest::relL2(gOutNext, ref.gOut), pftest::relL2(gNext, ref.g));
        all.push_back(d);
        if (d > out.worst) {
            out.worst = d;
            out.worstStep = i;
        }
        std::swap(g, gNext);
        std::swap(gOut, gOutNext);
    }
    std::sort(all.begin(), all.end());
    out.median = all.empty() ? 0 : all[all.size() / 2];
    return out;
}

/// The fixed bounds of stepErrorsToFloat64 (derivation there).
inline constexpr double kStepWorstBound = 1e-3;
inline constexpr double kStepMedianBound = 3e-6;

/// "" when two engines' metric records agree one by one (same iterations and
/// support sizes, errors within `rel`: errorsAgree()); else what differs first.
inline QString recordsDiffer(const std::vector<pf::MetricsRecord>& a,
                            const std::vector<pf::MetricsRecord>& b, double rel) {
    if (a.size() != b.size())
        return QString("%1 records vs %2").arg(a.size()).arg(b.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (a[i].iteration != b[i].iteration || a[i].supportSize != b[i].supportSize ||
            !errorsAgree(a[i], b[i], rel))
            return QString("record %1 (iteration %2 vs %3): Fourier error %4 vs %5, support %6 vs %7")
                .arg(i).arg(a[i].iteration).arg(b[i].iteration)
                .arg(a[i].fourierError).arg(b[i].fourierError)
                .arg(a[i].supportSize).arg(b[i].supportSize);
    }
    return {};
}

inline const pf::Shape kShapes[] = {{64, 64}, {48, 80}, {45, 37}};

} // namespace pfgputest
