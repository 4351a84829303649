// The row and column passes of the two-pass iteration (two_pass.h), and the
// public transforms-only entry points of fused_fft.h that test them.
#include "two_pass.h"

#include "check.h"
#include "counters.h"
#include "pass_launch.cuh"
#include "phaseforge/gpu/fused_fft.h"
#include "two_pass_passes.cuh"

#include <phaseforge/error.h>

#include <algorithm>
#include <string>

namespace pf::gpu::detail {

namespace {

/// Threads of a row block and of a column tile at most. They bound the
/// shared memory too: a block holds 8 values per thread (plus padding), so a
/// column tile takes 69.6 KiB at most.
constexpr int kRowThreads = 512;
constexpr int kColumnThreads = 1024;

bool powerOfTwo(int v) { return v > 0 && (v & (v - 1)) == 0; }

__global__ void twiddleKernel(float2* table, int cols) {
    const int t = blockIdx.x * blockDim.x + threadIdx.x;
    double turns = 0; // the value is exp(−2πi·turns)
    if (t < kHermitianTableOffset) {
        int offset = 0;
        for (int radix : {8, 4, 2}) {
            for (int q = 8; q <= (radix == 2 ? 4096 : 512); q *= 8) {
                const int size = tablePowers(radix) * q;
                if (t >= offset && t < offset + size) {
                    const int power = 1 << ((t - offset) / q), k = (t - offset) % q;
                    turns = double(power) * double(k) / double(radix * q);
                }
                offset += size;
            }
        }
    } else if (t <= kHermitianTableOffset + cols / 2) {
        turns = double(t - kHermitianTableOffset) / double(cols);
    } else {
        return;
    }
    double s = 0, c = 0;
    sincospi(-2.0 * turns, &s, &c);
    table[t] = make_float2(float(c), float(s));
}

template <Rule R> __global__ void __launch_bounds__(kRowThreads, 2) rowPassKernel(RowPassParams p) {
    awaitPreviousPass();
    rowPass<R, kTwiddleLength / 2>(p, p.mode, p.writeG, p.sums, int(blockIdx.x), int(blockIdx.y));
}

__global__ void __launch_bounds__(kColumnThreads, 1) columnPassKernel(ColumnPassParams p) {
    awaitPreviousPass();
    columnPass<kTwiddleLength>(p, p.sums, int(blockIdx.x), int(blockIdx.y));
}

/// Raises `kernel`'s dynamic shared memory limit to what the device allows
/// beside the kernel's static shared memory.
template <class Kernel> void raiseLimit(Kernel kernel, int optIn) {
    cudaFuncAttributes attributes{};
    PF_CUDA_CHECK(cudaFuncGetAttributes(&attributes, kernel));
    const int bytes = optIn - int(attributes.sharedSizeBytes);
    PF_CUDA_CHECK(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, bytes));
}

/// The dynamic shared memory a block of this device may opt in to.
int sharedOptIn() {
    int device = 0, bytes = 0;
    PF_CUDA_CHECK(cudaGetDevice(&device));
    PF_CUDA_CHECK(cudaDeviceGetAttribute(&bytes, cudaDevAttrMaxSharedMemoryPerBlockOptin, device));
    return bytes;
}

} // namespace

void raiseSharedMemoryLimits() {
    const int optIn = sharedOptIn();
    forEachRule([&](auto r) { raiseLimit(rowPassKernel<decltype(r)::value>, optIn); });
    raiseLimit(columnPassKernel, optIn);
}

bool twoPassShape(Shape shape) {
    return powerOfTwo(shape.rows) && powerOfTwo(shape.cols) && shape.rows >= 64 &&
           shape.cols >= 64 && shape.rows <= kTwiddleLength && shape.cols <= kTwiddleLength;
}

