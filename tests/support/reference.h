// An independent float64 reference of the iteration, written straight from the
// semantics in docs/algorithms.md: full complex spectra (no Hermitian tricks),
// double precision, FFTW's double c2c transforms. Tests compare engines to it.
#pragma once

#include <phaseforge/algorithm.h>
#include <phaseforge/image.h>
#include <phaseforge/problem.h>
#include <phaseforge/support.h>

#include <cmath>
#include <complex>
#include <cstdint>
#include <vector>

namespace pftest {

/// The state of the reference loop: g (input), gOut (last Fourier output).
struct RefState {
    pf::Shape shape;
    std::vector<double> g;
    std::vector<double> gOut;
};

/// Full 2-D DFTs in double (forward: e^{-i...}, inverse: divided by N).
std::vector<std::complex<double>> fft2(const std::vector<std::complex<double>>& x, pf::Shape s);
std::vector<std::complex<double>> ifft2(const std::vector<std::complex<double>>& x, pf::Shape s);

/// The default tie margin, relative to rms(g'), and the most ties a comparison
/// of one run may need before it fails (a few pixels: more means a wrong rule).
inline constexpr double kTieTolerance = 1e-5;
/// The phase-tie margin, relative to rms|G| (see refIterate).
inline constexpr double kPhaseTieTolerance = 1e-4;
inline constexpr int kMaxTies = 4;

/// g0 = gOut0 = Re(IFFT(M·exp(iφ0))), with M taken as 0 where not measured.
RefState refInit(const pf::ImageF& magnitude, const pf::Mask& measured, const pf::ImageF& phase0);

/// One iteration of the named rule, exactly as written in algorithm.h.
/// measured and support may be empty.
///
/// Ties: where the value the rule tests (g', or 2g' - g for RAAR) lies within
/// tieTolerance·rms(g') of zero, float32 and float64 may legitimately take
/// different branches, and IO/HIO then move that pixel by O(|g|). When
/// `tieBreak` (the engine's g_next for this iteration) is given, such pixels
/// take the branch whose value is closer to it; *ties counts those where that
/// differs from the reference's own branch. Every other pixel is decided by the
/// reference alone. The default margin, 1e-5·rms, is about a hundred times
/// float32 rounding of a value of size rms and small enough that a wrong rule
/// (a sign, a missed pixel) cannot hide in it; callers assert that *ties stays
/// at a few pixels (kMaxTies).
///
/// Phase ties: the projection M·G/|G| turns a measured pixel's phase by
/// rounding/|G|, which no bound holds where |G| is near zero (where G is real,
/// at DC and on the Nyquist row and column, the phase is a sign and a small
/// |G| is far likelier than elsewhere; on the H200, 2026-12-04, one such pixel
/// put one GS step 3.7e-3 from float64).
/// When `phaseTieBreak` (the engine's g' after this iteration) is given, a
/// measured pixel whose |G| is within kPhaseTieTolerance·rms|G| of zero takes
/// the phase of the engine's spectrum there (FFT of g': the phase the engine's
/// projection gave it); *phaseTies counts them. A pixel that small carries
/// 1e-8 of the energy of a typical one, so a wrong projection cannot hide in
/// the margin.
void refIterate(RefState& st, const pf::ImageF& magnitude, const pf::Mask& measured,
                const pf::Mask& support, pf::Algorithm alg, double beta,
                const std::vector<float>* tieBreak = nullptr, int* ties = nullptr,
                double tieTolerance = kTieTolerance,
                const std::vector<float>* phaseTieBreak = nullptr, int* phaseTies = nullptr);

/// The Fourier error's two sums, in double from the image `g`:
/// Σ (|F g| − M)² and Σ M² over the measured pixels (all when `measured` is
/// empty). The error is sqrt(numerator / denominator).
struct FourierErrorSums {
    double numerator = 0, denominator = 0;
    double relative() const { return std::sqrt(numerator / denominator); }
};
FourierErrorSums refFourierError(const std::vector<float>& g, const pf::ImageF& magnitude,
                                 const pf::Mask& measured);

/// The automatic support's fill (support.h, fillAutocorrelation) in float64,
/// from its description: full spectra, a direct periodic blur with the same
/// weights. Returns max(0, the completed autocorrelation), unnormalised (the
/// inverse transform not divided by rows·cols), like the engines.
std::vector<double> refFillAutocorrelation(const pf::IntensityFill& fill);
/// How far a float32 fill may end from the float64 one, as a fraction of the
/// completed autocorrelation's peak (host and device engines alike).
inline constexpr double kFillTolerance = 1e-4;
/// A pattern for the fill's tests: random blobs of `objectShape` at
/// oversampling 2, a beamstop of 3 px and 3% dead pixels.
pf::Problem fillTestProblem(pf::Shape objectShape, std::uint64_t seed);
/// How far a float32 fill's result `got` lies from refFillAutocorrelation(fill)
/// (deviation), and how far the fill moves the zero-filled autocorrelation
/// (effect: a test of the fill must see it matter), both as fractions of the
/// completed autocorrelation's peak.
struct FillDistance {
    double deviation = 0, effect = 0;
};
FillDistance fillDistance(const pf::IntensityFill& fill, const std::vector<float>& got);

/// ‖a − b‖ / ‖b‖.
double relL2(const std::vector<float>& a, const std::vector<double>& b);
double relL2(const std::vector<double>& a, const std::vector<double>& b);

/// The seed of a test's random inputs: PF_TEST_SEED if set; a fresh one from
/// std::random_device with PF_TEST_FRESH=1 (the device check and the seed sweeps
/// run that way, to show each bound holds for every input); otherwise a fixed
/// hash of `what`, so CI sees the same inputs on every run. Prints the seed it
/// used so a failure can be replayed.
std::uint64_t testSeed(const char* what);
/// A pinned seed for statistical tests that gate CI: `pinned` unless PF_TEST_SEED
/// is set; prints the seed it used. Their failure probability for other seeds
/// is measured by a benchmark (bench/recovery/).
std::uint64_t pinnedSeed(const char* what, std::uint64_t pinned);
pf::ImageF randomMagnitude(pf::Shape s, std::uint64_t seed);
pf::ImageF randomPhaseImage(pf::Shape s, std::uint64_t seed);
pf::Mask randomMask(pf::Shape s, double fractionOn, std::uint64_t seed);
/// A centred box support covering `fraction` of each axis.
pf::Mask boxSupport(pf::Shape s, double fraction);

} // namespace pftest
