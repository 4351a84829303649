// The engine factory of a build without CUDA: only the FFTW engine exists.
#include "phaseforge/engine_factory.h"

#include "phaseforge/error.h"
#include "phaseforge/fftw_engine.h"
#include "phaseforge/log.h"

namespace pf {

std::string cudaUnavailableReason() { return "this build of PhaseForge has no CUDA engine"; }

std::unique_ptr<Engine> makeEngine(const EngineOptions& options) {
    if (options.device < 0)
        throw InvalidArgument("engine: device index " + std::to_string(options.device) +
                              " is negative");
    if (options.kind == EngineKind::Cuda)
        throw EngineError("engine cuda: " + cudaUnavailableReason());
    if (options.kind == EngineKind::Auto)
        log(LogLevel::Info, "engine auto: using FFTW (" + cudaUnavailableReason() + ")");
    return std::make_unique<FftwEngine>(options.cpuThreads);
}

} // namespace pf
