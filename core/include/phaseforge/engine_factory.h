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

/// Which iteration the CUDA engine runs (the FFTW engine has one; it ignores this).
enum class CudaPath {
    Automatic, ///< the fastest measured for the shape and batch (docs/gpu-engine.md)
    Stage1,    ///< cuFFT with two element-wise kernels: what the kernel-level API reproduces
    TwoPass,   ///< one row and one column pass per iteration with the engine's own
               ///< FFTs, where the shape allows (rows and cols powers of two in
               ///< 64..8192); other shapes run stage 1
};

/// The two-pass path's persistent kernel (a whole batch in one cooperative launch).
enum class PersistentKernel {
    Automatic, ///< for small problems, where it was measured faster
    Never,     ///< one launch per pass
    Always,    ///< whenever the shape allows (rows and cols <= 1024)
};

/// Launch-shape overrides of the CUDA engine's two-pass path, for benchmark
/// sweeps and tests; the defaults are the measured choice. Values that do not
/// fit a shape make load() or setPath() throw InvalidArgument.
struct TwoPassTuning {
    int rowsPerBlock = 0;   ///< rows per row block, a power of two; 0: automatic
    int columnsPerTile = 0; ///< columns per column tile, a power of two; 0: automatic
    PersistentKernel persistent = PersistentKernel::Automatic;
    int persistentThreads = 0; ///< threads per persistent block, a power of two 32..512; 0: automatic
    /// The per-pass kernels as programmatic dependent launches: each pass's
    /// blocks are scheduled while the pass before it finishes. false: plain
    /// launches (benchmark comparisons).
    bool overlapPasses = true;
};

struct EngineOptions {
    EngineKind kind = EngineKind::Auto;
    int cpuThreads = 0; ///< FFTW threads; <= 0 for all
    /// The CUDA device index the CUDA engine uses (0 is the first device the
    /// CUDA runtime lists). A negative index, or one beyond the devices found
    /// when CUDA is usable, makes makeEngine() throw InvalidArgument naming
    /// the index and the count found (Auto too: it falls back to FFTW only
    /// when CUDA cannot be used at all).
    int device = 0;
    /// CUDA engine: which iteration runs. Automatic by default: the two-pass
    /// iteration where it was measured faster (power-of-two shapes in
    /// 64..8192), stage 1 elsewhere. Stage1 and TwoPass are overrides
    /// (phaseforge-cli --two-pass, Python two_pass=).
    CudaPath path = CudaPath::Automatic;
    TwoPassTuning twoPassTuning = {}; ///< CUDA engine, two-pass path: launch shapes
};

/// Auto picks CUDA when a usable device exists, otherwise FFTW, and logs why.
/// Cuda throws EngineError when no usable device exists, saying why.
std::unique_ptr<Engine> makeEngine(const EngineOptions& options = {});

/// Why CUDA cannot be used here ("" when it can): no toolkit built in, no
/// driver, no device.
std::string cudaUnavailableReason();

} // namespace pf