TwoPassLaunch twoPassLaunch(Shape shape, int batch, int rowsOverride, int columnsOverride) {
    if (!twoPassShape(shape))
        throw InvalidArgument("two-pass: shape " + shape.toString() +
                              " is not two powers of two in 64..8192");
    const int M = shape.cols / 2;
    const int rowThreads = M / kPerThread, columnThreads = shape.rows / kPerThread;
    // From the sweep on the H200 (bench --sweep): narrow tiles win, since
    // more blocks hide more latency: row blocks of >= 2 warps, column tiles
    // four wide (32-byte rows), eight for short columns or many starts, as
    // far as the block size (1024 threads) and the shared memory allow.
    int rowsPerBlock = std::min(shape.rows, std::max(1, 64 / rowThreads));
    int columnsPerBlock = shape.rows <= 256 || batch >= 16 ? 8 : 4;
    columnsPerBlock = std::min(columnsPerBlock, std::max(1, kColumnThreads / columnThreads));
    // The tuning overrides (EngineOptions), for benchmark sweeps.
    if (rowsOverride > 0 || columnsOverride > 0) {
        const int r = rowsOverride > 0 ? rowsOverride : rowsPerBlock;
        const int c = columnsOverride > 0 ? columnsOverride : columnsPerBlock;
        if (!powerOfTwo(r) || !powerOfTwo(c) || r > shape.rows || r * rowThreads > kRowThreads ||
            c * columnThreads > kColumnThreads)
            throw InvalidArgument("two-pass: a tile of " + std::to_string(r) + " row(s) and " +
                                  std::to_string(c) + " column(s) does not fit " +
                                  shape.toString());
        rowsPerBlock = r;
        columnsPerBlock = c;
    }
    // Long columns (4096, 8192 rows) run split in three steps, unless a tile
    // width is asked for (benchmark sweeps).
    const bool split = splitColumns(shape.rows) && columnsOverride <= 0;
    TwoPassLaunch l;
    l.rowsPerBlock = rowsPerBlock;
    l.rowThreads = rowsPerBlock * rowThreads;
    l.rowBlocks = shape.rows / rowsPerBlock;
    l.rowSharedBytes = std::size_t(paddedSize(rowsPerBlock * (M + 1))) * sizeof(float2);
    l.columnsPerBlock = columnsPerBlock;
    l.splitColumns = split;
    l.columnThreads = columnsPerBlock * columnThreads;
    l.columnBlocks = (M + columnsPerBlock) / columnsPerBlock; // ceil((M + 1) / C)
    l.columnSharedBytes = std::size_t(paddedSize(shape.rows * columnsPerBlock)) * sizeof(float2);
    return l;
}

int twiddleCount(int cols) { return kHermitianTableOffset + cols / 2 + 1; }

void fillTwiddles(float2* table, int cols, cudaStream_t stream) {
    twiddleKernel<<<(twiddleCount(cols) + 255) / 256, 256, 0, stream>>>(table, cols);
    PF_CUDA_CHECK_LAUNCH();
    countLaunch();
}

void launchRowPass(Rule rule, const RowPassParams& p, const TwoPassLaunch& l, int batch,
                   cudaStream_t stream) {
    const dim3 grid(unsigned(l.rowBlocks), unsigned(batch));
    withRule(rule, [&](auto r) {
        launchPass(l.overlap, rowPassKernel<decltype(r)::value>, grid, dim3(unsigned(l.rowThreads)),
                   l.rowSharedBytes, stream, p);
    });
}

void launchColumnPass(const ColumnPassParams& p, const TwoPassLaunch& l, int batch,
                      cudaStream_t stream) {
    if (l.splitColumns) {
        launchSplitColumnPass(p, batch, stream, nullptr, l.overlap);
        return;
    }
    const dim3 grid(unsigned(l.columnBlocks), unsigned(batch));
    launchPass(l.overlap, columnPassKernel, grid, dim3(unsigned(l.columnThreads)), l.columnSharedBytes,
               stream, p);
}

} // namespace pf::gpu::detail

