#include "phaseforge/ui/parameter_panel.h"

#include <phaseforge/algorithm.h>

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QLabel>
#include <QLineEdit>
#include <QRegularExpressionValidator>
#include <QSpinBox>
#include <QStandardItemModel>
#include <QVBoxLayout>

namespace pf::ui {

namespace {

QDoubleSpinBox* doubleSpin(double lo, double hi, double step, int decimals, const QString& tip) {
    auto* s = new QDoubleSpinBox;
    s->setRange(lo, hi);
    s->setSingleStep(step);
    s->setDecimals(decimals);
    s->setToolTip(tip);
    s->setKeyboardTracking(false); // emit when the value is complete, not per keystroke
    return s;
}

QSpinBox* intSpin(int lo, int hi, const QString& tip) {
    auto* s = new QSpinBox;
    s->setRange(lo, hi);
    s->setToolTip(tip);
    s->setKeyboardTracking(false);
    return s;
}

} // namespace

ParameterPanel::ParameterPanel(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);

    auto* algorithm = new QGroupBox(tr("Algorithm"));
    auto* af = new QFormLayout(algorithm);
    m_schedule = new QLineEdit;
    // The rules and which of them read β come from the algorithm table.
    QStringList betaRules;
    for (const pf::AlgorithmInfo& rule : pf::algorithms())
        if (rule.usesBeta)
            betaRules << QString::fromLatin1(rule.name.data(), qsizetype(rule.name.size()));
    m_schedule->setToolTip(
        tr("Which algorithms run, in order, e.g. HIO:200,ER:50 or (HIO:50,ER:10)*5.\n"
           "Algorithms: %1. Iterations already done count towards "
           "the new schedule.\nApplies from the next iteration.")
            .arg(QString::fromStdString(pf::algorithmNameList())));
    m_scheduleStatus = new QLabel;
    m_scheduleStatus->setWordWrap(true);
    m_scheduleStatus->setStyleSheet(QStringLiteral("color: #d04040;"));
    m_scheduleStatus->hide();
    m_beta = doubleSpin(0.01, 1.0, 0.05, 3,
                        tr("Feedback parameter β of %1 (0 < β ≤ 1).\n"
                           "Applies from the next iteration.")
                            .arg(betaRules.join(QStringLiteral(", "))));
    af->addRow(tr("Schedule"), m_schedule);
    af->addRow(m_scheduleStatus);
    af->addRow(tr("β"), m_beta);
    layout->addWidget(algorithm);

    auto* support = new QGroupBox(tr("Support"));
    auto* sf = new QFormLayout(support);
    m_initialSupport = new QComboBox;
    m_initialSupport->addItems(
        {tr("Automatic (recommended)"), tr("From the data file"), tr("Autocorrelation")});
    m_initialSupport->setToolTip(
        tr("Where the object may be non-zero at the start: the support stored with the data "
           "(the whole field when none), or the region where the autocorrelation IFFT(|F|²) "
           "exceeds the threshold. A change replaces the support in force at the next "
           "iteration."));
    m_autoThreshold = doubleSpin(0.001, 0.999, 0.01, 3,
                                 tr("Fraction of the autocorrelation's maximum that marks the "
                                    "support. A change recomputes the support in force at the "
                                    "next iteration."));
    m_shrinkWrap = new QCheckBox(tr("Shrink-wrap"));
    m_shrinkWrap->setToolTip(tr("Update the support from the blurred estimate every few "
                                "iterations (Marchesini et al. 2003), from the next iteration "
                                "on."));
    m_swEvery = intSpin(1, 100000, tr("Iterations between support updates. The next update "
                                      "falls at the next multiple of this count."));
    m_swSigmaStart = doubleSpin(0.1, 50, 0.1, 2,
                                tr("Blur width σ of the first update, in pixels. A new value "
                                   "starts σ again from it at the next update."));
    m_swSigmaEnd = doubleSpin(0.1, 50, 0.1, 2, tr("Smallest blur width σ, in pixels. "
                                                  "Applies from the next update."));
    m_swThreshold = doubleSpin(0.01, 0.99, 0.01, 2,
                               tr("The new support is where the blurred |estimate| reaches this "
                                  "fraction of its maximum. Applies from the next update."));
    sf->addRow(tr("Initial"), m_initialSupport);
    sf->addRow(tr("Threshold"), m_autoThreshold);
    sf->addRow(m_shrinkWrap);
    sf->addRow(tr("Every"), m_swEvery);
    sf->addRow(tr("σ start"), m_swSigmaStart);
    sf->addRow(tr("σ end"), m_swSigmaEnd);
    sf->addRow(tr("SW threshold"), m_swThreshold);
    layout->addWidget(support);

