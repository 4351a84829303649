#include "phaseforge/continuation.h"

#include "phaseforge/error.h"

#include <cstdio>

namespace pf {

int shrinkWrapUpdates(const Parameters& params, long long iterations) {
    const ShrinkWrap& sw = params.shrinkWrap;
    if (!sw.enabled || params.shrinkWrapStarts == 0 || iterations <= params.detwinIterations)
        return 0;
    // Reconstruction::advance: an update at each multiple of `every` past detwinning.
    return int(iterations / sw.every - params.detwinIterations / sw.every);
}

Continuation continuationOf(const io::SavedResult& saved) {
    if (saved.object.empty() || saved.object.data.size() != saved.object.shape.size())
        throw InvalidArgument(saved.path + ": the saved result holds no object to continue from");
    Continuation c;
    c.source = saved.path;
    c.previousIterations = saved.iterations;
    c.notices = saved.notices;
    const Parameters& was = saved.parameters;
    Parameters& p = c.parameters;
    p = was;
    p.guess = InitialGuess::Kind::Object;
    p.userObject = saved.object;
    p.userPhase = ImageF{};
    p.initialSupport = InitialSupport::Problem;
    c.support = saved.support;
    p.starts = 1;
    p.keep = 1;
    p.detwinIterations = 0;
    p.shrinkWrapStarts = -1;
    p.gentleThreshold = 0;

    // The best start's own shrink-wrap rule (Reconstruction::updateSupports):
    // the first shrinkWrapStarts starts wrap at `threshold`, the others at the
    // gentle threshold, or not at all without one.
    if (was.shrinkWrap.enabled) {
        const bool wrapped = was.shrinkWrapStarts < 0 || saved.bestStart < was.shrinkWrapStarts;
        if (!wrapped && was.gentleThreshold > 0)
            p.shrinkWrap.threshold = was.gentleThreshold;
        else if (!wrapped)
            p.shrinkWrap.enabled = false;
        const int updates = shrinkWrapUpdates(was, saved.iterations);
        if (p.shrinkWrap.enabled && updates > 0) {
            p.shrinkWrap.sigmaStart = was.shrinkWrap.sigmaAt(updates);
            char sigma[32];
            std::snprintf(sigma, sizeof sigma, "%.3g", double(p.shrinkWrap.sigmaStart));
            c.notices.push_back(std::string("shrink-wrap goes on from sigma ") + sigma + " px after the saved run's " +
                                std::to_string(updates) + " updates");
        }
    }
    if (c.support.empty())
        c.notices.push_back("the saved result has no support; the whole field is used");
    return c;
}

} // namespace pf
