// Picks an engine. There is one implementation of this header per build: the
// CPU-only one in core/ and, when CUDA is built, the one in gpu/ that knows both.
// Link phaseforge::engines to get the right one.
#pragma once

#include "phaseforge/engine.h"

#include <memory>
#include <string>
#include <string_view>

namespace pf {

enum class EngineKind { Auto, Cuda, Cpu };

/// "auto", "cuda", "cpu" (also "fftw"). Throws InvalidArgument otherwise.
EngineKind parseEngineKind(std::string_view text);

struct EngineOptions {
    EngineKind kind = EngineKind::Auto;
    int cpuThreads = 0; ///< FFTW threads; <= 0 for all
};

/// Auto picks CUDA when a usable device exists, otherwise FFTW, and logs why.
/// Cuda throws EngineError when no usable device exists, saying why.
std::unique_ptr<Engine> makeEngine(const EngineOptions& options = {});

/// Why CUDA cannot be used here ("" when it can): no toolkit built in, no
/// driver, no device.
std::string cudaUnavailableReason();

} // namespace pf
