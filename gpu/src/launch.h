// Launch shapes shared by every kernel of gpu/src. One place decides them so
// that the engine and the kernel-level API run identical launches.
#pragma once

#include <cstddef>

namespace pf::gpu::detail {

/// Threads per block of the element-wise kernels.
inline constexpr int kBlockThreads = 256;
/// Upper bound on blocks per image along x; each thread then strides.
inline constexpr int kMaxBlocksPerImage = 2048;

/// Blocks along x for `elements` per image (grid.y = batch).
inline int blocksFor(std::size_t elements) {
    const std::size_t b = (elements + kBlockThreads - 1) / kBlockThreads;
    return int(b < std::size_t(kMaxBlocksPerImage) ? (b == 0 ? 1 : b) : kMaxBlocksPerImage);
}

} // namespace pf::gpu::detail