    auto* run = new QGroupBox(tr("Run"));
    auto* rf = new QFormLayout(run);
    m_seed = new QLineEdit;
    m_seed->setValidator(new QRegularExpressionValidator(
        QRegularExpression(QStringLiteral("[0-9]{1,19}")), m_seed));
    m_seed->setToolTip(tr("Seed of the random starting phase; start j uses seed + j. "
                          "The same seed gives the same run. Applies on Reset."));
    m_starts = intSpin(1, 64, tr("Independent random starts run side by side; they are ranked by "
                                 "their error on held-out pixels and the best are aligned and "
                                 "averaged. Applies on Reset."));
    m_engine = new QComboBox;
    m_engine->addItems({tr("Auto"), tr("CUDA (GPU)"), tr("FFTW (CPU)")});
    m_engine->setToolTip(tr("Auto uses the GPU when one is usable, otherwise the CPU. "
                            "Applies on Reset."));
    rf->addRow(tr("Seed"), m_seed);
    rf->addRow(tr("Starts"), m_starts);
    rf->addRow(tr("Engine"), m_engine);
    layout->addWidget(run);

    auto* note = new QLabel(tr("β, the schedule and the support apply at the next iteration; "
                               "the seed, the starts and the engine when you press Reset."));
    note->setWordWrap(true);
    note->setStyleSheet(QStringLiteral("color: palette(mid);"));
    layout->addWidget(note);
    layout->addStretch(1);

    setSettings(RunSettings{});

    connect(m_schedule, &QLineEdit::textEdited, this, &ParameterPanel::scheduleEdited);
    connect(m_beta, &QDoubleSpinBox::valueChanged, this, [this](double v) {
        if (!m_updating)
            emit betaChanged(float(v));
    });
    const auto resetSetting = [this] {
        updateSupportControls();
        if (!m_updating)
            emit resetSettingsChanged();
    };
    const auto supportSetting = [this] {
        updateSupportControls();
        if (!m_updating)
            emit supportRulesChanged(SupportRules::of(settings().parameters));
    };
    connect(m_initialSupport, &QComboBox::currentIndexChanged, this, supportSetting);
    connect(m_autoThreshold, &QDoubleSpinBox::valueChanged, this, supportSetting);
    connect(m_shrinkWrap, &QCheckBox::toggled, this, supportSetting);
    connect(m_swEvery, &QSpinBox::valueChanged, this, supportSetting);
    connect(m_swSigmaStart, &QDoubleSpinBox::valueChanged, this, supportSetting);
    connect(m_swSigmaEnd, &QDoubleSpinBox::valueChanged, this, supportSetting);
    connect(m_swThreshold, &QDoubleSpinBox::valueChanged, this, supportSetting);
    connect(m_seed, &QLineEdit::editingFinished, this, resetSetting);
    connect(m_starts, &QSpinBox::valueChanged, this, resetSetting);
    connect(m_engine, &QComboBox::currentIndexChanged, this, resetSetting);
}

