// Which rule of algorithm.h a kernel implements (GS and ER share one), and the
// one place where a run-time rule becomes a template argument. Plain C++, for
// host and device code.
#pragma once

#include <phaseforge/algorithm.h>

#include <type_traits>

namespace pf::gpu::detail {

enum class Rule { ErGs, Io, Oo, Hio, Raar };

/// Whether the rule reads the iterate g (IO, HIO, RAAR) or only g'.
constexpr bool ruleReadsG(Rule r) { return r == Rule::Io || r == Rule::Hio || r == Rule::Raar; }

/// The kernel rule of an algorithm.
constexpr Rule ruleOf(Algorithm a) {
    switch (a) {
    case Algorithm::GS:
    case Algorithm::ER: return Rule::ErGs;
    case Algorithm::IO: return Rule::Io;
    case Algorithm::OO: return Rule::Oo;
    case Algorithm::HIO: return Rule::Hio;
    case Algorithm::RAAR: return Rule::Raar;
    }
    return Rule::ErGs;
}

/// A rule as a type: withRule() passes one to its function object.
template <Rule R> using RuleConstant = std::integral_constant<Rule, R>;

/// Calls f(RuleConstant<r>{}) and returns what it returns. Every launcher that
/// instantiates a kernel per rule goes through here, so the list of rules is
/// written once; the kernels themselves are templates on the rule and on the
/// value type they iterate (float today; rules.cuh's arithmetic is written
/// over it).
template <class F> decltype(auto) withRule(Rule r, F&& f) {
    switch (r) {
    case Rule::Io: return f(RuleConstant<Rule::Io>{});
    case Rule::Oo: return f(RuleConstant<Rule::Oo>{});
    case Rule::Hio: return f(RuleConstant<Rule::Hio>{});
    case Rule::Raar: return f(RuleConstant<Rule::Raar>{});
    case Rule::ErGs: break;
    }
    return f(RuleConstant<Rule::ErGs>{});
}

/// Calls f(RuleConstant<R>{}) for every rule (e.g. to set a kernel attribute
/// on each instantiation).
template <class F> void forEachRule(F&& f) {
    for (Rule r : {Rule::ErGs, Rule::Io, Rule::Oo, Rule::Hio, Rule::Raar})
        withRule(r, f);
}

} // namespace pf::gpu::detail
