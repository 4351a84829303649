// One start's error history, decimated for plotting: whatever the length of
// the run, it holds a bounded number of buckets, each keeping the smallest
// and the largest value of the iterations it covers (min/max per pixel
// column), so spikes and dips stay visible however far the plot is zoomed out.
#pragma once

#include <QList>
#include <QPointF>

#include <vector>

namespace pf::ui {

class ErrorHistory {
public:
    /// At most `columns` buckets are kept (at least 16).
    explicit ErrorHistory(int columns = 1024);

    /// Forgets everything; `span` is the number of iterations the plot's x
    /// axis will show (the schedule's length), which sets the first bucket width.
    void clear(long long span = 0);
    /// Widens the buckets, if needed, so that `span` iterations fit in the
    /// columns. Buckets never get narrower again (until clear()).
    void setSpan(long long span);
    /// A new number of columns (e.g. the plot's width in pixels): fewer merge
    /// buckets now; more give finer buckets to the iterations still to come.
    void setColumns(int columns);
    /// Records the value of one iteration. Iterations arrive in increasing order.
    void add(long long iteration, double value);

    /// For every bucket, its minimum and maximum as (iteration, value), in
    /// iteration order (one point when they coincide): at most 2·columns points.
    QList<QPointF> points() const;
    int columns() const { return m_columns; }
    int bucketCount() const { return int(m_buckets.size()); }
    /// Iterations per bucket (a power of two).
    long long bucketWidth() const { return m_width; }
    bool empty() const { return m_count == 0; }
    long long count() const { return m_count; }
    double first() const { return m_first; }
    double last() const { return m_last; }
    double minimum() const { return m_min; }
    double maximum() const { return m_max; }

private:
    struct Bucket {
        long long key;             ///< (iteration - 1) / width
        long long minAt, maxAt;    ///< iterations of the extremes
        double min, max;
    };
    void widen();

    int m_columns;
    long long m_span = 0;
    long long m_width = 1;
    std::vector<Bucket> m_buckets;
    long long m_count = 0;
    double m_first = 0, m_last = 0, m_min = 0, m_max = 0;
};

} // namespace pf::ui
