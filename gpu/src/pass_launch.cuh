// Launching the two-pass kernels back to back (two_pass.cu, split_columns.cu):
// a plain launch, or a programmatic dependent launch, where the next pass's
// blocks are scheduled while the previous pass's last blocks still run, so
// that the launch latency and the ramp of each pass overlap the tail of the
// one before. Every pass kernel calls awaitPreviousPass() before it touches
// global memory; launched plainly, that call returns at once.
#pragma once

#include "check.h"
#include "counters.h"

#include <cstddef>
#include <cuda_runtime.h>
#include <utility>

namespace pf::gpu::detail {

/// First statement of every pass kernel: waits until the kernel before it in
/// the stream has completed and its writes are visible (a no-op for a plain
/// launch), then lets the kernel after it be scheduled. Waiting first keeps
/// every kernel's dependency on the one before it direct, and so transitive:
/// pass n+2 starts only after pass n+1 has waited for pass n.
__device__ inline void awaitPreviousPass() {
    cudaGridDependencySynchronize();
    cudaTriggerProgrammaticLaunchCompletion();
}

/// Launches `kernel(args...)` on `stream`; `overlap` makes it a programmatic
/// dependent launch (TwoPassTuning::overlapPasses). Captured into a CUDA
/// graph, the overlap becomes a programmatic edge.
template <class... Params, class... Args>
void launchPass(bool overlap, void (*kernel)(Params...), dim3 grid, dim3 block, std::size_t shared,
                cudaStream_t stream, Args&&... args) {
    cudaLaunchAttribute attribute{};
    attribute.id = cudaLaunchAttributeProgrammaticStreamSerialization;
    attribute.val.programmaticStreamSerializationAllowed = 1;
    cudaLaunchConfig_t config{};
    config.gridDim = grid;
    config.blockDim = block;
    config.dynamicSmemBytes = shared;
    config.stream = stream;
    config.attrs = &attribute;
    config.numAttrs = overlap ? 1 : 0;
    PF_CUDA_CHECK(cudaLaunchKernelEx(&config, kernel, std::forward<Args>(args)...));
    countLaunch();
}

} // namespace pf::gpu::detail