namespace pf::gpu {

namespace {

/// A twiddle table for one call of the transforms-only API (tests).
struct CallTwiddles {
    DeviceBuffer<float2> table;
    CallTwiddles(int cols, cudaStream_t s) : table(std::size_t(detail::twiddleCount(cols))) {
        detail::raiseSharedMemoryLimits();
        detail::fillTwiddles(table.data(), cols, s);
    }
};

void checkTransformArgs(Shape shape, int batch, const void* a, const void* b, const char* what) {
    if (batch < 1)
        throw InvalidArgument(std::string(what) + ": batch must be >= 1, got " +
                              std::to_string(batch));
    if (!a || !b)
        throw InvalidArgument(std::string(what) + ": null device pointer");
    if (!detail::twoPassShape(shape))
        throw InvalidArgument(std::string(what) + ": shape " + shape.toString() +
                              " is not two powers of two in 64..8192");
}

detail::RowPassParams rowParams(Shape shape, int batch, const float2* table) {
    detail::RowPassParams p{};
    p.twiddles = table;
    p.rows = shape.rows;
    p.cols = shape.cols;
    p.pitch = shape.halfCols();
    p.rowsPerBlock = detail::twoPassLaunch(shape, batch).rowsPerBlock;
    p.beta = nullptr; // transforms only: no rule runs
    return p;
}

/// One transforms-only row pass (R2cOnly or C2rOnly) with its own twiddle
/// table; waits for it, since the table dies on return.
void rowTransform(detail::RowMode mode, const float* realIn, float* realOut, Complex* half, Shape shape,
                  int batch, void* stream) {
    const auto s = static_cast<cudaStream_t>(stream);
    CallTwiddles tw(shape.cols, s);
    detail::RowPassParams p = rowParams(shape, batch, tw.table.data());
    p.spectrum = reinterpret_cast<float2*>(half);
    p.realIn = realIn;
    p.realOut = realOut;
    p.mode = mode;
    detail::launchRowPass(detail::Rule::ErGs, p, detail::twoPassLaunch(shape, batch), batch, s);
    synchronize(stream);
}

} // namespace

bool twoPassSupports(Shape shape) { return detail::twoPassShape(shape); }

void sharedRowsR2C(const float* in, Complex* half, Shape shape, int batch, void* stream) {
    checkTransformArgs(shape, batch, in, half, "sharedRowsR2C");
    rowTransform(detail::RowMode::R2cOnly, in, nullptr, half, shape, batch, stream);
}

void sharedRowsC2R(Complex* half, float* out, Shape shape, int batch, void* stream) {
    checkTransformArgs(shape, batch, half, out, "sharedRowsC2R");
    rowTransform(detail::RowMode::C2rOnly, nullptr, out, half, shape, batch, stream);
}

void sharedColumnsFft(Complex* half, Shape shape, int batch, bool inverse, void* stream) {
    checkTransformArgs(shape, batch, half, half, "sharedColumnsFft");
    const auto s = static_cast<cudaStream_t>(stream);
    CallTwiddles tw(shape.cols, s);
    const detail::TwoPassLaunch l = detail::twoPassLaunch(shape, batch);
    detail::ColumnPassParams p{};
    p.spectrum = reinterpret_cast<float2*>(half);
    p.twiddles = tw.table.data();
    p.rows = shape.rows;
    p.halfCols = shape.halfCols();
    p.pitch = shape.halfCols();
    p.columnsPerBlock = l.columnsPerBlock;
    p.stages = inverse ? detail::kColumnInverse : detail::kColumnForward;
    if (l.splitColumns) {
        DeviceBuffer<float2> scratch(std::size_t(batch) * std::size_t(shape.rows) * std::size_t(p.pitch));
        detail::launchSplitColumnPass(p, batch, s, scratch.data());
        synchronize(stream);
        return;
    }
    detail::launchColumnPass(p, l, batch, s);
    synchronize(stream);
}

} // namespace pf::gpu
