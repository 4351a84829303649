// What is done with reconstructed objects after the iterations: comparing
// starts (shift and twin), averaging them, centring the picture, the errors on
// chosen Fourier pixels and the phase-retrieval transfer function (PRTF).
// Host code, used by the recipe (reconstruction.h) and the benchmarks.
#pragma once

#include "phaseforge/image.h"
#include "phaseforge/problem.h"

#include <complex>
#include <vector>

namespace pf {

/// The twin of a real object: x(-r, -c), indices wrapping (|FFT| is the same).
ImageF twinOf(const ImageF& in);
Mask twinOf(const Mask& in);

/// How `moving` is brought onto `reference`: optionally take its twin, then
/// shift it by (dr, dc). Chosen to maximise the circular cross-correlation.
struct Alignment {
    bool twin = false;
    int dr = 0;
    int dc = 0;
    ImageF apply(const ImageF& moving) const;
    Mask apply(const Mask& moving) const;
};
Alignment align(const ImageF& reference, const ImageF& moving);

/// `align` for many images against one reference: the reference's transform
/// is taken once, each image's once (align takes both every call).
class AlignmentTo {
public:
    explicit AlignmentTo(const ImageF& reference);
    Alignment of(const ImageF& moving) const;

private:
    Shape m_shape;
    std::vector<std::complex<float>> m_spectrum; ///< the reference's half spectrum
};

/// min over twin, shift and a scale a >= 0 of ‖a·x − t‖ / ‖t‖: the error of a
/// reconstruction x against a truth t, blind to what phase retrieval cannot
/// tell apart. 0 for a perfect reconstruction; 1 for x = 0.
double errorAfterAlignment(const ImageF& x, const ImageF& truth);

/// The same error for an x already aligned on t (by `align`): only the scale
/// a >= 0 is chosen, no shift or twin.
double errorAfterScale(const ImageF& x, const ImageF& truth);

/// The periodic centre of mass of an image, in pixels: on each axis the mean
/// angle of its pixels weighted by max(x, 0), as a position in [0, n); NaN on
/// an axis where the weights vanish or their angles cancel.
struct PeriodicCentre {
    double row = 0;
    double col = 0;
};
PeriodicCentre periodicCentre(const ImageF& weights);

/// The shift that puts the object's centre of mass (periodicCentre(), rounded
/// to whole pixels) in the middle of the field, at (rows / 2, cols / 2).
struct Centring {
    int dr = 0;
    int dc = 0;
};
Centring centringOf(const ImageF& object);

/// ‖|FFT x| − M‖ / ‖M‖ over the pixels where `pixels` is 1 (all when empty).
/// NaN when those pixels carry no intensity.
double fourierErrorOn(const ImageF& object, const ImageF& magnitude, const Mask& pixels);
/// The same from the object's half spectrum (R2C, unnormalised; rows x
/// (cols/2 + 1)), for a caller that has it already.
double fourierErrorOnHalfSpectrum(const std::vector<std::complex<float>>& half,
                                  const ImageF& magnitude, const Mask& pixels);

/// The free error (fourierErrorOn) that photon noise alone gives a perfect
/// reconstruction on `pixels`, when the magnitudes are square roots of photon
/// counts: sqrt(Σ v(λ) / Σ λ) with λ = M² at each pixel and v(λ) = E[(√N − √λ)²]
/// for N ~ Poisson(λ) (1/4 for bright pixels, less for faint ones). NaN when
/// the magnitudes are not counts (a pixel under 1000 photons whose M² is off an
/// integer, or fewer than 64 such pixels) or `pixels` holds no intensity.
double photonNoiseFloor(const ImageF& magnitude, const Mask& pixels);

/// Whether a start whose score (free error) is `score` is averaged with the
/// best start (score `best`): with photon counts (`noiseFloor` finite), when
/// within 10% of the best; without, within 25% plus 0.005 (exact data).
/// The measurements behind the factors are in analysis.cpp.
bool scoreJoinsAverage(double score, double best, double noiseFloor);

/// The phase-retrieval transfer function of several aligned reconstructions
/// of one pattern: in rings of spatial frequency q (cycles per pixel, ring
/// width 1 / max(rows, cols)), PRTF(q) = Σ|mean_k F_k| / Σ M over the measured
/// pixels of the ring, F_k = FFT of reconstruction k. 1 where every start
/// agrees with the data; it falls where the phases disagree.
struct Prtf {
    std::vector<double> frequency; ///< ring centres, cycles per pixel (0 .. 0.5√2)
    std::vector<double> value;     ///< PRTF per ring (NaN where nothing was measured)
    /// The first frequency above which the PRTF stays below 1/e for a ring;
    /// 0.5 (Nyquist) when it never falls below. Half-period resolution in
    /// pixels: 1 / (2 · resolutionFrequency).
    double resolutionFrequency = 0.5;
};
Prtf prtf(const std::vector<ImageF>& aligned, const Problem& problem);

} // namespace pf
