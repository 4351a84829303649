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
    /// CUDA engine: the two-pass iteration (its own shared-memory FFTs, one
    /// row and one column pass per iteration) where the shape allows: rows
    /// and cols powers of two in 64..8192; other shapes run the library
    /// FFTs. Faster on the H200 up to 4096² (docs/gpu-engine.md). The FFTW
    /// engine ignores it.
    bool twoPass = false;
};

/// Auto picks CUDA when a usable device exists, otherwise FFTW, and logs why.
/// Cuda throws EngineError when no usable device exists, saying why.
std::unique_ptr<Engine> makeEngine(const EngineOptions& options = {});

/// Why CUDA cannot be used here ("" when it can): no toolkit built in, no
/// driver, no device.
std::string cudaUnavailableReason();

} // namespace pf
