#include "phaseforge/engine.h"

#include "phaseforge/error.h"
#include "phaseforge/problem.h"
#include "phaseforge/support.h"

#include <cmath>
#include <string>

namespace pf {

void Engine::loadValidated(ProblemRef problem, std::span<const InitialGuess> starts) {
    load(Problem{problem.magnitude, problem.measured, problem.support}, starts);
}

void Engine::fillAutocorrelation(const IntensityFill& fill, std::span<float> out) {
    pf::fillAutocorrelation(fill, out);
}

void ShrinkWrapUpdate::validate(int starts) const {
    if (!(sigma > 0) || !std::isfinite(sigma))
        throw InvalidArgument("shrink-wrap: sigma must be positive and finite, got " +
                              std::to_string(sigma));
    if (thresholds.size() != std::size_t(starts))
        throw InvalidArgument("shrink-wrap: " + std::to_string(thresholds.size()) +
                              " thresholds for " + std::to_string(starts) + " starts");
    for (float t : thresholds)
        if (!(t >= 0 && t < 1))
            throw InvalidArgument("shrink-wrap: a threshold must lie in [0, 1), got " +
                                  std::to_string(t));
    if (minPixels < 1 || maxPixels < minPixels)
        throw InvalidArgument("shrink-wrap: size limits must satisfy 1 <= min <= max, got " +
                              std::to_string(minPixels) + " and " + std::to_string(maxPixels));
}

void Engine::shrinkWrap(float sigma, float threshold) {
    const std::vector<float> thresholds(std::size_t(startCount()), threshold);
    ShrinkWrapUpdate update;
    update.sigma = sigma;
    update.thresholds = thresholds;
    shrinkWrap(update);
}

void Engine::checkStart(int start, int count) {
    if (start < 0 || start >= count)
        throw InvalidArgument("start: index " + std::to_string(start) + " is outside 0.." +
                              std::to_string(count - 1));
}

void Engine::checkIterate(int start, int count, std::span<const float> iterate, Shape shape) {
    checkStart(start, count);
    if (iterate.size() != shape.size())
        throw InvalidArgument("iterate: " + std::to_string(iterate.size()) + " values for a " +
                              shape.toString() + " problem");
    for (float v : iterate)
        if (!std::isfinite(v))
            throw InvalidArgument("iterate: it holds a NaN or infinite value");
}

void Engine::readObject(int start, std::span<float> out) {
    readIterate(start, out);
    Mask support;
    readSupport(start, support);
    for (std::size_t i = 0; i < out.size(); ++i) {
        const bool inside = support.empty() || support.data[i] != 0;
        if (!inside || out[i] < 0)
            out[i] = 0;
    }
}

} // namespace pf
