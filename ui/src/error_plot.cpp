#include "phaseforge/ui/error_plot.h"

#include <QChart>
#include <QChartView>
#include <QLineSeries>
#include <QLogValueAxis>
#include <QValueAxis>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace pf::ui {

namespace {
constexpr int kMaxStartsPlotted = 8;
const QColor kColours[] = {QColor(31, 119, 180), QColor(255, 127, 14), QColor(44, 160, 44),
                           QColor(214, 39, 40),  QColor(148, 103, 189), QColor(140, 86, 75),
                           QColor(227, 119, 194), QColor(127, 127, 127)};
} // namespace

ErrorPlot::ErrorPlot(QWidget* parent)
    : QWidget(parent), m_chart(new QChart), m_x(new QValueAxis), m_y(new QLogValueAxis) {
    m_chart->legend()->setVisible(false);
    m_chart->setMargins(QMargins(4, 4, 4, 4));
    m_chart->setBackgroundRoundness(0);
    m_x->setTitleText(tr("iteration"));
    m_x->setLabelFormat(QStringLiteral("%d"));
    m_y->setTitleText(tr("Fourier error"));
    m_y->setBase(10);
    m_y->setLabelFormat(QStringLiteral("%.0e"));
    m_y->setMinorTickCount(8);
    m_chart->addAxis(m_x, Qt::AlignBottom);
    m_chart->addAxis(m_y, Qt::AlignLeft);
    m_view = new QChartView(m_chart, this);
    m_view->setRenderHint(QPainter::Antialiasing);
    m_view->setToolTip(tr("Fourier error ‖|F x| − M‖ / ‖M‖ over measured pixels, per start "
                          "(logarithmic axis)"));
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_view);
    reset(0);
}

void ErrorPlot::reset(long long totalIterations) {
    for (QLineSeries* s : m_series) {
        m_chart->removeSeries(s);
        delete s;
    }
    m_series.clear();
    m_total = totalIterations;
    m_lastIteration = 0;
    m_min = m_max = 0;
    updateAxes();
}

void ErrorPlot::setTotalIterations(long long total) {
    m_total = total;
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

void ErrorPlot::append(const MetricsList& records) {
    // Gather per start first: one append() per series keeps redraws few.
    std::vector<QList<QPointF>> points;
    for (const MetricsRecord& r : records) {
        if (r.start < 0 || r.start >= kMaxStartsPlotted)
            continue;
        const double e = r.fourierError;
        m_lastIteration = std::max(m_lastIteration, r.iteration);
        if (!(e > 0) || !std::isfinite(e))
            continue; // a log axis cannot show it
        if (int(points.size()) <= r.start)
            points.resize(std::size_t(r.start) + 1);
        points[std::size_t(r.start)].append(QPointF(double(r.iteration), e));
        m_min = m_min > 0 ? std::min(m_min, e) : e;
        m_max = std::max(m_max, e);
    }
    for (std::size_t s = 0; s < points.size(); ++s)
        if (!points[s].isEmpty())
            seriesFor(int(s))->append(points[s]);
    updateAxes();
}

void ErrorPlot::updateAxes() {
    m_x->setRange(0, double(std::max({m_total, m_lastIteration, 10LL})));
    if (m_min > 0) {
        const double lo = std::pow(10.0, std::floor(std::log10(m_min)));
        const double hi = std::pow(10.0, std::ceil(std::log10(m_max * 1.0001)));
        m_y->setRange(lo, std::max(hi, lo * 10));
    } else {
        m_y->setRange(1e-3, 1);
    }
}

int ErrorPlot::pointCount(int start) const {
    return start < int(m_series.size()) ? int(m_series[std::size_t(start)]->count()) : 0;
}

double ErrorPlot::lastError(int start) const {
    if (start >= int(m_series.size()) || m_series[std::size_t(start)]->count() == 0)
        return std::nan("");
    const QLineSeries* s = m_series[std::size_t(start)];
    return s->at(s->count() - 1).y();
}

double ErrorPlot::firstError(int start) const {
    if (start >= int(m_series.size()) || m_series[std::size_t(start)]->count() == 0)
        return std::nan("");
    return m_series[std::size_t(start)]->at(0).y();
}

} // namespace pf::ui
