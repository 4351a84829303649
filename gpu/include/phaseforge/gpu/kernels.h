// The kernel-level API: the stages of one CUDA engine iteration as functions on
// raw device pointers. CudaEngine's stage-1 path calls exactly these, with the
// same plans and launch shapes, so a loop written with them (the Python
// per-kernel API) reproduces the engine's iterates bit for bit:
//
//   projectObject(step, g, gOut, support, g)     // g_next = rule(g, g'), in place
//   plans.r2c(g, spectrum)                       // G = FFT(g_next), unnormalised
//   fourierErrorSum(spectrum, weights, sums)     // optional: the Fourier error
//   projectMagnitude(spectrum, weights)          // P_M, with 1/(rows·cols) folded in
//   plans.c2r(spectrum, gOut)                    // g' = Re(IFFT(...))
//
// No CUDA type appears here: streams are cudaStream_t passed as void*, and
// complex device data is std::complex<float> (the layout of cufftComplex).
// Batches are `batch` images of one shape, stored one after another.
#pragma once

#include "phaseforge/gpu/memory.h"
#include "phaseforge/gpu/stats.h"

#include <phaseforge/algorithm.h>
#include <phaseforge/image.h>
#include <phaseforge/projections.h>

#include <complex>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace pf::gpu {

using Complex = std::complex<float>;

/// True when a usable CUDA device exists. Otherwise `why` (if given) receives
/// the reason ("no CUDA driver: ...", "no CUDA device"). Any error counts as
/// "no device". Never throws.
bool deviceAvailable(std::string* why = nullptr);
/// How many CUDA devices the runtime lists (0 on any error). Never throws.
int deviceCount();
/// The current device's name, e.g. "NVIDIA H100 80GB HBM3".
std::string deviceName();

/// The Hermitian weights of projections.h on the device, packed per half pixel
/// as (a, b) for the projection and (n, s) for the error. Uploaded once.
class DeviceWeights {
public:
    DeviceWeights() = default;
    /// Uploads `w` on `stream` (two copies, counted).
    DeviceWeights(const HermitianWeights& w, void* stream);

    Shape shape() const { return m_shape; }
    /// halfSize() pairs (a, b), interleaved.
    const float* projection() const { return m_projection.data(); }
    /// halfSize() pairs (n, s), interleaved.
    const float* error() const { return m_error.data(); }
    double sumMeasuredSquared() const { return m_sumMeasuredSquared; }
    std::size_t bytes() const { return m_projection.bytes() + m_error.bytes(); }

private:
    Shape m_shape;
    DeviceBuffer<float> m_projection;
    DeviceBuffer<float> m_error;
    double m_sumMeasuredSquared = 0;
};

/// A cache of cuFFT plans (R2C and C2R, per shape and batch). Plans are made
/// on first use and kept until the cache is destroyed. Not thread-safe: one
/// cache per thread or engine.
class FftPlans {
public:
    FftPlans();
    ~FftPlans();
    FftPlans(const FftPlans&) = delete;
    FftPlans& operator=(const FftPlans&) = delete;

    /// Unnormalised forward transform of `batch` real images of `shape` into
    /// their half spectra (rows x cols/2+1 each). in and out must not alias.
    void r2c(const float* in, Complex* out, Shape shape, int batch, void* stream);
    /// Unnormalised inverse transform of `batch` half spectra into real images.
    /// cuFFT may overwrite `in`.
    void c2r(Complex* in, float* out, Shape shape, int batch, void* stream);
    /// Makes both plans now (so that the first iteration does not) and returns
    /// the bytes of cuFFT work area they hold.
    std::size_t prepare(Shape shape, int batch);
    /// The work area cuFFT would need for both plans, without making them.
    static std::size_t estimateWorkBytes(Shape shape, int batch);

private:
    struct Impl;
    std::unique_ptr<Impl> m;
};

/// The real-space rule of algorithm.h for `batch` images:
///   next[i] = rule(g[i], gOut[i], support[i]).
/// `next` may equal `g` (in place); `support` holds batch masks or is nullptr
/// (whole field). When `sums` is not null it must point to 2·batch doubles on
/// the device that the caller zeroed; for each image b the kernel adds the
/// violation energy to sums[2b] and sum of gOut² to sums[2b+1].
void projectObject(const Step& step, const float* g, const float* gOut,
                   const std::uint8_t* support, float* next, Shape shape, int batch,
                   void* stream, double* sums = nullptr);

/// The magnitude projection in place on `batch` half spectra:
///   G <- (a|G| + b) G/|G| / (rows·cols)   (b / (rows·cols) where |G| = 0).
void projectMagnitude(Complex* spectrum, const DeviceWeights& weights, int batch, void* stream);

/// For each half spectrum b, adds sum over half pixels of (n|G|² − 2s|G|) to
/// sums[b] (batch doubles on the device that the caller zeroed). Add
/// weights.sumMeasuredSquared() for the squared Fourier error numerator.
void fourierErrorSum(const Complex* spectrum, const DeviceWeights& weights, int batch,
                     double* sums, void* stream);

/// Fills `bytes` of device memory with zero bytes, stream-ordered.
void zeroDevice(void* device, std::size_t bytes, void* stream);

/// A CUDA graph of work recorded from a stream: replays it with one launch.
/// The Python per-kernel API and the benchmarks use it; the engine keeps its
/// own cache of graphs.
class CapturedWork {
public:
    /// Runs `enqueue` while capturing `stream`; nothing executes until launch().
    /// Launches made inside are counted once per launch(), not at capture.
    CapturedWork(void* stream, const std::function<void()>& enqueue);
    ~CapturedWork();
    CapturedWork(const CapturedWork&) = delete;
    CapturedWork& operator=(const CapturedWork&) = delete;
    /// Enqueues one replay on `stream`.
    void launch(void* stream);

private:
    struct Impl;
    std::unique_ptr<Impl> m;
};

/// Times device work with a pair of CUDA events on one stream.
class EventTimer {
public:
    EventTimer();
    ~EventTimer();
    EventTimer(const EventTimer&) = delete;
    EventTimer& operator=(const EventTimer&) = delete;
    void start(void* stream);
    void stop(void* stream);
    /// Waits for the stop event; milliseconds between the two events.
    float elapsedMilliseconds();

private:
    void* m_start = nullptr;
    void* m_stop = nullptr;
};

/// Convenience for tests and scripts (it synchronises, so not for loops): the
/// squared Fourier error numerator of each half spectrum, sumMeasuredSquared
/// included.
std::vector<double> fourierErrorNumerators(const Complex* spectrum, const DeviceWeights& weights,
                                           int batch, void* stream);

} // namespace pf::gpu
