// The two projections of one iteration, as plain host loops. The FFTW engine
// runs exactly these; the Python per-kernel API exposes them; the CUDA engine
// implements the same arithmetic in gpu/ (see docs/algorithms.md).
#pragma once

#include "phaseforge/algorithm.h"
#include "phaseforge/image.h"

#include <complex>
#include <cstdint>
#include <span>
#include <vector>

namespace pf {

struct ProblemRef;

/// Per half-spectrum pixel, the magnitude projection in Hermitian form.
///
/// For a real iterate |G(k)| = |G(-k)|, and Re(IFFT(.)) keeps only the
/// Hermitian part of the projected spectrum. Writing v(j) = M(j) where j was
/// measured and |G| where it was not, the exact projection of half pixel h is
///   G' = (v(h) + v(-h))/2 · G/|G| = (a·|G| + b) · G/|G|   (phase 0 where |G| = 0)
/// with a = 1 - m/2 and b = (sum of measured M over {h, -h}) / 2, where m counts
/// the measured members of {h, -h} (h counted twice when h = -h).
///
/// The Fourier error needs each full-spectrum pixel once. Half pixel h stands
/// for itself and, unless its column is 0 or cols/2 (even cols), for its
/// conjugate too, which lies outside the half spectrum. With n = measured
/// count and s = sum of measured M over that set:
///   sum over measured k of (|G(k)| - M(k))^2
///     = sum over half pixels of (n·|G|^2 - 2s·|G|) + sum of measured M^2.
struct HermitianWeights {
    Shape shape;                   ///< the full real-space shape
    std::vector<float> a;          ///< halfSize() entries, projection slope
    std::vector<float> b;          ///< halfSize() entries, projection offset
    std::vector<float> n;          ///< halfSize() entries, error: measured count
    std::vector<float> s;          ///< halfSize() entries, error: measured magnitude sum
    double sumMeasuredSquared = 0; ///< sum of M^2 over measured pixels (full spectrum)
};

/// Builds the weights from a validated problem.
HermitianWeights hermitianWeights(ProblemRef problem);

/// The real-space rule of one iteration (see algorithm.h), over all pixels:
///   next[i] = rule(g[i], gOut[i], support[i]).
/// support may be empty (whole field). Returns the violation energy
/// sum over violating pixels of gOut^2 (the real-space error numerator), and
/// adds sum of gOut^2 over all pixels to *outputEnergy when it is not null.
double applyObjectConstraint(const Step& step, std::span<const float> g,
                             std::span<const float> gOut, std::span<const std::uint8_t> support,
                             std::span<float> next, double* outputEnergy = nullptr);

/// The magnitude projection in place on a half spectrum, with the inverse
/// transform's 1/(rows·cols) folded in:  G <- (a|G| + b) G/|G| / (rows·cols).
/// Returns sum over half pixels of (n|G|^2 - 2s|G|) for the G before projection;
/// add weights.sumMeasuredSquared to get the squared Fourier error numerator.
double projectMagnitude(const HermitianWeights& w, std::span<std::complex<float>> spectrum);

/// The same two steps without their sums, for iterations that leave no
/// metrics record: the same values bit for bit, fewer bytes read and no
/// double-precision accumulation.
void applyObjectRule(const Step& step, std::span<const float> g, std::span<const float> gOut,
                     std::span<const std::uint8_t> support, std::span<float> next);
void projectMagnitudeOnly(const HermitianWeights& w, std::span<std::complex<float>> spectrum);

/// One record of the metrics history.
struct MetricsRecord {
    long long iteration = 0;    ///< 1-based iteration that produced it
    int start = 0;              ///< which start of a multi-start run
    float fourierError = 0;     ///< ‖|F x| − M‖ / ‖M‖ over measured pixels
    float realError = 0;        ///< ‖g' on violating pixels‖ / ‖g'‖
    long long supportSize = 0;  ///< pixels in the support in force
};

/// The record of one iteration from the sums every engine accumulates (in
/// double): `fourierSum` = sum of (n|G|² − 2s|G|) over half pixels (the
/// return of projectMagnitude()), `violation` and `outputEnergy` those of
/// applyObjectConstraint(). The one place the two error formulas are written.
MetricsRecord metricsRecord(long long iteration, int start, double fourierSum,
                            double sumMeasuredSquared, double violation, double outputEnergy,
                            long long supportSize);

} // namespace pf
