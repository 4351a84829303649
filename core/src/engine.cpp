#include "phaseforge/engine.h"

#include "phaseforge/error.h"
#include "phaseforge/problem.h"

namespace pf {

void Engine::loadValidated(ProblemRef problem, std::span<const InitialGuess> starts) {
    load(Problem{problem.magnitude, problem.measured, problem.support}, starts);
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
