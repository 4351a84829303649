#include "phaseforge/problem.h"

#include "phaseforge/error.h"

#include <cmath>
#include <string>

namespace pf {

void Problem::validate() const {
    const Shape s = magnitude.shape;
    if (s.empty() || magnitude.data.empty())
        throw InvalidArgument("magnitude: the image is empty");
    if (magnitude.data.size() != s.size())
        throw InvalidArgument("magnitude: holds " + std::to_string(magnitude.data.size()) +
                              " values for a " + s.toString() + " shape");
    if (!measured.empty() && measured.shape != s)
        throw InvalidArgument("mask: shape " + measured.shape.toString() +
                              " differs from the magnitude's " + s.toString());
    if (!support.empty() && support.shape != s)
        throw InvalidArgument("support: shape " + support.shape.toString() +
                              " differs from the magnitude's " + s.toString());
    long long measuredCount = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        const float m = magnitude.data[i];
        const bool isMeasured = measured.empty() || measured.data[i] != 0;
        if (!isMeasured)
            continue;
        if (!std::isfinite(m))
            throw InvalidArgument("magnitude: non-finite value (NaN or Inf) at pixel (" +
                                  std::to_string(i / std::size_t(s.cols)) + ", " +
                                  std::to_string(i % std::size_t(s.cols)) +
                                  "); mark it unmeasured instead");
        if (m < 0)
            throw InvalidArgument("magnitude: negative value " + std::to_string(m) +
                                  " at pixel (" + std::to_string(i / std::size_t(s.cols)) + ", " +
                                  std::to_string(i % std::size_t(s.cols)) + ")");
        ++measuredCount;
    }
    if (measuredCount == 0)
        throw InvalidArgument("mask: no pixel is marked as measured");
    if (!support.empty()) {
        bool any = false;
        for (auto v : support.data)
            any = any || v != 0;
        if (!any)
            throw InvalidArgument("support: it is empty (no pixel may be non-zero)");
    }
}

} // namespace pf
