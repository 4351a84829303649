// The live error plot: Fourier error against iteration, one line per start,
// on a logarithmic y axis (Qt Charts).
#pragma once

#include "phaseforge/ui/run_types.h"

#include <QWidget>

#include <vector>

class QChart;
class QChartView;
class QLineSeries;
class QLogValueAxis;
class QValueAxis;

namespace pf::ui {

class ErrorPlot : public QWidget {
    Q_OBJECT
public:
    explicit ErrorPlot(QWidget* parent = nullptr);

    /// Forgets every point; `totalIterations` sets the x range.
    void reset(long long totalIterations);
    void setTotalIterations(long long total);
    /// Points held for one start (for tests and export).
    int pointCount(int start = 0) const;
    /// The newest error of one start (NaN when none).
    double lastError(int start = 0) const;
    double firstError(int start = 0) const;
    QChartView* chartView() const { return m_view; }

public slots:
    void append(const pf::ui::MetricsList& records);

private:
    QLineSeries* seriesFor(int start);
    void updateAxes();

    QChart* m_chart;
    QChartView* m_view;
    QValueAxis* m_x;
    QLogValueAxis* m_y;
    std::vector<QLineSeries*> m_series;
    long long m_total = 0;
    long long m_lastIteration = 0;
    double m_min = 0, m_max = 0;
};

} // namespace pf::ui
