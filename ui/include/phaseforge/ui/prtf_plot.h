// The PRTF against spatial frequency, drawn with QPainter: the curve, the
// 1/e threshold (dashed) and a marker at the resolution estimate. Not a Qt
// Charts chart: a chart laid out in a dock before the GL views draw text
// leaves Qt Charts 6.4 a font engine that crashes the app at exit.
#pragma once

#include <phaseforge/analysis.h>

#include <QList>
#include <QPointF>
#include <QWidget>

namespace pf::ui {

class PrtfPlot : public QWidget {
    Q_OBJECT
  public:
    explicit PrtfPlot(QWidget* parent = nullptr);

    /// Shows this PRTF (rings with no measured pixel are left out).
    void setPrtf(const pf::Prtf& prtf);
    void clear();

    /// The points drawn: (frequency in cycles per pixel, PRTF).
    const QList<QPointF>& points() const { return m_points; }
    /// Where the resolution marker stands (cycles per pixel); NaN when none.
    double resolutionMarker() const { return m_marker; }
    QSize sizeHint() const override { return {320, 180}; }

  protected:
    void paintEvent(QPaintEvent* event) override;

  private:
    QList<QPointF> m_points;
    double m_marker;
    double m_xMax = 0.5;
};

} // namespace pf::ui
