// The two-pass iteration (stage 2): one row pass and one column pass over the
// half spectrum per iteration, with the project's own shared-memory FFTs
// (shared_fft.cuh). Internal to gpu/src; the engine runs it through
// TwoPassPath (two_pass_path.cpp).
//
// State between passes: X, K × rows × pitch complex values (pitch >= cols/2+1,
// columns beyond cols/2 are never read as data). One iteration:
//   row pass    (block = several rows): X row → C2R (N/2-point inverse FFT plus
//               the Hermitian pre-step) = g' → rule(g, g', support) = g_next →
//               R2C (N/2-point forward FFT plus the Hermitian post-step) → X row;
//   column pass (block = C adjacent columns): X column → FFT → Fourier-error
//               sum (recorded iterations) → magnitude projection (with
//               1/(rows·cols)) → inverse FFT → X column.
// A batch of iterations enters from the stage-1 state (g, g') with a row pass
// that reads g' as real data, and leaves it with a row pass that only runs the
// C2R into g'; g is written on the batch's last iteration, or on every one
// when the rule reads g (IO, HIO, RAAR).
#pragma once

#include "rule.h"

#include <phaseforge/image.h>

#include <cstdint>
#include <cuda_runtime.h>

namespace pf::gpu::detail {

/// The longest transform of the two-pass path (rows, and cols).
inline constexpr int kTwiddleLength = 8192;

/// True for shapes whose rows and cols are powers of two in 64..8192.
bool twoPassShape(Shape shape);

/// What one row pass does.
enum class RowMode {
    IterateFromHalf, ///< X → C2R → rule → R2C → X
    IterateFromReal, ///< g' (real) → rule → R2C → X
    C2rOnly,         ///< X → C2R → real output (the batch's last step)
    R2cOnly,         ///< real input → R2C → X (tests)
};

/// Parameters of one row pass (grid.x = row blocks, grid.y = image).
struct RowPassParams {
    float2* spectrum;             ///< K × rows × pitch: X, read and/or written
    const float* realIn;          ///< K × n: g' (IterateFromReal) or the input (R2cOnly)
    float* realOut;               ///< K × n: C2rOnly's output
    float* g;                     ///< K × n: the iterate, read when the rule reads g
    const std::uint8_t* support;  ///< K × n masks, or nullptr for the whole field
    double* sums;                 ///< recorded iterations: 2 per image (violation, output), else nullptr
    const float2* twiddles;       ///< kTwiddleLength entries (shared_fft.cuh)
    int rows, cols, pitch;
    int rowsPerBlock;
    const float* beta;            ///< the rule's β, one float on the device (nullptr: 1)
    RowMode mode;
    bool writeG;                  ///< store g_next into g
};

/// Which stages the column pass runs (bit mask).
enum ColumnStage : int { kColumnForward = 1, kColumnProject = 2, kColumnInverse = 4 };

/// Parameters of one column pass (grid.x = column tiles, grid.y = image).
struct ColumnPassParams {
    float2* spectrum;             ///< K × rows × pitch: X, in place
    const float2* projection;     ///< rows × (cols/2+1) pairs (a, b): DeviceWeights::projection()
    const float2* error;          ///< rows × (cols/2+1) pairs (n, s): DeviceWeights::error()
    double* sums;                 ///< recorded iterations: one per image, else nullptr
    const float2* twiddles;       ///< kTwiddleLength entries
    int rows, halfCols, pitch;
    int columnsPerBlock;          ///< C, a power of two
    float inverseSize;            ///< 1 / (rows·cols)
    int stages;                   ///< ColumnStage bits
};

/// Launch shapes of one problem shape.
struct TwoPassLaunch {
    int rowsPerBlock = 0, rowThreads = 0, rowBlocks = 0;
    std::size_t rowSharedBytes = 0;
    int columnsPerBlock = 0, columnThreads = 0, columnBlocks = 0;
    bool splitColumns = false; ///< the column pass in three steps (split_columns.cu)
    std::size_t columnSharedBytes = 0;
    /// Programmatic dependent launches (pass_launch.cuh): each pass's blocks
    /// are scheduled while the pass before it finishes (TwoPassTuning::overlapPasses).
    bool overlap = false;
};
/// Launch shapes for `batch` images of `shape`: the automatic choice, or
/// rowsPerBlock / columnsPerTile where those are > 0 (EngineOptions' tuning
/// fields, for benchmark sweeps); an override that does not fit throws
/// InvalidArgument.
TwoPassLaunch twoPassLaunch(Shape shape, int batch, int rowsPerBlock = 0, int columnsPerTile = 0);

/// Lets the pass kernels take more than 48 KiB of shared memory on the
/// current device. Call before launching (outside graph capture); cheap.
void raiseSharedMemoryLimits();

/// Values in the twiddle table of a problem with `cols` columns.
int twiddleCount(int cols);
/// Fills `table` (twiddleCount(cols) float2 on the device) from double
/// precision: the pass runs and the Hermitian run of shared_fft.cuh.
void fillTwiddles(float2* table, int cols, cudaStream_t stream);

/// Launches one row pass of rule `rule` over `batch` images (withRule).
void launchRowPass(Rule rule, const RowPassParams& p, const TwoPassLaunch& l, int batch,
                   cudaStream_t stream);
/// Launches one column pass over `batch` images (the split pass where the
/// launch says so: all three stages only).
void launchColumnPass(const ColumnPassParams& p, const TwoPassLaunch& l, int batch,
                      cudaStream_t stream);

/// True where the column pass runs split in three steps over tiles of 16
/// columns (split_columns.cu): columns of 4096 and 8192 rows, whose tiles of
/// one or two whole columns wait on the load/store queue.
bool splitColumns(int rows);
/// The split column pass over `batch` images (p.columnsPerBlock unused). With
/// only the forward or only the inverse stage, the spectrum on the far side is
/// in natural row order and `scratch` (as large as the spectrum) is needed.
/// `overlap`: programmatic dependent launches, as TwoPassLaunch::overlap.
void launchSplitColumnPass(const ColumnPassParams& p, int batch, cudaStream_t stream,
                           float2* scratch = nullptr, bool overlap = false);

/// The padded pitch of X the engine uses: 16-value aligned rows, so that
/// every column tile starts on a 32-byte boundary.
inline int twoPassPitch(Shape shape) { return shape.cols / 2 + 16; }

} // namespace pf::gpu::detail
