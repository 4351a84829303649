// The app runs the same recipe as the CLI and Python: a fresh parameter
// panel, settings read from an empty settings file, and settings saved and
// read back all give pf::recipeParameters(), field by field. (The CLI and
// Python are held to the same bits in tests/python/test_recipe.py.)
#include <phaseforge/algorithm.h>
#include <phaseforge/reconstruction.h>
#include <phaseforge/ui/app_settings.h>
#include <phaseforge/ui/parameter_panel.h>

#include <QDoubleSpinBox>
#include <QLineEdit>
#include <QRegularExpression>
#include <QSettings>
#include <QTemporaryDir>
#include <QtTest>

namespace {

/// The first field in which two parameter sets differ, or "" when none does.
QString firstDifference(const pf::Parameters& a, const pf::Parameters& b) {
    const auto& x = a.shrinkWrap;
    const auto& y = b.shrinkWrap;
    const std::pair<const char*, bool> same[] = {
        {"schedule", a.schedule.toString() == b.schedule.toString()},
        {"beta", a.beta == b.beta},
        {"initial support", a.initialSupport == b.initialSupport},
        {"automatic support threshold", a.autoSupport.threshold == b.autoSupport.threshold},
        {"automatic support fill", a.autoSupport.fillIterations == b.autoSupport.fillIterations},
        {"automatic support dilation", a.autoSupport.dilation == b.autoSupport.dilation},
        {"shrink-wrap on", x.enabled == y.enabled},
        {"shrink-wrap every", x.every == y.every},
        {"shrink-wrap sigma start", x.sigmaStart == y.sigmaStart},
        {"shrink-wrap sigma end", x.sigmaEnd == y.sigmaEnd},
        {"shrink-wrap sigma decay", x.sigmaDecay == y.sigmaDecay},
        {"shrink-wrap threshold", x.threshold == y.threshold},
        {"shrink-wrap starts", a.shrinkWrapStarts == b.shrinkWrapStarts},
        {"gentle threshold", a.gentleThreshold == b.gentleThreshold},
        {"minimum support", a.minSupportPixels == b.minSupportPixels},
        {"maximum support fraction", a.maxSupportFraction == b.maxSupportFraction},
        {"detwin iterations", a.detwinIterations == b.detwinIterations},
        {"free fraction", a.freeFraction == b.freeFraction},
        {"starts", a.starts == b.starts},
        {"keep", a.keep == b.keep},
        {"centre", a.centre == b.centre},
        {"kicks", a.kicks == b.kicks},
        {"kick schedule", a.kickSchedule.toString() == b.kickSchedule.toString()},
        {"kick dark fraction", a.kickDark == b.kickDark},
        {"seed", a.seed == b.seed},
        {"guess", a.guess == b.guess},
    };
    for (const auto& [name, equal] : same)
        if (!equal)
            return QString::fromLatin1(name);
    return {};
}

} // namespace

class TestRecipeDefaults : public QObject {
    Q_OBJECT

private slots:
    void freshPanelRunsTheRecipe() {
        pf::ui::ParameterPanel panel;
        const QString diff = firstDifference(panel.settings().parameters, pf::recipeParameters());
        QVERIFY2(diff.isEmpty(), qPrintable("the panel differs from the recipe in: " + diff));
    }

    void emptySettingsFileGivesTheRecipe() {
        QTemporaryDir dir;
        QSettings empty(dir.filePath("empty.ini"), QSettings::IniFormat);
        const QString diff =
            firstDifference(pf::ui::loadRunSettings(empty).parameters, pf::recipeParameters());
        QVERIFY2(diff.isEmpty(), qPrintable("settings differ from the recipe in: " + diff));
    }

    void savedDefaultsReadBackAsTheRecipe() {
        QTemporaryDir dir;
        {
            QSettings file(dir.filePath("run.ini"), QSettings::IniFormat);
            pf::ui::ParameterPanel panel;
            pf::ui::saveRunSettings(file, panel.settings());
        }
        QSettings file(dir.filePath("run.ini"), QSettings::IniFormat);
        pf::ui::ParameterPanel panel;
        panel.setSettings(pf::ui::loadRunSettings(file));
        const QString diff = firstDifference(panel.settings().parameters, pf::recipeParameters());
        QVERIFY2(diff.isEmpty(), qPrintable("after save and load, the panel differs in: " + diff));
    }

    // The panel's help lists the rules from the algorithm table: every rule
    // in the schedule's tooltip, and in β's exactly those that read β.
    void helpListsTheTablesRules() {
        pf::ui::ParameterPanel panel;
        const auto* schedule = panel.findChild<QLineEdit*>();
        QVERIFY(schedule);
        const QString scheduleHelp = schedule->toolTip();
        QVERIFY2(scheduleHelp.contains(QString::fromStdString(pf::algorithmNameList())),
                 qPrintable(scheduleHelp));
        const auto* beta = panel.findChild<QDoubleSpinBox*>();
        QVERIFY(beta);
        const QString betaHelp = beta->toolTip().section(QLatin1Char('('), 0, 0);
        for (const pf::AlgorithmInfo& rule : pf::algorithms()) {
            const QString name = QString::fromLatin1(rule.name.data(), qsizetype(rule.name.size()));
            const bool listed = betaHelp.contains(QRegularExpression(QStringLiteral("\\b%1\\b").arg(name)));
            QVERIFY2(listed == rule.usesBeta, qPrintable(name + ": " + betaHelp));
        }
    }
};

QTEST_MAIN(TestRecipeDefaults)
#include "tst_recipe_defaults.moc"
