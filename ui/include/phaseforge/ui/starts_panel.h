// The multi-start runs panel: a thumbnail of every start with its errors,
// which starts were kept, their aligned average (the recipe's answer) and the
// PRTF against spatial frequency with the resolution estimate marked.
#pragma once

#include "phaseforge/ui/run_types.h"

#include <QWidget>

#include <vector>

class QGridLayout;
class QLabel;

namespace pf::ui {

class ImageTile;
class PrtfPlot;

class StartsPanel : public QWidget {
    Q_OBJECT
  public:
    explicit StartsPanel(QWidget* parent = nullptr);

    /// A new run with `starts` starts: empty thumbnails, no PRTF.
    void clear(int starts);
    /// Every start's object and the result read back with them.
    void setStarts(StartObjectsPtr starts);
    /// Live Fourier errors of the starts while the run goes on.
    void appendMetrics(const MetricsList& records);

    int startCount() const { return int(m_tiles.size()); }
    ImageTile* startTile(int k) const { return m_tiles.at(std::size_t(k)); }
    ImageTile* averageTile() const { return m_average; }
    /// Whether start k is shown as kept (averaged).
    bool isKept(int k) const;
    PrtfPlot* prtfPlot() const { return m_plot; }
    QString resolutionText() const;
    StartObjectsPtr shown() const { return m_starts; }

  private:
    void updateCaption(int k);
    void showPrtf(const pf::Result& result);

    QGridLayout* m_grid;
    std::vector<ImageTile*> m_tiles;
    ImageTile* m_average;
    std::vector<float> m_fourier; // latest Fourier error per start
    std::vector<float> m_free;    // free error per start at the last snapshot
    std::vector<int> m_rank;      // -1: not kept; 0: best; 1..: kept, in rank order
    StartObjectsPtr m_starts;
    PrtfPlot* m_plot;
    QLabel* m_resolution;
};

} // namespace pf::ui
