#include "phaseforge/algorithm.h"

#include "phaseforge/error.h"

#include <array>
#include <cctype>
#include <cmath>
#include <string>

namespace pf {

namespace {
constexpr std::array<std::pair<Algorithm, std::string_view>, 6> kNames{{
    {Algorithm::GS, "GS"},
    {Algorithm::ER, "ER"},
    {Algorithm::IO, "IO"},
    {Algorithm::OO, "OO"},
    {Algorithm::HIO, "HIO"},
    {Algorithm::RAAR, "RAAR"},
}};
} // namespace

std::string_view algorithmName(Algorithm a) {
    for (const auto& [alg, name] : kNames)
        if (alg == a)
            return name;
    return "?";
}

bool parseAlgorithm(std::string_view text, Algorithm& out) {
    for (const auto& [alg, name] : kNames) {
        if (name.size() != text.size())
            continue;
        bool same = true;
        for (std::size_t i = 0; i < name.size(); ++i)
            same = same && std::toupper(static_cast<unsigned char>(text[i])) == name[i];
        if (same) {
            out = alg;
            return true;
        }
    }
    return false;
}

bool usesBeta(Algorithm a) {
    return a == Algorithm::IO || a == Algorithm::OO || a == Algorithm::HIO ||
           a == Algorithm::RAAR;
}

void checkBeta(double beta) {
    if (!(beta > kBetaMin && beta <= kBetaMax)) // also rejects NaN
        throw InvalidArgument("beta: " + std::to_string(beta) +
                              " is outside the allowed range 0 < beta <= 1");
}

} // namespace pf
