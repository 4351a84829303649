#include "phaseforge/initial_guess.h"

#include "phaseforge/error.h"
#include "phaseforge/problem.h"

#include "fftw_util.h"

#include <cmath>
#include <cstdint>
#include <numbers>
#include <string>

namespace pf {

namespace {

// SplitMix64: the k-th value (k = 1, 2, ...) of the stream from `seed` is a
// mix of seed + k times the golden-ratio increment, so any value can be had
// without the ones before it, and the pixels can be drawn in parallel.
std::uint64_t splitMix64(std::uint64_t seed, std::uint64_t k) {
    std::uint64_t z = seed + k * 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/// Throws InvalidArgument unless `image` (what: "initial phase", ...) has the
/// problem's shape and only finite values.
void checkGuessImage(const ImageF& image, Shape shape, const char* what) {
    if (image.shape != shape || image.data.size() != shape.size())
        throw InvalidArgument(std::string(what) + ": shape " + image.shape.toString() +
                              " differs from the magnitude's " + shape.toString());
    for (float v : image.data)
        if (!std::isfinite(v))
            throw InvalidArgument(std::string(what) + ": contains NaN or Inf");
}

} // namespace

ImageF randomPhase(Shape shape, std::uint64_t seed) {
    ImageF phase(shape);
    constexpr double twoPi = 2.0 * std::numbers::pi;
    const auto count = std::ptrdiff_t(phase.data.size());
#pragma omp parallel for schedule(static) if (phase.data.size() >= fftw::kThreadedMinPixels)
    for (std::ptrdiff_t i = 0; i < count; ++i) {
        const double u = double(splitMix64(seed, std::uint64_t(i) + 1) >> 11) * 0x1.0p-53; // [0, 1)
        phase.data[std::size_t(i)] = float(twoPi * u);
    }
    return phase;
}

ImageF initialPhase(const InitialGuess& guess, Shape shape) {
    switch (guess.kind) {
    case InitialGuess::Kind::RandomPhase:
        return randomPhase(shape, guess.seed);
    case InitialGuess::Kind::ZeroPhase:
        return ImageF(shape, 0.0f);
    case InitialGuess::Kind::UserPhase:
        checkGuessImage(guess.phase, shape, "initial phase");
        return guess.phase;
    case InitialGuess::Kind::Object:
        throw InvalidArgument("initial guess: an object guess has no Fourier phase");
    }
    throw InvalidArgument("initial guess: unknown kind");
}

const ImageF* initialObject(const InitialGuess& guess, Shape shape) {
    if (guess.kind != InitialGuess::Kind::Object)
        return nullptr;
    checkGuessImage(guess.object, shape, "initial object");
    return &guess.object;
}

std::vector<std::complex<float>> initialHalfSpectrum(ProblemRef problem,
                                                     const InitialGuess& guess) {
    const Shape s = problem.shape();
    const ImageF phase = initialPhase(guess, s);
    // A0 = M·exp(iφ0) on measured pixels; unmeasured pixels start at 0.
    auto a0 = [&](int r, int c) {
        const std::size_t i = std::size_t(r) * std::size_t(s.cols) + std::size_t(c);
        if (!problem.measured.empty() && problem.measured.data[i] == 0)
            return std::complex<double>(0.0, 0.0);
        return std::polar(double(problem.magnitude.data[i]), double(phase.data[i]));
    };
    const int half = s.halfCols();
    std::vector<std::complex<float>> out(s.halfSize());
#pragma omp parallel for schedule(static) if (s.size() >= fftw::kThreadedMinPixels)
    for (int r = 0; r < s.rows; ++r) {
        const int rm = (s.rows - r) % s.rows;
        for (int c = 0; c < half; ++c) {
            const int cm = (s.cols - c) % s.cols;
            const std::complex<double> h = 0.5 * (a0(r, c) + std::conj(a0(rm, cm)));
            out[std::size_t(r) * std::size_t(half) + std::size_t(c)] =
                std::complex<float>(float(h.real()), float(h.imag()));
        }
    }
    return out;
}

} // namespace pf