void ParameterPanel::scheduleEdited() {
    const QString text = m_schedule->text();
    try {
        m_lastValidSchedule = pf::Schedule::parse(text.toStdString());
        m_scheduleValid = true;
        m_scheduleStatus->hide();
        m_schedule->setStyleSheet(QString());
        emit scheduleChanged(m_lastValidSchedule);
    } catch (const std::exception& e) {
        m_scheduleValid = false;
        m_scheduleStatus->setText(QString::fromUtf8(e.what()));
        m_scheduleStatus->show();
        m_schedule->setStyleSheet(QStringLiteral("QLineEdit { border: 1px solid #d04040; }"));
    }
}

void ParameterPanel::updateSupportControls() {
    m_autoThreshold->setEnabled(m_initialSupport->currentIndex() == 2);
    const bool sw = m_shrinkWrap->isChecked();
    for (QWidget* w : {static_cast<QWidget*>(m_swEvery), static_cast<QWidget*>(m_swSigmaStart),
                       static_cast<QWidget*>(m_swSigmaEnd), static_cast<QWidget*>(m_swThreshold)})
        w->setEnabled(sw);
}

RunSettings ParameterPanel::settings() const {
    RunSettings s;
    pf::Parameters& p = s.parameters;
    p.schedule = m_lastValidSchedule;
    p.beta = float(m_beta->value());
    p.initialSupport = m_initialSupport->currentIndex() == 2   ? pf::InitialSupport::Autocorrelation
                       : m_initialSupport->currentIndex() == 1 ? pf::InitialSupport::Problem
                                                               : pf::InitialSupport::Automatic;
    p.autocorrelationThreshold = float(m_autoThreshold->value());
    p.shrinkWrap.enabled = m_shrinkWrap->isChecked();
    p.shrinkWrap.every = m_swEvery->value();
    p.shrinkWrap.sigmaStart = float(m_swSigmaStart->value());
    p.shrinkWrap.sigmaEnd = float(m_swSigmaEnd->value());
    p.shrinkWrap.threshold = float(m_swThreshold->value());
    p.seed = m_seed->text().toULongLong();
    p.starts = m_starts->value();
    p.keep = std::min(pf::recipeParameters().keep, p.starts);
    static const pf::EngineKind kinds[] = {pf::EngineKind::Auto, pf::EngineKind::Cuda,
                                           pf::EngineKind::Cpu};
    s.engine = kinds[std::clamp(m_engine->currentIndex(), 0, 2)];
    return s;
}

void ParameterPanel::setSettings(const RunSettings& s) {
    m_updating = true;
    const pf::Parameters& p = s.parameters;
    m_lastValidSchedule = p.schedule;
    m_scheduleValid = true;
    m_schedule->setText(QString::fromStdString(p.schedule.toString()));
    m_schedule->setStyleSheet(QString());
    m_scheduleStatus->hide();
    m_beta->setValue(p.beta);
    m_initialSupport->setCurrentIndex(p.initialSupport == pf::InitialSupport::Autocorrelation ? 2
                                      : p.initialSupport == pf::InitialSupport::Problem       ? 1
                                                                                              : 0);
    m_autoThreshold->setValue(p.autocorrelationThreshold);
    m_shrinkWrap->setChecked(p.shrinkWrap.enabled);
    m_swEvery->setValue(p.shrinkWrap.every);
    m_swSigmaStart->setValue(p.shrinkWrap.sigmaStart);
    m_swSigmaEnd->setValue(p.shrinkWrap.sigmaEnd);
    m_swThreshold->setValue(p.shrinkWrap.threshold);
    m_seed->setText(QString::number(p.seed));
    m_starts->setValue(p.starts);
    m_engine->setCurrentIndex(s.engine == pf::EngineKind::Cuda  ? 1
                              : s.engine == pf::EngineKind::Cpu ? 2
                                                                : 0);
    updateSupportControls();
    m_updating = false;
}

void ParameterPanel::setCudaAvailable(bool available, const QString& reason) {
    auto* model = qobject_cast<QStandardItemModel*>(m_engine->model());
    if (QStandardItem* item = model ? model->item(1) : nullptr) {
        item->setEnabled(available);
        item->setToolTip(available ? tr("The CUDA/cuFFT engine") : reason);
    }
}

} // namespace pf::ui
