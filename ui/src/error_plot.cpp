#include "phaseforge/ui/error_plot.h"

#include <QCategoryAxis>
#include <QChart>
#include <QChartView>
#include <QFontMetricsF>
#include <QLineSeries>
#include <QTimer>
#include <QValueAxis>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace pf::ui {

namespace {
constexpr int kMaxStartsPlotted = 8;
constexpr int kMaxColumns = 2048;   // bounds the points per line on any screen
constexpr int kRefreshMs = 50;      // records are drawn at most 20 times a second
constexpr int kMaxYLabels = 6;
// Qt Charts elides a vertical axis label that is taller than its share of the
// axis (the axis height over the categories, labels + 1, less padding): each
// share is kept at least this many label heights.
constexpr double kLabelSpacing = 1.5;
constexpr int kMaxXTicks = 6;
const QColor kColours[] = {QColor(31, 119, 180), QColor(255, 127, 14), QColor(44, 160, 44),
                           QColor(214, 39, 40),  QColor(148, 103, 189), QColor(140, 86, 75),
                           QColor(227, 119, 194), QColor(127, 127, 127)};
} // namespace

double roundTickStep(double span, int maxTicks) {
    if (!(span > 0) || maxTicks < 1)
        return 1;
    const double raw = span / maxTicks;
    const double decade = std::pow(10.0, std::floor(std::log10(raw)));
    for (double m : {1.0, 2.0, 5.0, 10.0})
        if (m * decade >= raw * (1 - 1e-9))
            return std::max(1.0, m * decade);
    return std::max(1.0, 10 * decade);
}

QString decadeLabel(int exponent) {
    if (exponent == 0)
        return QStringLiteral("1");
    if (exponent == 1)
        return QStringLiteral("10");
    static const QChar superscript[] = {u'⁰', u'¹', u'²', u'³', u'⁴', u'⁵', u'⁶', u'⁷', u'⁸', u'⁹'};
    QString digits;
    for (const QChar c : QString::number(std::abs(exponent)))
        digits += superscript[c.digitValue()];
    return QStringLiteral("10") + (exponent < 0 ? QStringLiteral("⁻") : QString()) + digits;
}

ErrorPlot::ErrorPlot(QWidget* parent)
    : QWidget(parent), m_chart(new QChart), m_x(new QValueAxis), m_y(new QCategoryAxis),
      m_refresh(new QTimer(this)) {
    m_chart->legend()->setVisible(false);
    m_chart->setMargins(QMargins(4, 4, 4, 4));
    m_chart->setBackgroundRoundness(0);
    m_x->setTitleText(tr("iteration"));
    m_x->setLabelFormat(QStringLiteral("%d"));
    m_x->setTickType(QValueAxis::TicksDynamic);
    m_x->setTickAnchor(0);
    // The lines hold log10(error) on a linear axis whose labels are the decades:
    // full control over which decades are labelled, so labels never crowd.
    m_y->setTitleText(tr("Fourier error"));
    m_y->setLabelsPosition(QCategoryAxis::AxisLabelsPositionOnValue);
    m_chart->addAxis(m_x, Qt::AlignBottom);
    m_chart->addAxis(m_y, Qt::AlignLeft);
    m_view = new QChartView(m_chart, this);
    m_view->setRenderHint(QPainter::Antialiasing);
    m_view->setToolTip(tr("Fourier error ‖|F x| − M‖ / ‖M‖ over measured pixels, per start "
                          "(logarithmic axis). Long runs are drawn as the smallest and largest "
                          "error per pixel column."));
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_view);
    m_refresh->setSingleShot(true);
    m_refresh->setInterval(kRefreshMs);
    connect(m_refresh, &QTimer::timeout, this, &ErrorPlot::flush);
    // A new plot height may allow more, or need fewer, decade labels.
    connect(m_chart, &QChart::plotAreaChanged, this, &ErrorPlot::updateAxes);
    reset(0);
}

int ErrorPlot::plotColumns() const {
    const int width = int(m_chart->plotArea().width() * devicePixelRatioF());
    return std::clamp(width > 0 ? width : 1024, 64, kMaxColumns);
}

int ErrorPlot::maxPointCount() const { return 2 * kMaxColumns; }

void ErrorPlot::reset(long long totalIterations) {
    for (QLineSeries* s : m_series) {
        m_chart->removeSeries(s);
        delete s;
    }
    m_series.clear();
    m_histories.clear();
    m_dirty.clear();
    m_refresh->stop();
    m_total = m_earlierIterations + totalIterations;
    m_lastIteration = 0;
    m_chart->legend()->setVisible(false);
    updateAxes();
    add(m_earlierRecords, 0); // a continued run's plot begins with the saved one
}

void ErrorPlot::setEarlierRun(const MetricsList& records, long long iterations) {
    const long long runTotal = m_total - m_earlierIterations;
    m_earlierRecords = records;
    m_earlierIterations = std::max(iterations, 0LL);
    reset(runTotal);
}

void ErrorPlot::setTotalIterations(long long total) {
    total += m_earlierIterations;
    m_total = total;
    for (ErrorHistory& h : m_histories)
        h.setSpan(total);
    updateAxes();
}

QLineSeries* ErrorPlot::seriesFor(int start) {
    while (int(m_series.size()) <= start) {
        auto* s = new QLineSeries;
        s->setName(tr("start %1").arg(m_series.size()));
        QPen pen(kColours[m_series.size() % std::size(kColours)]);
        pen.setWidthF(1.5);
        s->setPen(pen);
        m_chart->addSeries(s);
        s->attachAxis(m_x);
        s->attachAxis(m_y);
        m_series.push_back(s);
    }
    m_chart->legend()->setVisible(m_series.size() > 1);
    return m_series[std::size_t(start)];
}

