// The live error plot: Fourier error against iteration, one line per start,
// on a logarithmic y axis (Qt Charts).
//
// However long the run, the plot stays cheap: each start's history is
// decimated to the minimum and maximum per pixel column (ErrorHistory), and
// the records that arrive between two refreshes (a few per second) are drawn
// in one go, so its cost per refresh is bounded by the plot's width, not by
// the number of iterations.
#pragma once

#include "phaseforge/ui/error_history.h"
#include "phaseforge/ui/run_types.h"

#include <QStringList>
#include <QWidget>

#include <vector>

class QCategoryAxis;
class QChart;
class QChartView;
class QLineSeries;
class QTimer;
class QValueAxis;

namespace pf::ui {

/// A round tick step (1, 2 or 5 × 10^k) that cuts [0, span] into at most
/// `maxTicks` intervals.
double roundTickStep(double span, int maxTicks);
/// The label of 10^exponent on a logarithmic axis: "1", "10", "10⁻³", ….
QString decadeLabel(int exponent);

class ErrorPlot : public QWidget {
    Q_OBJECT
public:
    explicit ErrorPlot(QWidget* parent = nullptr);

    /// Forgets every point but an earlier run's; `totalIterations` (the
    /// run's, after any earlier run) sets the x range.
    void reset(long long totalIterations);
    void setTotalIterations(long long total);
    /// The saved run a continued one goes on from: its records are drawn
    /// first, on iterations 1 … `iterations`, and kept through reset(); the
    /// run's own records are drawn after them (shifted by `iterations`).
    /// No records and 0: a run of its own, as before.
    void setEarlierRun(const MetricsList& records, long long iterations);
    /// Points the plot holds for one start, once pending records are drawn
    /// (at most maxPointCount()).
    int pointCount(int start = 0);
    /// The most points one start's line ever holds.
    int maxPointCount() const;
    /// Records received for one start (every one of them, not the decimated count).
    long long recordCount(int start = 0) const;
    /// The newest error of one start (NaN when none).
    double lastError(int start = 0) const;
    double firstError(int start = 0) const;
    /// The smallest and largest error drawn for one start (NaN when none).
    double plottedMinimum(int start = 0);
    double plottedMaximum(int start = 0);
    /// The labels of the y axis (decades), bottom to top.
    QStringList yAxisLabels() const;
    /// The height of the y axis and of its tallest label, in pixels.
    double yAxisHeight() const;
    double yLabelHeight() const;
    /// The spacing of the x axis ticks, in iterations.
    double xTickInterval() const;
    QChartView* chartView() const { return m_view; }

public slots:
    /// Takes new records; they are drawn at the next refresh.
    void append(const pf::ui::MetricsList& records);
    /// Draws the pending records now.
    void flush();

signals:
    /// The lines and axes were redrawn from the records received so far.
    void refreshed();

protected:
    void resizeEvent(QResizeEvent* event) override;

private:
    /// Takes records, their iterations shifted by `iterationOffset`.
    void add(const MetricsList& records, long long iterationOffset);
    QLineSeries* seriesFor(int start);
    void updateAxes();
    int plotColumns() const;

    QChart* m_chart;
    QChartView* m_view;
    QValueAxis* m_x;
    QCategoryAxis* m_y;
    QTimer* m_refresh;
    std::vector<QLineSeries*> m_series;
    std::vector<ErrorHistory> m_histories;
    std::vector<bool> m_dirty;
    long long m_total = 0;             // the x range: earlier iterations + the run's
    long long m_lastIteration = 0;
    MetricsList m_earlierRecords;      // setEarlierRun()
    long long m_earlierIterations = 0;
    int m_yLow = 1, m_yHigh = 0, m_yStep = 0; // decades shown (exponents)
};

} // namespace pf::ui
