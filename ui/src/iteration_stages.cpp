#include "phaseforge/ui/iteration_stages.h"

#include "phaseforge/ui/fourier_estimate.h"

#include <phaseforge/error.h>
#include <phaseforge/fftw_engine.h>
#include <phaseforge/projections.h>

#include <complex>
#include <vector>

namespace pf::ui {

IterationStages iterationStages(const ImageF& g, pf::ProblemRef problem, const Mask& support,
                                const pf::Step& step, pf::FftwTransforms& transforms) {
    const Shape s = g.shape;
    if (problem.shape() != s || transforms.shape() != s)
        throw pf::InvalidArgument("iteration stages: the iterate, the problem and the transforms "
                                  "must have one shape");
    IterationStages out;
    out.step = step;
    out.iterate = g;
    out.support = support;

    std::vector<std::complex<float>> spectrum(s.halfSize());
    transforms.forward(g.data, spectrum);
    out.spectrum = centredMagnitudeOfHalf(spectrum, s, 1.0f);

    // projectMagnitude folds the inverse transform's 1/(rows·cols) in; the
    // picture undoes it so that |G'| is on the measured magnitudes' scale.
    std::vector<std::complex<float>> projected = spectrum;
    pf::projectMagnitude(pf::hermitianWeights(problem), projected);
    out.projected = centredMagnitudeOfHalf(projected, s, float(s.size()));

    out.output = ImageF(s);
    transforms.inverse(projected, out.output.data);
    out.constrained = ImageF(s);
    pf::applyObjectConstraint(step, g.data, out.output.data, support.data, out.constrained.data);
    return out;
}

} // namespace pf::ui
