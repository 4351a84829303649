// The persistent two-pass kernel (persistent.h): the row and column pass bodies
// of two_pass_passes.cuh looped over a batch in one cooperative launch.
#include "persistent.h"

#include "check.h"
#include "counters.h"
#include "two_pass_passes.cuh"

#include <phaseforge/error.h>

#include <algorithm>
#include <cooperative_groups.h>
#include <string>

namespace pf::gpu::detail {

namespace {

namespace cg = cooperative_groups;

/// Threads per block at most, and blocks per multiprocessor the registers must
/// allow: 128 registers per thread. Both pass bodies in one loop spill 600-700
/// bytes at 64 (400 at 80, also with the bodies called out of line) and, with
/// CUDA 13.0's ptxas, 84-152 at 128 (112 for the read-ahead kernel); the
/// kernel is for small problems, where a few blocks per multiprocessor suffice.
constexpr int kMaxThreads = 512;
/// Rows per row work item the automatic block size goes up to.
constexpr int kMaxRowsPerItem = 8;
constexpr int kMinBlocks = 1;

/// Rows and cols up to which the kernel reads ahead (two_pass_passes.cuh,
/// Prefetch): its instantiations up to this length hold the reads in
/// registers; with the longer ones in the same kernel, ptxas spills and the
/// H200 ran 512² 1% and 1024² 4% slower, against 3% faster at 256².
constexpr int kReadAheadMaxLength = 256;

/// One batch. Every block loops over work items (row blocks, then column
/// tiles, of all images), with a grid-wide barrier after each pass: a column
/// tile reads every row block's output, and the next row pass every tile's.
/// The block barrier before each item protects the shared memory the
/// previous item still reads. Shapes with rows and cols up to MaxLength;
/// ReadAhead: the passes' Prefetch.
template <Rule R, int MaxLength, bool ReadAhead>
__global__ void __launch_bounds__(kMaxThreads, kMinBlocks)
    persistentKernel(const __grid_constant__ PersistentParams p) {
    cg::grid_group grid = cg::this_grid();
    const int rowItems = p.rowBlocks * p.images, columnItems = p.columnBlocks * p.images;
    for (int i = 0; i < p.iterations; ++i) {
        const bool last = i == p.iterations - 1;
        const RowMode mode = i == 0 ? RowMode::IterateFromReal : RowMode::IterateFromHalf;
        // g is state only for the rules that read it; the others need it once,
        // at the end of the batch (as the per-pass kernels, two_pass_path.cpp).
        const bool writeG = ruleReadsG(R) || last;
        for (int w = int(blockIdx.x); w < rowItems; w += int(gridDim.x)) {
            __syncthreads();
            rowPass<R, MaxLength / 2, ReadAhead>(p.row, mode, writeG, last ? p.rowSums : nullptr,
                                                 w % p.rowBlocks, w / p.rowBlocks);
        }
        grid.sync();
        for (int w = int(blockIdx.x); w < columnItems; w += int(gridDim.x)) {
            __syncthreads();
            columnPass<MaxLength, ReadAhead>(p.column, last ? p.columnSums : nullptr,
                                             w % p.columnBlocks, w / p.columnBlocks);
        }
        grid.sync();
    }
    // Back to the stage-1 state: g' = C2R of the last column pass.
    for (int w = int(blockIdx.x); w < rowItems; w += int(gridDim.x)) {
        __syncthreads();
        rowPass<R, MaxLength / 2>(p.row, RowMode::C2rOnly, false, nullptr, w % p.rowBlocks,
                                  w / p.rowBlocks);
    }
}

bool powerOfTwo(int v) { return v > 0 && (v & (v - 1)) == 0; }

/// Dynamic shared memory of a block of `threads`: the larger of a row block
/// and a column tile (both hold 8 values per thread, plus padding).
std::size_t sharedBytesFor(Shape shape, int rowsPerBlock, int columnsPerBlock) {
    const int M = shape.cols / 2;
    const int values = std::max(paddedSize(rowsPerBlock * (M + 1)),
                                paddedSize(shape.rows * columnsPerBlock));
    return std::size_t(values) * sizeof(float2);
}

/// The kernel of rule `rule` for `shape`: reading ahead for short rows and
/// columns (kReadAheadMaxLength).
const void* kernelFor(Rule rule, Shape shape) {
    const bool small = shape.rows <= kReadAheadMaxLength && shape.cols <= kReadAheadMaxLength;
    return withRule(rule, [&](auto r) {
        constexpr Rule R = decltype(r)::value;
        return small ? reinterpret_cast<const void*>(persistentKernel<R, kReadAheadMaxLength, true>)
                     : reinterpret_cast<const void*>(persistentKernel<R, kPersistentMaxLength, false>);
    });
}

/// Blocks of the kernel for `shape` (every rule) that fit one multiprocessor at once.
int blocksPerMultiprocessor(Shape shape, int threads, std::size_t shared) {
    int least = 1 << 30;
    forEachRule([&](auto r) {
        const void* kernel = kernelFor(decltype(r)::value, shape);
        int blocks = 0;
        PF_CUDA_CHECK(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&blocks, kernel, threads, shared));
        least = std::min(least, blocks);
    });
    return least;
}

} // namespace

