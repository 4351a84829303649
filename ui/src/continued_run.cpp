#include "phaseforge/ui/continued_run.h"

#include "phaseforge/ui/error_plot.h"
#include "phaseforge/ui/parameter_panel.h"

#include <phaseforge/initial_guess.h>
#include <phaseforge/io/saved_result.h>
#include <phaseforge/log.h>

#include <QFileInfo>
#include <QStatusBar>

namespace pf::ui {

namespace {

/// Whether the support rules the panel shows differ (the fields it has).
bool supportRulesDiffer(const pf::Parameters& a, const pf::Parameters& b) {
    const pf::ShrinkWrap& x = a.shrinkWrap;
    const pf::ShrinkWrap& y = b.shrinkWrap;
    return a.initialSupport != b.initialSupport ||
           a.autocorrelationThreshold != b.autocorrelationThreshold || x.enabled != y.enabled ||
           x.every != y.every || x.sigmaStart != y.sigmaStart || x.sigmaEnd != y.sigmaEnd ||
           x.threshold != y.threshold;
}

/// The continuation of a saved result, checked against the magnitudes it is
/// to run on. Throws pf::Error saying why it cannot go on.
pf::Continuation continuationFor(const pf::io::SavedResult& saved, const pf::Problem& problem) {
    pf::Continuation c = pf::continuationOf(saved);
    // What the worker would refuse only when it builds the run: found here,
    // it is one line at opening instead of an error at every Reset.
    pf::initialObject(pf::InitialGuess::fromObject(c.parameters.userObject), problem.shape());
    if (!c.support.empty() && !(c.support.shape == problem.shape()))
        throw pf::InvalidArgument("the saved support is " + c.support.shape.toString() +
                                  " but the magnitudes are " + problem.shape().toString());
    c.parameters.validate();
    return c;
}

/// The saved run's records as the plot draws them: on the continued run's
/// one start (0), whichever start was best in the saved run.
MetricsList historyOnStartZero(const std::vector<pf::MetricsRecord>& history) {
    MetricsList records;
    records.reserve(qsizetype(history.size()));
    for (pf::MetricsRecord r : history) {
        r.start = 0;
        records.append(r);
    }
    return records;
}

} // namespace

ContinuedRun::ContinuedRun(ParameterPanel* panel, ErrorPlot* plot, QStatusBar* statusBar,
                           QObject* parent)
    : QObject(parent), m_panel(panel), m_plot(plot), m_statusBar(statusBar) {}

void ContinuedRun::dataOpening(LoadedData& data) {
    if (!data.savedResult) {
        end();
        return;
    }
    const QString name = QFileInfo(data.path).fileName();
    pf::Continuation continuation;
    std::vector<pf::MetricsRecord> savedHistory;
    try {
        const pf::io::SavedResult saved = pf::io::loadSavedResult(data.path.toStdString());
        savedHistory = saved.history;
        continuation = continuationFor(saved, *data.problem);
    } catch (const std::exception& e) {
        // The magnitudes are open and runnable; only the continuation is
        // missing. One line, no dialog: the file itself was read.
        end();
        const QString line = tr("%1: its magnitudes are open, but the run cannot continue from it: %2")
                                 .arg(name, QString::fromUtf8(e.what()));
        pf::log(pf::LogLevel::Warning, line.toStdString());
        m_statusBar->showMessage(line, 8000);
        return;
    }

    // The saved support is the continued run's initial support
    // (InitialSupport::Problem): it travels in the problem.
    auto problem = std::make_shared<pf::Problem>(*data.problem);
    problem->support = continuation.support;
    data.problem = std::move(problem);

    const RunSettings entered = m_panel->settings();
    if (!m_settingsBefore)
        m_settingsBefore = entered;
    m_panel->setSettings(RunSettings{continuation.parameters, entered.engine});
    m_shownAtOpen = m_panel->settings();
    m_plot->setEarlierRun(historyOnStartZero(savedHistory), continuation.previousIterations);

    for (const std::string& notice : continuation.notices)
        pf::log(pf::LogLevel::Info, (name + QStringLiteral(": ")).toStdString() + notice);
    const QString line = tr("continuing %1 after its %2 iterations").arg(name).arg(continuation.previousIterations);
    pf::log(pf::LogLevel::Info, line.toStdString());
    // The Reconstruction counts from 0 and its schedule from there: the new
    // iterations are counted on their own, and the plot draws them after the
    // saved ones.
    pf::log(pf::LogLevel::Info,
            tr("Start goes on from the saved iterate and support; the iteration counter counts the "
               "new iterations from 0, the error plot shows them after the saved %1")
                .arg(continuation.previousIterations)
                .toStdString());
    m_statusBar->showMessage(line, 8000);
    m_continuation = std::move(continuation);
}

void ContinuedRun::end() {
    if (!m_continuation)
        return;
    m_continuation.reset();
    m_plot->setEarlierRun({}, 0);
    if (m_settingsBefore) {
        // The engine stays as chosen now; the rest as before the saved result.
        RunSettings before = *std::exchange(m_settingsBefore, std::nullopt);
        before.engine = m_panel->settings().engine;
        m_panel->setSettings(before);
    }
}

RunSettings ContinuedRun::runSettings(const RunSettings& entered) const {
    if (!m_continuation)
        return entered;
    // Only what the user changed since the file was opened replaces the
    // continuation's values: the panel rounds (σ to two decimals) and does
    // not show everything (the object, the free fraction, the number kept).
    // The number of starts stays one: a run from one object has one start.
    RunSettings run{m_continuation->parameters, entered.engine};
    pf::Parameters& p = run.parameters;
    const pf::Parameters& now = entered.parameters;
    const pf::Parameters& shown = m_shownAtOpen.parameters;
    if (now.schedule.toString() != shown.schedule.toString())
        p.schedule = now.schedule;
    if (now.beta != shown.beta)
        p.beta = now.beta;
    if (now.seed != shown.seed)
        p.seed = now.seed;
    if (supportRulesDiffer(now, shown)) {
        p.initialSupport = now.initialSupport;
        p.autocorrelationThreshold = now.autocorrelationThreshold;
        p.shrinkWrap = now.shrinkWrap;
    }
    return run;
}

RunSettings ContinuedRun::settingsToRemember(const RunSettings& entered) const {
    if (!m_continuation || !m_settingsBefore)
        return entered;
    RunSettings remembered = *m_settingsBefore;
    remembered.engine = entered.engine;
    return remembered;
}

} // namespace pf::ui
