// Support rules: a fixed mask, a first support from the autocorrelation, and
// shrink-wrap. The engines blur on their own device with the rule fixed here.
#pragma once

#include "phaseforge/image.h"

#include <cstdint>
#include <span>
#include <vector>

namespace pf {

struct Problem;
struct ProblemRef;
class Engine;

/// Shrink-wrap (Marchesini et al. 2003): every `every` iterations the support
/// becomes { blur_σ(a) >= threshold · max blur_σ(a) }, where a = max(g, 0) inside
/// the current support and 0 elsewhere (the object estimate: HIO's feedback
/// values are not object), σ shrinking
/// geometrically from sigmaStart by `sigmaDecay` per update, never below sigmaEnd.
struct ShrinkWrap {
    bool enabled = false;
    int every = 20;            ///< iterations between updates (> 0)
    float sigmaStart = 3.0f;   ///< pixels
    float sigmaEnd = 1.0f;     ///< pixels
    float sigmaDecay = 0.99f;  ///< σ_u = max(sigmaEnd, sigmaStart · sigmaDecay^u)
    float threshold = 0.2f;    ///< fraction of the blurred maximum, in (0, 1)

    float sigmaAt(int update) const;
    void validate() const; ///< throws InvalidArgument naming the bad field
};

/// The blur's weights w_j, j = -radius..radius (radius = ceil(3σ) is set):
/// exp(-j²/(2σ²)) in double, normalised to sum 1, rounded to float. Both
/// engines blur with exactly these.
std::vector<float> gaussianBlurWeights(float sigma, int& radius);

/// The blur the engines apply: separable, periodic (wrap-around), with kernel
/// w_j ∝ exp(-j²/(2σ²)) for |j| <= ceil(3σ), normalised to sum 1; rows first,
/// then columns. `in` and `out` may not alias.
void gaussianBlurPeriodic(std::span<const float> in, Shape shape, float sigma,
                          std::span<float> out);

/// The support rule on a blurred image: 1 where value >= threshold · max.
Mask thresholdSupport(std::span<const float> blurred, Shape shape, float threshold);

/// A first support from the data alone: the autocorrelation of the object is
/// IFFT(|F|^2) (unmeasured pixels count as 0); the support is where it reaches
/// `threshold` times its maximum. FFT order, like the object.
/// Validates the problem first; the ProblemRef form does not (problem.h).
Mask autocorrelationSupport(const Problem& problem, float threshold = 0.04f);
Mask autocorrelationSupport(ProblemRef problem, float threshold);

/// The automatic first support: the autocorrelation support made robust to
/// an unmeasured centre (beamstop), detector gaps and masked pixels.
/// The intensity of the unmeasured pixels is first estimated from the rest:
/// `fillIterations` alternating projections between the measured intensities
/// and an autocorrelation that is non-negative (the object is) and zero
/// outside where its blur (σ = 2 px) is below `fillFloor` of its maximum.
/// The support is then where the completed autocorrelation reaches
/// `threshold` of its maximum, dilated by `dilation` pixels (a support a
/// little too large costs shrink-wrap a few updates; one too small loses the
/// object). See docs/algorithms.md.
struct AutoSupport {
    float threshold = 0.04f;
    int fillIterations = 100;
    float fillFloor = 0.01f;
    int dilation = 1;
    void validate() const; ///< throws InvalidArgument naming the bad field
};

/// The automatic support (AutoSupport's rule). FFT order, like the object.
/// Validates the problem first; the ProblemRef form does not (problem.h).
/// It is the three steps below, with the fill on the host; the third form
/// runs the fill on `engine`'s device (Engine::fillAutocorrelation), as the
/// recipe does.
Mask estimateSupport(const Problem& problem, const AutoSupport& rule = {});
Mask estimateSupport(ProblemRef problem, const AutoSupport& rule);
Mask estimateSupport(ProblemRef problem, const AutoSupport& rule, Engine& engine);

/// The fill step of the automatic support, as an engine runs it: the measured
/// intensities on the half spectrum (rows × (cols/2+1), Hermitian-symmetrised:
/// a pixel whose mirror is unmeasured takes the mirror's value), which of them
/// are known, and AutoSupport's fill settings.
struct IntensityFill {
    Shape shape;
    std::vector<std::uint8_t> known; ///< half spectrum: 1 where measured (or its mirror is)
    std::vector<float> value;        ///< half spectrum: the intensity, 0 where unknown
    int iterations = 0;
    float floor = 0;                 ///< AutoSupport::fillFloor
};
/// Step 1: the fill's input from the data (AutoSupport validated).
IntensityFill intensityFillOf(ProblemRef problem, const AutoSupport& rule);
/// Step 2 on the host (FFTW): `fill.iterations` alternating projections
/// between the known intensities and an autocorrelation that is non-negative
/// and zero where its blur (σ = 2 px) is below `fill.floor` of its maximum;
/// writes max(0, the completed autocorrelation), unnormalised, into `out`
/// (rows·cols, FFT order). Engines run the same steps on their device
/// (Engine::fillAutocorrelation).
void fillAutocorrelation(const IntensityFill& fill, std::span<float> out);
/// Step 3: threshold the completed autocorrelation at rule.threshold of its
/// maximum and dilate; InvalidArgument when nothing is left.
Mask supportFromAutocorrelation(std::span<const float> autocorrelation, Shape shape,
                                const AutoSupport& rule);

/// Pixels within `radius` (Chebyshev distance, periodic) of a one.
Mask dilate(const Mask& m, int radius);

/// Number of ones in a mask.
long long countOnes(const Mask& m);

} // namespace pf
