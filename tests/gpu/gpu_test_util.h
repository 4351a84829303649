// Helpers shared by the GPU tests: the device check that turns "no GPU" into
// a clean skip, and fresh random problems.
#pragma once

#include "reference.h"

#include <phaseforge/error.h>
#include <phaseforge/gpu/kernels.h>
#include <phaseforge/problem.h>
#include <phaseforge/projections.h>

#include <QtTest>

#include <complex>
#include <string>

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

inline const pf::Shape kShapes[] = {{64, 64}, {48, 80}, {45, 37}};

} // namespace pfgputest