void ErrorPlot::append(const MetricsList& records) { add(records, m_earlierIterations); }

void ErrorPlot::add(const MetricsList& records, long long iterationOffset) {
    for (MetricsRecord r : records) {
        if (r.start < 0 || r.start >= kMaxStartsPlotted)
            continue;
        r.iteration += iterationOffset;
        m_lastIteration = std::max(m_lastIteration, r.iteration);
        const double e = r.fourierError;
        if (!(e > 0) || !std::isfinite(e))
            continue; // a log axis cannot show it
        const auto s = std::size_t(r.start);
        if (m_histories.size() <= s) {
            const int columns = plotColumns();
            while (m_histories.size() <= s) {
                m_histories.emplace_back(columns);
                m_histories.back().clear(std::max(m_total, m_lastIteration));
            }
            m_dirty.resize(m_histories.size(), false);
        }
        m_histories[s].add(r.iteration, e);
        m_dirty[s] = true;
    }
    if (!m_refresh->isActive())
        m_refresh->start();
}

void ErrorPlot::flush() {
    m_refresh->stop();
    for (std::size_t s = 0; s < m_histories.size(); ++s) {
        if (!m_dirty[s])
            continue;
        m_dirty[s] = false;
        QList<QPointF> points = m_histories[s].points();
        for (QPointF& p : points)
            p.setY(std::log10(p.y()));
        seriesFor(int(s))->replace(points); // one redraw for the whole line
    }
    updateAxes();
    emit refreshed();
}

void ErrorPlot::resizeEvent(QResizeEvent* event) {
    QWidget::resizeEvent(event);
    const int columns = plotColumns();
    for (std::size_t s = 0; s < m_histories.size(); ++s) {
        if (columns < m_histories[s].columns())
            m_dirty[s] = true;
        m_histories[s].setColumns(columns);
    }
}

void ErrorPlot::updateAxes() {
    const long long xMax = std::max({m_total, m_lastIteration, 10LL});
    const double step = roundTickStep(double(xMax), kMaxXTicks);
    m_x->setTickInterval(step);
    m_x->setRange(0, double(xMax));

    double lo = 0, hi = 0;
    bool any = false;
    for (const ErrorHistory& h : m_histories) {
        if (h.empty())
            continue;
        lo = any ? std::min(lo, h.minimum()) : h.minimum();
        hi = any ? std::max(hi, h.maximum()) : h.maximum();
        any = true;
    }
    int low = -3, high = 0;
    if (any) {
        low = int(std::floor(std::log10(lo)));
        high = int(std::ceil(std::log10(hi * 1.0001)));
        high = std::max(high, low + 1);
    }
    // Label every decade, or every 2nd, 5th, 10th… when there are more than
    // the plot's height has room for. The range stays the data's decades;
    // only multiples of the step are labelled.
    const int room =
        std::clamp(int(yAxisHeight() / (kLabelSpacing * yLabelHeight())) - 1, 2, kMaxYLabels);
    const auto firstMultiple = [](int v, int m) { return int(std::ceil(double(v) / m)) * m; };
    int labelStep = 1;
    for (int m : {1, 2, 5, 10, 20, 50, 100}) {
        labelStep = m;
        const int first = firstMultiple(low, m);
        if (first > high || (high - first) / m + 1 <= room)
            break;
    }
    if (low == m_yLow && high == m_yHigh && labelStep == m_yStep)
        return;
    m_yLow = low;
    m_yHigh = high;
    m_yStep = labelStep;
    for (const QString& label : m_y->categoriesLabels())
        m_y->remove(label);
    m_y->setStartValue(low);
    for (int e = firstMultiple(low, labelStep); e <= high; e += labelStep)
        m_y->append(decadeLabel(e), e);
    m_y->setRange(low, high);
}

int ErrorPlot::pointCount(int start) {
    flush();
    return start < int(m_series.size()) ? int(m_series[std::size_t(start)]->count()) : 0;
}

long long ErrorPlot::recordCount(int start) const {
    return start < int(m_histories.size()) ? m_histories[std::size_t(start)].count() : 0;
}

double ErrorPlot::lastError(int start) const {
    if (recordCount(start) == 0)
        return std::nan("");
    return m_histories[std::size_t(start)].last();
}

double ErrorPlot::firstError(int start) const {
    if (recordCount(start) == 0)
        return std::nan("");
    return m_histories[std::size_t(start)].first();
}

double ErrorPlot::plottedMinimum(int start) {
    if (pointCount(start) == 0)
        return std::nan("");
    double m = INFINITY;
    for (const QPointF& p : m_series[std::size_t(start)]->points())
        m = std::min(m, std::pow(10.0, p.y()));
    return m;
}

double ErrorPlot::plottedMaximum(int start) {
    if (pointCount(start) == 0)
        return std::nan("");
    double m = -INFINITY;
    for (const QPointF& p : m_series[std::size_t(start)]->points())
        m = std::max(m, std::pow(10.0, p.y()));
    return m;
}

QStringList ErrorPlot::yAxisLabels() const { return m_y->categoriesLabels(); }

double ErrorPlot::yAxisHeight() const {
    const double h = m_chart->plotArea().height();
    return h > 0 ? h : std::max(60.0, double(height()) - 70.0); // before the first layout
}

double ErrorPlot::yLabelHeight() const {
    const QFontMetricsF metrics(m_y->labelsFont());
    return std::max(metrics.height(), metrics.boundingRect(decadeLabel(-12)).height());
}

double ErrorPlot::xTickInterval() const { return m_x->tickInterval(); }

} // namespace pf::ui
