// The iterative algorithms, as per-pixel rules. See docs/algorithms.md for the
// exact semantics; the FFTW and CUDA engines implement the same lines.
#pragma once

#include <string>
#include <string_view>

namespace pf {

/// Notation for one iteration: g is the current real-space iterate (the input),
/// g' = Re(IFFT(P_M(FFT(g_prev)))) the output of the Fourier projection, and a
/// pixel "violates" when it is outside the support or g' < 0 there.
///
///   GS / ER : g_next = violates ? 0           : g'
///   IO      : g_next = violates ? g - β g'    : g
///   OO      : g_next = violates ? g' - β g'   : g'
///   HIO     : g_next = violates ? g - β g'    : g'
///   RAAR    : g_next = violates ? β g + (1 - 2β) g' : g'
///             (for RAAR the positivity test is on the reflection 2g' - g)
///
/// GS is ER without a support: the seed's loop. OO with β = 1 is ER.
enum class Algorithm { GS, ER, IO, OO, HIO, RAAR };

/// The algorithm's name as written in schedules: "GS", "ER", "IO", "OO", "HIO", "RAAR".
std::string_view algorithmName(Algorithm a);
/// Parses a name (case-insensitive). Returns false for an unknown name.
bool parseAlgorithm(std::string_view name, Algorithm& out);
/// True when the rule reads β.
bool usesBeta(Algorithm a);

/// The documented range of β: 0 < β <= 1.
inline constexpr double kBetaMin = 0.0; // exclusive
inline constexpr double kBetaMax = 1.0; // inclusive
/// Throws InvalidArgument unless kBetaMin < beta <= kBetaMax.
void checkBeta(double beta);

/// One kind of iteration: the rule and its β.
struct Step {
    Algorithm algorithm = Algorithm::GS;
    float beta = 0.9f;
};

} // namespace pf
