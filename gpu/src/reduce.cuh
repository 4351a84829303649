// Block-wide sums in double for the metric kernels. Device code only.
#pragma once

namespace pf::gpu::detail {

__device__ inline double warpSum(double v) {
    for (int offset = 16; offset > 0; offset >>= 1)
        v += __shfl_down_sync(0xffffffffu, v, offset);
    return v;
}

/// Sums `v` over the block and lets thread 0 add it atomically to *target.
/// Every thread of the block must call it (it holds a barrier).
__device__ inline void blockSumAtomicAdd(double v, double* target) {
    __shared__ double partial[32];
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    v = warpSum(v);
    __syncthreads(); // partial[] may still be read by a previous call
    if (lane == 0)
        partial[warp] = v;
    __syncthreads();
    if (warp == 0) {
        const int warps = (blockDim.x + 31) >> 5;
        v = lane < warps ? partial[lane] : 0.0;
        v = warpSum(v);
        if (lane == 0)
            atomicAdd(target, v);
    }
}

} // namespace pf::gpu::detail
