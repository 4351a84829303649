#include "phaseforge/algorithm.h"

#include "phaseforge/error.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <string>

namespace pf {

namespace {
// The algorithm table: the one place that says what each rule is. The
// formulas use the notation of algorithm.h (docs/algorithms.md has the full
// semantics); β is spelled "beta" so that every terminal shows the help texts.
constexpr std::array<AlgorithmInfo, 6> kAlgorithms{{
    {Algorithm::GS, "GS", false, false, "g_next = violates ? 0 : g'",
     "Gerchberg-Saxton, the seed's loop"},
    {Algorithm::ER, "ER", false, false, "g_next = violates ? 0 : g'", "error reduction"},
    {Algorithm::IO, "IO", true, true, "g_next = violates ? g - beta g' : g", "input-output (Fienup)"},
    {Algorithm::OO, "OO", true, false, "g_next = violates ? g' - beta g' : g'", "output-output (Fienup)"},
    {Algorithm::HIO, "HIO", true, true, "g_next = violates ? g - beta g' : g'", "hybrid input-output (Fienup)"},
    {Algorithm::RAAR, "RAAR", true, true, "g_next = violates ? beta g + (1 - 2 beta) g' : g'  (positivity on 2g' - g)",
     "relaxed averaged alternating reflections (Luke)"},
}};
} // namespace

std::span<const AlgorithmInfo> algorithms() { return kAlgorithms; }

const AlgorithmInfo& algorithmInfo(Algorithm a) {
    for (const AlgorithmInfo& info : kAlgorithms)
        if (info.algorithm == a)
            return info;
    throw InvalidArgument("unknown algorithm " + std::to_string(int(a)));
}

std::string_view algorithmName(Algorithm a) {
    for (const AlgorithmInfo& info : kAlgorithms)
        if (info.algorithm == a)
            return info.name;
    return "?";
}

bool parseAlgorithm(std::string_view text, Algorithm& out) {
    for (const AlgorithmInfo& info : kAlgorithms) {
        const std::string_view name = info.name;
        if (name.size() != text.size())
            continue;
        bool same = true;
        for (std::size_t i = 0; i < name.size(); ++i)
            same = same && std::toupper(static_cast<unsigned char>(text[i])) == name[i];
        if (same) {
            out = info.algorithm;
            return true;
        }
    }
    return false;
}

bool usesBeta(Algorithm a) { return algorithmInfo(a).usesBeta; }

bool readsIterate(Algorithm a) { return algorithmInfo(a).readsIterate; }

std::string algorithmNameList() {
    std::string out;
    for (const AlgorithmInfo& info : kAlgorithms)
        out += (out.empty() ? "" : ", ") + std::string(info.name);
    return out;
}

std::string algorithmHelp(std::string_view indent) {
    std::size_t width = 0;
    for (const AlgorithmInfo& info : kAlgorithms)
        width = std::max(width, info.name.size());
    std::string out;
    for (const AlgorithmInfo& info : kAlgorithms) {
        out += std::string(indent) + std::string(info.name) + std::string(width + 2 - info.name.size(), ' ') +
               std::string(info.title) + (info.usesBeta ? " (uses beta)" : "") + "\n" + std::string(indent) +
               std::string(width + 2, ' ') + std::string(info.formula) + "\n";
    }
    return out;
}

void checkBeta(double beta) {
    if (!(beta > kBetaMin && beta <= kBetaMax)) // also rejects NaN
        throw InvalidArgument("beta: " + std::to_string(beta) +
                              " is outside the allowed range 0 < beta <= 1");
}

} // namespace pf
