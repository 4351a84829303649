#include "phaseforge/ui/error_history.h"

#include <algorithm>

namespace pf::ui {

ErrorHistory::ErrorHistory(int columns) : m_columns(std::max(columns, 16)) {}

void ErrorHistory::clear(long long span) {
    m_buckets.clear();
    m_width = 1;
    m_count = 0;
    m_first = m_last = m_min = m_max = 0;
    m_span = 0;
    setSpan(span);
}

void ErrorHistory::setSpan(long long span) {
    m_span = std::max(m_span, span);
    while (m_span > m_width * m_columns || int(m_buckets.size()) > m_columns)
        widen();
}

void ErrorHistory::setColumns(int columns) {
    m_columns = std::max(columns, 16);
    setSpan(m_span);
}

void ErrorHistory::widen() {
    // Twice the width: neighbouring buckets (keys 2k and 2k+1) become one.
    m_width *= 2;
    std::vector<Bucket> merged;
    merged.reserve(m_buckets.size() / 2 + 1);
    for (Bucket b : m_buckets) {
        b.key /= 2;
        if (!merged.empty() && merged.back().key == b.key) {
            Bucket& m = merged.back();
            if (b.min < m.min) {
                m.min = b.min;
                m.minAt = b.minAt;
            }
            if (b.max > m.max) {
                m.max = b.max;
                m.maxAt = b.maxAt;
            }
        } else {
            merged.push_back(b);
        }
    }
    m_buckets = std::move(merged);
}

void ErrorHistory::add(long long iteration, double value) {
    if (m_count == 0) {
        m_first = m_min = m_max = value;
    }
    ++m_count;
    m_last = value;
    m_min = std::min(m_min, value);
    m_max = std::max(m_max, value);
    setSpan(iteration);
    const long long key = std::max(iteration - 1, 0LL) / m_width;
    if (!m_buckets.empty() && m_buckets.back().key == key) {
        Bucket& b = m_buckets.back();
        if (value < b.min) {
            b.min = value;
            b.minAt = iteration;
        }
        if (value > b.max) {
            b.max = value;
            b.maxAt = iteration;
        }
        return;
    }
    m_buckets.push_back({key, iteration, iteration, value, value});
}

QList<QPointF> ErrorHistory::points() const {
    QList<QPointF> out;
    out.reserve(qsizetype(2 * m_buckets.size()));
    for (const Bucket& b : m_buckets) {
        const bool minFirst = b.minAt <= b.maxAt;
        out.append(minFirst ? QPointF(double(b.minAt), b.min) : QPointF(double(b.maxAt), b.max));
        if (b.minAt != b.maxAt)
            out.append(minFirst ? QPointF(double(b.maxAt), b.max) : QPointF(double(b.minAt), b.min));
    }
    return out;
}

} // namespace pf::ui
