#include "phaseforge/ui/prtf_plot.h"

#include <QPainter>
#include <QPainterPath>

#include <algorithm>
#include <cmath>

namespace pf::ui {

PrtfPlot::PrtfPlot(QWidget* parent) : QWidget(parent), m_marker(std::nan("")) {
    setMinimumHeight(140);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
}

void PrtfPlot::setPrtf(const pf::Prtf& prtf) {
    m_points.clear();
    m_xMax = 0.5;
    for (std::size_t i = 0; i < prtf.frequency.size() && i < prtf.value.size(); ++i) {
        m_xMax = std::max(m_xMax, prtf.frequency[i]);
        if (std::isfinite(prtf.value[i]))
            m_points.append({prtf.frequency[i], prtf.value[i]});
    }
    m_marker = prtf.resolutionFrequency;
    update();
}

void PrtfPlot::clear() {
    m_points.clear();
    m_marker = std::nan("");
    update();
}

void PrtfPlot::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    p.fillRect(rect(), palette().color(QPalette::Base));
    const QFontMetrics fm = fontMetrics();
    const int left = fm.horizontalAdvance(QStringLiteral("0.00")) + 10;
    const int top = fm.height() / 2 + 4, bottom = 2 * fm.height() + 10; // tick labels, axis title
    const QRectF area(left, top, width() - left - 12, height() - top - bottom);
    if (area.width() < 20 || area.height() < 20)
        return;
    // Up to 1 and a little, further when the PRTF exceeds 1 (where the data
    // hold almost nothing it can), but not past kYCeiling: higher values are
    // drawn on the top edge, and the plot says so.
    constexpr double kYCeiling = 2.0;
    double highest = 0;
    for (const QPointF& pt : m_points)
        highest = std::max(highest, pt.y());
    const double yMax = std::clamp(1.05 * highest, 1.05, kYCeiling);
    const auto at = [&](double q, double v) {
        return QPointF(area.left() + q / m_xMax * area.width(),
                       area.bottom() - std::clamp(v, 0.0, yMax) / yMax * area.height());
    };
    const QColor text = palette().color(QPalette::Text);
    const QColor grid = palette().color(QPalette::Mid);

    // Axes and ticks: frequency every 0.1 cycles per pixel, PRTF every 0.25.
    p.setPen(grid);
    p.drawRect(area);
    p.setPen(text);
    for (int i = 0; i <= int(m_xMax * 10 + 1e-9); ++i) {
        const QPointF tick = at(i / 10.0, 0);
        p.drawLine(tick, tick + QPointF(0, 4));
        const QString label = QString::number(i / 10.0, 'f', 1);
        p.drawText(QRectF(tick.x() - 20, tick.y() + 4, 40, fm.height()), Qt::AlignCenter, label);
    }
    for (int i = 0; i * 0.25 <= yMax; ++i) {
        const QPointF tick = at(0, i * 0.25);
        p.drawLine(tick, tick - QPointF(4, 0));
        p.drawText(QRectF(0, tick.y() - fm.height() / 2.0, left - 6, fm.height()),
                   Qt::AlignRight | Qt::AlignVCenter, QString::number(i * 0.25, 'f', 2));
    }
    p.drawText(QRectF(area.left(), height() - fm.height() - 2, area.width(), fm.height()),
               Qt::AlignCenter, tr("spatial frequency (cycles per pixel)"));

    // The 1/e threshold.
    QPen dashed(grid, 1, Qt::DashLine);
    p.setPen(dashed);
    const double e = std::exp(-1.0);
    p.drawLine(at(0, e), at(m_xMax, e));
    p.drawText(at(m_xMax, e) + QPointF(-30, -3), QStringLiteral("1/e"));

    if (m_points.isEmpty())
        return;
    if (highest > yMax) {
        p.setPen(text);
        p.drawText(area.adjusted(4, 2, -4, -2), Qt::AlignRight | Qt::AlignBottom,
                   tr("values above %1 (up to %2) drawn on the top edge")
                       .arg(yMax, 0, 'f', 1)
                       .arg(highest, 0, 'g', 3));
    }
    QPainterPath curve(at(m_points.front().x(), m_points.front().y()));
    for (const QPointF& pt : m_points)
        curve.lineTo(at(pt.x(), pt.y()));
    p.setPen(QPen(QColor(30, 110, 200), 2));
    p.setBrush(Qt::NoBrush);
    p.drawPath(curve);

    if (std::isfinite(m_marker)) {
        p.setPen(QPen(QColor(200, 40, 40), 2));
        p.drawLine(at(m_marker, 0), at(m_marker, yMax));
        const QString label = QString::number(m_marker, 'f', 3);
        const QPointF top = at(m_marker, yMax) + QPointF(4, fm.ascent());
        const bool right = top.x() + fm.horizontalAdvance(label) < area.right();
        p.drawText(right ? top : top - QPointF(fm.horizontalAdvance(label) + 8, 0), label);
    }
}

} // namespace pf::ui
