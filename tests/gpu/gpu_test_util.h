// Helpers shared by the GPU tests: the device check that turns "no GPU" into
// a clean skip, and fresh random problems.
#pragma once

#include "reference.h"

#include <phaseforge/engine.h>
#include <phaseforge/error.h>
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

/// The bound for an engine's distance to float64 (distanceToFloat64) given a
/// second float32 engine's distance on the same input: `tolerance`, or ten
/// times the other's. Rounding differences grow unevenly over many steps,
/// and a near-zero pixel whose rounding differs by more than the reference's
/// tie margin moves IO, HIO or RAAR by O(|g|); so a rare input puts any
/// float32 engine far from float64, and two of them differ there by several
/// times (seen on the H200: IO at 512² after 10 steps, two-pass 3.4e-3 and
/// stage 1 7.6e-4 where other seeds give <= 4e-4; OO at 64² after 50, stage 1
/// 1.4e-4 and FFTW 2.5e-5). The second engine shows whether the input is
/// such a one. A wrong transform or rule is off by far more, on every input
/// (and the one-step tests bound single steps at 1e-5).
inline double float64Bound(double tolerance, double otherDistance) {
    return std::max(tolerance, 10.0 * otherDistance);
}

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
