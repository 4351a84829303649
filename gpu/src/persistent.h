// The persistent two-pass kernel: one cooperative launch runs a whole batch of
// two-pass iterations (two_pass.h), every block taking row blocks, then (after
// a grid-wide barrier) column tiles, then the next iteration, so that the
// launch gaps and kernel ramps of two launches per iteration vanish. The state
// between the passes stays the half spectrum X in device memory; at the sizes
// it is chosen for (kPersistentAutoPixels: up to 1024² pixels in all starts,
// 4 MiB of X) X, g, the support and the weights stay in the 50 MB L2 of an H200.
//
// It computes exactly what the one-launch-per-pass kernels compute (the same
// pass bodies, two_pass_passes.cuh; the tile shapes differ, which does not
// change any value's arithmetic): the iterates agree bit for bit, the metric
// sums up to the order of their additions. Internal to gpu/src;
// the two-pass path (two_pass_path.cpp) picks it when persistentLaunch() says
// it applies.
#pragma once

#include "rule.h"
#include "two_pass.h"

#include <phaseforge/engine_factory.h>
#include <phaseforge/image.h>

#include <cstddef>
#include <cuda_runtime.h>

namespace pf::gpu::detail {

/// The largest rows and cols the persistent kernel takes.
inline constexpr int kPersistentMaxLength = 1024;
/// The most pixels (rows·cols·starts) for which it is picked automatically:
/// on the H200 (bench --sweep-persistent, commit ff93aac) it won for one start
/// of 1024² (16.0 against 17.9 µs), 4 of 512² (13.5 against 14.0), 2 of 512²,
/// 1 to 8 of 256², and lost for 2 of 1024² and 8 of 512²
/// (bench/results/gpu-engine.md).
inline constexpr long long kPersistentAutoPixels = 1024LL * 1024;

/// Launch shape of the persistent kernel for one problem shape and batch.
/// threads == 0: it does not apply (use the per-pass kernels).
struct PersistentLaunch {
    int threads = 0;          ///< per block: rowsPerBlock·cols/16 = columnsPerBlock·rows/8
    int rowsPerBlock = 0;     ///< rows per row work item
    int columnsPerBlock = 0;  ///< columns per column work item
    int rowBlocks = 0;        ///< row work items per image
    int columnBlocks = 0;     ///< column work items per image
    int grid = 0;             ///< blocks launched, all co-resident
    std::size_t sharedBytes = 0;
};

/// The persistent kernel's launch shape for `batch` images of `shape` on the
/// current device, or threads == 0 when it does not run: a shape outside
/// twoPassShape() or longer than kPersistentMaxLength, no cooperative launch
/// on the device, or `tuning` (EngineOptions) says no:
///   PersistentKernel::Automatic: only when rows·cols·batch <= kPersistentAutoPixels;
///   Never: the per-pass kernels run;  Always: whenever the shape allows.
/// tuning.persistentThreads > 0 fixes the threads per block (a power of two
/// 32..512 that fits the shape, else InvalidArgument); 0 picks them.
PersistentLaunch persistentLaunch(Shape shape, int batch, const TwoPassTuning& tuning);

/// One batch of the persistent kernel.
struct PersistentParams {
    RowPassParams row;        ///< as for the per-pass row kernel; mode, writeG, sums set per iteration
    ColumnPassParams column;  ///< as for the per-pass column kernel; sums set per iteration
    int iterations;           ///< >= 1
    int images;               ///< K starts
    int rowBlocks, columnBlocks; ///< work items per image (PersistentLaunch)
    double* rowSums;          ///< the row sums of the batch's last iteration, or nullptr
    double* columnSums;       ///< the Fourier sums of the batch's last iteration, or nullptr
};

/// Launches one batch: `iterations` times (row pass, column pass), the first
/// row pass from g' (RowMode::IterateFromReal), then the closing C2R into
/// g'. g is written on every iteration when the rule reads it, else on the
/// last. Not capturable into a graph by the engine: enqueued directly.
void launchPersistent(Rule rule, const PersistentParams& p, const PersistentLaunch& l,
                      cudaStream_t stream);

} // namespace pf::gpu::detail
