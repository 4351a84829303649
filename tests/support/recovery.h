// The recovery protocols that tests/core/tst_recovery.cpp gates CI on and that
// bench/recovery/ runs over hundreds of objects to measure how often each
// bound fails. One definition, so that the benchmark's failure probability is
// the test's.
#pragma once

#include <phaseforge/image.h>

#include <cstdint>

namespace pftest {

/// min over {x, twin x} and every circular shift of ‖shifted − truth‖ / ‖truth‖
/// (double FFTs).
double alignedError(const pf::ImageF& estimate, const pf::ImageF& truth);

/// Smooth random blobs that fill a 64² frame, on a faint floor (a tenth of the
/// peak) so that the frame is the object's true extent.
pf::ImageF recoveryObject(std::uint64_t seed);

/// Object `seed`, simulated 2x oversampled (128²), HIO:900,ER:100 with the
/// known support box from `starts` random starts (seeds startSeed + j), the
/// start with the lowest final Fourier error kept: its aligned error, and
/// whether the kept start really has the lowest final Fourier error.
struct KnownSupportOutcome {
    double error;
    bool keptTheLowest;
};
KnownSupportOutcome knownSupportError(std::uint64_t seed, std::uint64_t startSeed, int starts);

/// Object `seed` from the data alone (no support given): HIO:400,ER:100 from
/// `starts` random starts (seeds startSeed + j, the lowest final Fourier error
/// kept) with the autocorrelation support (threshold
/// 0.04), kept fixed or refined by shrink-wrap every 20 iterations (σ 3 → 1,
/// decay 0.95, threshold 0.02). Aligned errors of both.
struct SupportErrors {
    double fixed;
    double wrapped;
};
SupportErrors autocorrelationSupportErrors(std::uint64_t seed, std::uint64_t startSeed,
                                           int starts);

/// The thresholds the tests use.
inline constexpr double kKnownSupportRecovered = 0.02;
inline constexpr double kShrinkWrapRecovered = 0.05;

} // namespace pftest
