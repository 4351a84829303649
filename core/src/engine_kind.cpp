#include "phaseforge/engine_factory.h"

#include "phaseforge/error.h"

#include <string>

namespace pf {

EngineKind parseEngineKind(std::string_view text) {
    if (text == "auto")
        return EngineKind::Auto;
    if (text == "cuda" || text == "gpu")
        return EngineKind::Cuda;
    if (text == "cpu" || text == "fftw")
        return EngineKind::Cpu;
    throw InvalidArgument("engine: '" + std::string(text) + "' is not one of auto, cuda, cpu");
}

} // namespace pf
