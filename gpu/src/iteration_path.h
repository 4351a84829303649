// The one internal interface of an iteration path: how a batch of iterations
// is enqueued on the device. CudaEngine (cuda_engine.cpp) owns one path per
// loaded problem, chooses it (EngineOptions::path), captures what a path
// enqueues into CUDA graphs where it may, and does everything else (metrics,
// supports, reading, publishing) itself. Every path leaves the stage-1 state
// between batches: g and g' of every start in EngineState, so the rest of the
// engine never depends on which path ran. Internal to gpu/src.
//
//   stage1_path.cpp    cuFFT R2C/C2R and two element-wise kernels (kernels.cu);
//                      the kernel-level API reproduces it bit for bit
//   two_pass_path.cpp  one row and one column pass per iteration with our own
//                      FFTs (two_pass.h), or the persistent kernel (persistent.h)
#pragma once

#include "engine_state.h"
#include "rule.h"

#include <phaseforge/engine_factory.h>

#include <memory>

namespace pf::gpu::detail {

class IterationPath {
public:
    virtual ~IterationPath() = default;
    /// The engine's name in results and CXI files while this path runs.
    virtual const char* name() const = 0;
    /// Work done once, outside any graph capture, before the first batch
    /// (buffers, tables, kernel attributes). Idempotent.
    virtual void prepare() {}
    /// Enqueues `length` >= 1 iterations of `rule` on the state's stream.
    /// β is read from EngineState::beta. When `record`, the last iteration
    /// adds its sums to the state's slots, which this zeroes first.
    virtual void enqueue(Rule rule, int length, bool record) = 0;
    /// Whether enqueue()'s work may be captured into a CUDA graph and
    /// replayed (the engine then caches one graph per rule, length, record
    /// and support state). A path that says no is enqueued directly.
    virtual bool capturable() const { return true; }
    /// Adds the device memory this path holds beyond the state.
    virtual void addFootprint(DeviceFootprint&) const {}
};

/// Stage 1 over `state`, which must outlive it.
std::unique_ptr<IterationPath> makeStage1Path(EngineState& state);
/// The two-pass path over `state` (a shape for which twoPassShape() holds).
std::unique_ptr<IterationPath> makeTwoPassPath(EngineState& state, const TwoPassTuning& tuning);

/// Whether CudaPath::Automatic runs the two-pass path for `starts`
/// starts of `shape`: where it was measured faster than stage 1 (see
/// two_pass_path.cpp).
bool twoPassByDefault(Shape shape, int starts);

} // namespace pf::gpu::detail
