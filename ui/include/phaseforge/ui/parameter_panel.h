// The parameter panel: schedule, β, support rules, seed, starts and engine,
// each with a tooltip. β, the schedule and the support rules apply from the
// next iteration of a running reconstruction; the seed, the starts and the
// engine define how a run begins and apply on Reset (or the next Start after
// the end of a run).
#pragma once

#include "phaseforge/ui/run_types.h"

#include <QWidget>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QSpinBox;

namespace pf::ui {

class ParameterPanel : public QWidget {
    Q_OBJECT
public:
    explicit ParameterPanel(QWidget* parent = nullptr);

    /// The settings as entered. The schedule is the last valid one typed.
    RunSettings settings() const;
    void setSettings(const RunSettings& settings);
    /// Whether the schedule field holds valid text right now.
    bool scheduleValid() const { return m_scheduleValid; }
    /// Shows which engines exist in this build (CUDA greyed out when not).
    void setCudaAvailable(bool available, const QString& reason);

signals:
    /// β changed (applies from the next iteration).
    void betaChanged(float beta);
    /// A valid schedule was entered (applies from the next iteration).
    void scheduleChanged(pf::Schedule schedule);
    /// A support rule changed (applies from the next iteration).
    void supportRulesChanged(pf::ui::SupportRules rules);
    /// Something that applies on Reset changed.
    void resetSettingsChanged();

private:
    void scheduleEdited();
    void updateSupportControls();

    QLineEdit* m_schedule;
    QLabel* m_scheduleStatus;
    QDoubleSpinBox* m_beta;
    QComboBox* m_initialSupport;
    QDoubleSpinBox* m_autoThreshold;
    QCheckBox* m_shrinkWrap;
    QSpinBox* m_swEvery;
    QDoubleSpinBox* m_swSigmaStart;
    QDoubleSpinBox* m_swSigmaEnd;
    QDoubleSpinBox* m_swThreshold;
    QLineEdit* m_seed;
    QSpinBox* m_starts;
    QComboBox* m_engine;
    pf::Schedule m_lastValidSchedule;
    bool m_scheduleValid = true;
    bool m_updating = false;
};

} // namespace pf::ui