PersistentLaunch persistentLaunch(Shape shape, int batch, const TwoPassTuning& tuning) {
    PersistentLaunch none;
    if (!twoPassShape(shape) || shape.rows > kPersistentMaxLength ||
        shape.cols > kPersistentMaxLength || batch < 1 ||
        tuning.persistent == PersistentKernel::Never)
        return none;
    // Measured on the H200 (kPersistentAutoPixels): small problems gain;
    // larger ones lose to the per-pass kernels, which then fill the device
    // and overlap their blocks better.
    if (tuning.persistent == PersistentKernel::Automatic &&
        (long long)shape.rows * shape.cols * batch > kPersistentAutoPixels)
        return none;
    int device = 0, cooperative = 0, multiprocessors = 0;
    PF_CUDA_CHECK(cudaGetDevice(&device));
    PF_CUDA_CHECK(cudaDeviceGetAttribute(&cooperative, cudaDevAttrCooperativeLaunch, device));
    PF_CUDA_CHECK(cudaDeviceGetAttribute(&multiprocessors, cudaDevAttrMultiProcessorCount, device));
    if (!cooperative)
        return none;

    // A row of cols/2 complex values takes cols/16 threads, a column of rows
    // values rows/8: a block is a whole number of either.
    const int rowThreads = shape.cols / 2 / kPerThread, columnThreads = shape.rows / kPerThread;
    const int least = std::max({rowThreads, columnThreads, 32});
    auto fits = [&](int threads) {
        return powerOfTwo(threads) && threads >= least && threads <= kMaxThreads &&
               threads / rowThreads <= shape.rows;
    };
    auto items = [&](int threads) { // the fewer of row and column items, all images
        const int r = threads / rowThreads, c = threads / columnThreads;
        return std::min(shape.rows / r, (shape.cols / 2 + c) / c) * batch;
    };
    // The automatic choice starts at two warps (one warp: 2% slower at 256²).
    int threads = fits(std::max(least, 64)) ? std::max(least, 64) : least;
    if (tuning.persistentThreads > 0) {
        threads = tuning.persistentThreads;
        if (!fits(threads))
            throw InvalidArgument("two-pass: " + std::to_string(threads) +
                                  " threads per persistent block is not a power of two in " +
                                  std::to_string(least) + ".." + std::to_string(kMaxThreads) +
                                  " for " + shape.toString());
    } else {
        // Larger items mean fewer barriers and loop trips per block, smaller
        // ones more multiprocessors at work: grow while at least one item per
        // two multiprocessors remains, up to 8 rows per row item. The H200
        // sweep (bench --sweep-persistent, commit ff93aac,
        // bench/results/gpu-engine.md): best at 64 threads for 1 and 2 starts of
        // 256² (8.17 µs; 32 threads, the choice before: 8.35), 128 for 4 to
        // 16 of them (8.3, 9.7, 14.2 µs; 256 or 512 threads: up to 1.3x
        // slower), 128 for one of 512²,
        // 256 for 2 and 4 of 512², 512 for one of 1024².
        while (fits(threads * 2) && threads * 2 / rowThreads <= kMaxRowsPerItem &&
               items(threads * 2) >= multiprocessors / 2)
            threads *= 2;
    }
    PersistentLaunch l;
    l.threads = threads;
    l.rowsPerBlock = threads / rowThreads;
    l.columnsPerBlock = threads / columnThreads;
    l.rowBlocks = shape.rows / l.rowsPerBlock;
    l.columnBlocks = (shape.cols / 2 + l.columnsPerBlock) / l.columnsPerBlock; // ceil((M+1)/C)
    l.sharedBytes = sharedBytesFor(shape, l.rowsPerBlock, l.columnsPerBlock);
    const int perMultiprocessor = blocksPerMultiprocessor(shape, threads, l.sharedBytes);
    if (perMultiprocessor < 1)
        return none;
    const long long work = (long long)std::max(l.rowBlocks, l.columnBlocks) * batch;
    l.grid = int(std::min<long long>((long long)perMultiprocessor * multiprocessors, work));
    return l;
}

void launchPersistent(Rule rule, const PersistentParams& p, const PersistentLaunch& l,
                      cudaStream_t stream) {
    const void* kernel = kernelFor(rule, {p.row.rows, p.row.cols});
    PersistentParams copy = p;
    void* args[] = {&copy};
    PF_CUDA_CHECK(cudaLaunchCooperativeKernel(kernel, dim3(unsigned(l.grid)), dim3(unsigned(l.threads)),
                                              args, l.sharedBytes, stream));
    countLaunch();
}

} // namespace pf::gpu::detail
