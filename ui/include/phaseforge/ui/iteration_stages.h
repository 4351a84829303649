// The stages of one iteration as pictures, for the step-through view: the
// core's own projections (projections.h) applied on the host to the iterate a
// run stands at, so that every picture is a real step of the next iteration.
#pragma once

#include <phaseforge/algorithm.h>
#include <phaseforge/image.h>
#include <phaseforge/problem.h>

#include <memory>

namespace pf {
class FftwTransforms;
}

namespace pf::ui {

/// One iteration of the engines' loop (engine.h), started from the iterate g:
///   G = FFT(g) → G' = P_M(G) → g' = Re(IFFT(G')) → g_next = rule(g, g', support).
/// An engine holds g' = Re(IFFT(P_M(FFT(g)))) from the iteration that made g,
/// so from iteration 1 on `constrained` is the iterate the engine's next
/// iteration makes (at iteration 0 the engine's g' is the starting guess).
struct IterationStages {
    long long iteration = 0; ///< iterations done; these are the stages of the next one
    int start = 0;           ///< the start they belong to
    pf::Step step;           ///< the rule and β of the next iteration
    ImageF iterate;          ///< g, real space
    ImageF spectrum;         ///< |G|, whole field, zero frequency centred
    ImageF projected;        ///< |G'| (unnormalised, comparable with the data), centred
    ImageF output;           ///< g' = Re(IFFT(G'))
    ImageF constrained;      ///< rule(g, g') under `support`
    Mask support;            ///< the support in force (empty: the whole field)
};

/// The stages from iterate g. `problem` is the problem as the engine sees it
/// (Reconstruction::engineProblem(): held-out free pixels unmeasured); `support` the start's
/// support in force; `transforms` must have g's shape.
IterationStages iterationStages(const ImageF& g, pf::ProblemRef problem, const Mask& support,
                                const pf::Step& step, pf::FftwTransforms& transforms);

} // namespace pf::ui
