#pragma once

namespace pf {
/// The software version, e.g. "0.1.0".
const char* version();
} // namespace pf
