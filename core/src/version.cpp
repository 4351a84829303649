#include "phaseforge/version.h"

namespace pf {
const char* version() { return PF_VERSION; }
} // namespace pf
