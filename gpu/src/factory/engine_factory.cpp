// The engine factory of a CUDA build: CUDA when a usable device exists, FFTW
// otherwise. parseEngineKind() lives in core (engine_kind.cpp), shared with the
// CPU-only factory.
#include "phaseforge/engine_factory.h"

#include "phaseforge/gpu/cuda_engine.h"
#include "phaseforge/gpu/kernels.h"

#include <phaseforge/error.h>
#include <phaseforge/fftw_engine.h>
#include <phaseforge/log.h>

namespace pf {

std::string cudaUnavailableReason() {
    std::string why;
    if (gpu::deviceAvailable(&why))
        return {};
    return why;
}

namespace {

std::unique_ptr<gpu::CudaEngine> cudaEngine(const EngineOptions& options) {
    return std::make_unique<gpu::CudaEngine>(options);
}

} // namespace

std::unique_ptr<Engine> makeEngine(const EngineOptions& options) {
    if (options.device < 0)
        throw InvalidArgument("engine: device index " + std::to_string(options.device) +
                              " is negative");
    if (options.kind == EngineKind::Cpu)
        return std::make_unique<FftwEngine>(options.cpuThreads);
    const std::string why = cudaUnavailableReason();
    if (options.kind == EngineKind::Cuda) {
        if (!why.empty())
            throw EngineError("engine cuda: " + why);
        return cudaEngine(options);
    }
    // Auto.
    if (why.empty()) {
        try {
            auto engine = cudaEngine(options);
            log(LogLevel::Info, "engine auto: using CUDA on " + engine->info().device);
            return engine;
        } catch (const InvalidArgument&) {
            throw; // a device index that does not exist is the caller's error
        } catch (const Error& e) {
            log(LogLevel::Warning, std::string("engine auto: using FFTW (CUDA failed: ") +
                                       e.what() + ")");
            return std::make_unique<FftwEngine>(options.cpuThreads);
        }
    }
    log(LogLevel::Info, "engine auto: using FFTW (" + why + ")");
    return std::make_unique<FftwEngine>(options.cpuThreads);
}

} // namespace pf
