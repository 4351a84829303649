// Kernels the engine needs beside the iteration itself (kernels.h): start-up,
// shrink-wrap on the device, the object estimate for display. Internal to gpu/src.
#pragma once

#include <phaseforge/image.h>

#include <cstdint>
#include <cuda_runtime.h>

namespace pf::gpu::detail {

/// g' <- g' · scale and g <- g' for `batch` images (the state after load()).
void scaleAndDuplicate(float* gOut, float* g, float scale, Shape shape, int batch,
                       cudaStream_t stream);

/// Fills `batch` masks with ones and writes each count (rows·cols) to counts[b].
void fillSupport(std::uint8_t* support, double* counts, Shape shape, int batch,
                 cudaStream_t stream);

/// Counts the ones of each mask into counts[b] (overwritten).
void countSupport(const std::uint8_t* support, double* counts, Shape shape, int batch,
                  cudaStream_t stream);

/// Device scratch for shrinkWrap(): see support.h for the rule.
struct ShrinkWrapScratch {
    float* rowBlurred;        ///< batch x n floats
    unsigned int* peakBits;   ///< batch: max of the blurred image, as float bits
    double* newCounts;        ///< batch: ones of the new support
    const float* weights;     ///< 2·radius+1 blur weights
    int radius;
};

/// Each image's threshold (device memory) and the sizes a new support may have.
struct ShrinkWrapLimits {
    const float* thresholds; ///< batch, on the device: fraction of the peak; 0 = keep
    long long minPixels;     ///< >= 1
    long long maxPixels;
};

/// Shrink-wrap every image's support (support.h's rule): blur max(g, 0) inside
/// the support in force (0 outside it), rows then columns (periodic, the
/// weights of gaussianBlurWeights()), and threshold at the image's threshold
/// times its peak. An image whose threshold is 0, or whose new support would
/// have fewer than minPixels or more than maxPixels ones, keeps its old one.
/// Updates counts[b] to the support size in force.
void shrinkWrapSupport(const float* g, std::uint8_t* support, double* counts,
                       const ShrinkWrapScratch& scratch, const ShrinkWrapLimits& limits,
                       Shape shape, int batch, cudaStream_t stream);

/// object[i] = g[i] where it lies inside the support (or no support) and is
/// >= 0, else 0 (Engine::readObject's rule) for one image.
void objectEstimate(const float* g, const std::uint8_t* support, float* object, Shape shape,
                    cudaStream_t stream);

} // namespace pf::gpu::detail
