// The step-through view: the stages of the next iteration of the displayed
// start as five pictures (iterate → |FFT| → magnitudes replaced → inverse FFT
// → after the constraints), computed at every pause from the iterate the
// engine holds with the core's own projections (IterationStages).
#pragma once

#include "phaseforge/ui/run_types.h"

#include <QWidget>

#include <array>

class QLabel;

namespace pf::ui {

class ImageTile;

class StepThroughPanel : public QWidget {
    Q_OBJECT
  public:
    enum Stage { Iterate, Spectrum, Projected, Output, Constrained, StageCount };

    explicit StepThroughPanel(QWidget* parent = nullptr);

    void setStages(StagesPtr stages);
    /// Nothing to show yet (new data, or the view was just switched on).
    void clear(const QString& why);
    StagesPtr stages() const { return m_stages; }
    ImageTile* tile(Stage s) const { return m_tiles[std::size_t(s)]; }
    QString headline() const;

  private:
    std::array<ImageTile*, StageCount> m_tiles{};
    QLabel* m_headline;
    StagesPtr m_stages;
};

} // namespace pf::ui
