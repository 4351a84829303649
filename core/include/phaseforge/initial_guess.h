// Starting points. The random phase is generated on the host by one documented
// generator, so every engine starts from the same numbers.
#pragma once

#include "phaseforge/image.h"

#include <complex>
#include <cstdint>
#include <vector>

namespace pf {

struct ProblemRef;

/// Where a start begins: an initial Fourier phase φ0 of A0 = M·exp(iφ0)
/// (g0 = g'0 = Re(IFFT(A0))), or a whole object image (g0 = g'0 = the object).
struct InitialGuess {
    enum class Kind { RandomPhase, UserPhase, ZeroPhase, Object };
    Kind kind = Kind::RandomPhase;
    /// RandomPhase: the seed.
    std::uint64_t seed = 0;
    /// UserPhase: the phase in radians, FFT order, the problem's shape.
    ImageF phase;
    /// Object: the real-space iterate to start from, in the engine's frame (as
    /// Engine::readObject gives it), the problem's shape. A run continued from a
    /// saved result starts here (continuation.h).
    ImageF object;

    static InitialGuess random(std::uint64_t seed) { return {Kind::RandomPhase, seed, {}, {}}; }
    static InitialGuess zero() { return {Kind::ZeroPhase, 0, {}, {}}; }
    static InitialGuess user(ImageF phase) { return {Kind::UserPhase, 0, std::move(phase), {}}; }
    static InitialGuess fromObject(ImageF object) { return {Kind::Object, 0, {}, std::move(object)}; }
};

/// SplitMix64 (Steele, Lea & Flood 2014): state += 0x9E3779B97F4A7C15, then the
/// output mix. Element i of the random phase is 2π·u_i with u_i the top 53 bits
/// of the i-th output, divided by 2^53, elements in row-major order.
/// Start j of a multi-start run uses seed + j.
ImageF randomPhase(Shape shape, std::uint64_t seed);

/// The phase image φ0 for a guess (throws InvalidArgument on a wrong shape or a
/// non-finite user phase, or for an Object guess, which has no phase).
ImageF initialPhase(const InitialGuess& guess, Shape shape);

/// For an Object guess: its object, checked (InvalidArgument on a wrong shape or
/// a NaN/Inf value); the engines load it as g0 = g'0 bit for bit. nullptr for
/// the phase kinds, which start from initialHalfSpectrum().
const ImageF* initialObject(const InitialGuess& guess, Shape shape);

/// The half spectrum (rows x cols/2+1, FFT order) of the Hermitian part of
/// A0 = M·exp(iφ0): H(k) = (A0(k) + conj(A0(-k))) / 2. Its inverse real FFT,
/// divided by rows·cols, is Re(IFFT(A0)), the seed's first B. Computed in double.
std::vector<std::complex<float>> initialHalfSpectrum(ProblemRef problem,
                                                     const InitialGuess& guess);

} // namespace pf
