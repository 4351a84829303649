// The shared-memory FFTs of the two-pass iteration (CudaEngine::setPath) on
// their own, so that tests can hold them against a float64 reference. Half
// spectra use cuFFT's R2C layout (rows × (cols/2+1), row-major); every
// transform is unnormalised. Each call waits for its work (test use only).
// No CUDA type appears here: the stream is a cudaStream_t passed as void*.
#pragma once

#include "phaseforge/gpu/kernels.h"

namespace pf::gpu {

/// Whether the two-pass iteration handles `shape`: rows and cols powers of
/// two from 64 to 8192.
bool twoPassSupports(Shape shape);
/// Whether CudaPath::Automatic runs the two-pass iteration for `starts`
/// starts of `shape` (where it was measured faster than stage 1).
bool twoPassByDefault(Shape shape, int starts);

/// The row pass's R2C alone: each row of `batch` real images to its
/// cols/2+1 DFT values (sign −).
void sharedRowsR2C(const float* in, Complex* half, Shape shape, int batch, void* stream);
/// The row pass's C2R alone: each row of `batch` half spectra to cols real
/// values (sign +; only the real parts of the values at 0 and cols/2 count).
/// `half` is not changed.
void sharedRowsC2R(Complex* half, float* out, Shape shape, int batch, void* stream);
/// The column pass's FFT alone, in place over the rows of each of the
/// cols/2+1 columns of `batch` half spectra: sign − (forward) or + (inverse).
void sharedColumnsFft(Complex* half, Shape shape, int batch, bool inverse, void* stream);

} // namespace pf::gpu
