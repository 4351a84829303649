// The device state of one loaded problem: what CudaEngine (cuda_engine.cpp)
// owns and its iteration paths (iteration_path.h) read and advance. Internal
// to gpu/src. Members are declared so that the stream outlives everything
// that enqueues on it.
#pragma once

#include "phaseforge/gpu/cuda_engine.h"
#include "phaseforge/gpu/kernels.h"
#include "phaseforge/gpu/memory.h"

#include <phaseforge/image.h>

#include <cstdint>
#include <cuda_runtime.h>

namespace pf::gpu::detail {

struct EngineState {
    Shape shape;
    int starts = 0;
    Stream stream;
    FftPlans plans;
    DeviceBuffer<float> g;              ///< starts x n: the iterate
    DeviceBuffer<float> gOut;           ///< starts x n: the last Fourier output g'
    DeviceBuffer<Complex> spectrum;     ///< starts x half: scratch between iterations
    DeviceBuffer<std::uint8_t> support; ///< starts x n; all ones when wholeField
    DeviceWeights weights;
    /// Per start k of K: [2k] violation, [2k+1] output energy; [2K+k] Fourier
    /// sum; [3K+k] support size in force. The first 3K are zeroed per record.
    DeviceBuffer<double> slot;
    /// β of the step being run, one float. Kernels read it on the device, so a
    /// captured graph holds its address, not its value: a new β is one write
    /// (setBeta), never a new graph.
    DeviceBuffer<float> beta;
    float betaWritten = -1.0f;          ///< the value last written (β is never negative)
    bool wholeField = true;             ///< no support in force: skip reading the mask
    DeviceFootprint footprint;

    cudaStream_t cudaStream() const { return static_cast<cudaStream_t>(stream.handle()); }
    std::size_t n() const { return shape.size(); }
    const std::uint8_t* supportOrNull() const { return wholeField ? nullptr : support.data(); }
    /// The row sums (violation, output energy) of every start, 2K doubles.
    double* objectSums() { return slot.data(); }
    /// The Fourier sums of every start, K doubles.
    double* fourierSums() { return slot.data() + 2 * std::size_t(starts); }
    /// The support sizes in force, K doubles.
    double* supportCounts() { return slot.data() + 3 * std::size_t(starts); }
    /// Zeroes the sums a recorded iteration adds to (stream-ordered).
    void zeroSums() { zeroDevice(slot.data(), 3 * std::size_t(starts) * sizeof(double), stream.handle()); }
};

} // namespace pf::gpu::detail
