// Which rule of algorithm.h a kernel or callback implements (GS and ER share
// one). Plain C++, for host and device code.
#pragma once

namespace pf::gpu::detail {

enum class Rule { ErGs, Io, Oo, Hio, Raar };

/// Whether the rule reads the iterate g (IO, HIO, RAAR) or only g'.
constexpr bool ruleReadsG(Rule r) { return r == Rule::Io || r == Rule::Hio || r == Rule::Raar; }

} // namespace pf::gpu::detail
