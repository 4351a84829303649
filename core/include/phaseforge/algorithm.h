// The iterative algorithms, as per-pixel rules. See docs/algorithms.md for the
// exact semantics; the FFTW and CUDA engines implement the same lines.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace pf {

/// Notation for one iteration: g is the current real-space iterate (the input),
/// g' = Re(IFFT(P_M(FFT(g_prev)))) the output of the Fourier projection, and a
/// pixel "violates" when it is outside the support or g' < 0 there (for RAAR
/// the positivity test is on the reflection 2g' - g). Each rule's formula is
/// in the algorithm table (algorithms(), core/src/algorithm.cpp); every help
/// text is produced from it. GS is ER without a support: the seed's loop.
/// OO with β = 1 is ER.
enum class Algorithm { GS, ER, IO, OO, HIO, RAAR };

/// One row of the algorithm table. Adding a rule touches the table, the rule
/// itself (projections.cpp and the engines) and its test; the help texts, the
/// Python docstrings and the messages that list the rules follow the table,
/// and tst_algorithm_table holds docs/algorithms.md's rule table to it.
struct AlgorithmInfo {
    Algorithm algorithm;
    std::string_view name;     ///< as written in schedules: "GS", "ER", ...
    bool usesBeta;             ///< the rule reads β
    bool readsIterate;         ///< the rule reads g, not only g'
    std::string_view formula;  ///< one line, in the notation above
    std::string_view title;    ///< e.g. "hybrid input-output (Fienup)"
};

/// Every rule, in the order help texts list them.
std::span<const AlgorithmInfo> algorithms();
/// The table's row for a rule.
const AlgorithmInfo& algorithmInfo(Algorithm a);

/// The algorithm's name as written in schedules: "GS", "ER", "IO", "OO", "HIO", "RAAR".
std::string_view algorithmName(Algorithm a);
/// Parses a name (case-insensitive). Returns false for an unknown name.
bool parseAlgorithm(std::string_view name, Algorithm& out);
/// True when the rule reads β.
bool usesBeta(Algorithm a);
/// True when the rule reads the current iterate g.
bool readsIterate(Algorithm a);

/// "GS, ER, IO, OO, HIO, RAAR", for messages.
std::string algorithmNameList();
/// One line per rule, each starting with `indent`, e.g.
/// "HIO   g_next = violates ? g - β g' : g'   hybrid input-output (uses β)":
/// the help texts' description of the rules.
std::string algorithmHelp(std::string_view indent = "  ");

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
