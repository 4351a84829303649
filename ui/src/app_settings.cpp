#include "phaseforge/ui/app_settings.h"

#include <QFileInfo>
#include <QLocale>
#include <QSettings>

#include <algorithm>
#include <cmath>

namespace pf::ui {

QString numberText(double value) {
    // QString::number always writes the C locale's '.', never the user's ','.
    return QString::number(value, 'g', 17);
}

double parseNumber(const QString& text, double fallback) {
    bool ok = false;
    double v = QLocale::c().toDouble(text.trimmed(), &ok);
    if (!ok) {
        QString dotted = text.trimmed();
        dotted.replace(QLatin1Char(','), QLatin1Char('.'));
        v = QLocale::c().toDouble(dotted, &ok);
    }
    return ok && std::isfinite(v) ? v : fallback;
}

namespace {

const char* engineText(pf::EngineKind k) {
    switch (k) {
    case pf::EngineKind::Cuda: return "cuda";
    case pf::EngineKind::Cpu: return "cpu";
    case pf::EngineKind::Auto: break;
    }
    return "auto";
}

double readNumber(const QSettings& s, const QString& key, double fallback) {
    const QVariant v = s.value(key);
    return v.isValid() ? parseNumber(v.toString(), fallback) : fallback;
}

} // namespace

void saveRunSettings(QSettings& s, const RunSettings& run) {
    const pf::Parameters& p = run.parameters;
    s.beginGroup(QStringLiteral("run"));
    s.setValue(QStringLiteral("schedule"), QString::fromStdString(p.schedule.toString()));
    s.setValue(QStringLiteral("beta"), numberText(p.beta));
    s.setValue(QStringLiteral("initialSupport"),
               p.initialSupport == pf::InitialSupport::Autocorrelation ? QStringLiteral("autocorrelation")
               : p.initialSupport == pf::InitialSupport::Problem       ? QStringLiteral("problem")
                                                                       : QStringLiteral("automatic"));
    s.setValue(QStringLiteral("autocorrelationThreshold"), numberText(p.autocorrelationThreshold));
    s.setValue(QStringLiteral("shrinkWrap/enabled"), p.shrinkWrap.enabled);
    s.setValue(QStringLiteral("shrinkWrap/every"), p.shrinkWrap.every);
    s.setValue(QStringLiteral("shrinkWrap/sigmaStart"), numberText(p.shrinkWrap.sigmaStart));
    s.setValue(QStringLiteral("shrinkWrap/sigmaEnd"), numberText(p.shrinkWrap.sigmaEnd));
    s.setValue(QStringLiteral("shrinkWrap/threshold"), numberText(p.shrinkWrap.threshold));
    s.setValue(QStringLiteral("seed"), QString::number(p.seed));
    s.setValue(QStringLiteral("starts"), p.starts);
    s.setValue(QStringLiteral("engine"), QLatin1String(engineText(run.engine)));
    s.endGroup();
}

RunSettings loadRunSettings(const QSettings& s) {
    RunSettings run;
    pf::Parameters& p = run.parameters;
    const QString g = QStringLiteral("run/");
    try {
        const QString text = s.value(g + QStringLiteral("schedule")).toString();
        if (!text.isEmpty())
            p.schedule = pf::Schedule::parse(text.toStdString());
    } catch (const std::exception&) {
        // keep the default schedule
    }
    const double beta = readNumber(s, g + QStringLiteral("beta"), p.beta);
    if (beta > pf::kBetaMin && beta <= pf::kBetaMax)
        p.beta = float(beta);
    const QString support = s.value(g + QStringLiteral("initialSupport")).toString();
    if (support == QStringLiteral("autocorrelation"))
        p.initialSupport = pf::InitialSupport::Autocorrelation;
    else if (support == QStringLiteral("problem"))
        p.initialSupport = pf::InitialSupport::Problem;
    p.autocorrelationThreshold =
        float(readNumber(s, g + QStringLiteral("autocorrelationThreshold"), p.autocorrelationThreshold));
    p.shrinkWrap.enabled = s.value(g + QStringLiteral("shrinkWrap/enabled"), p.shrinkWrap.enabled).toBool();
    p.shrinkWrap.every = std::max(1, s.value(g + QStringLiteral("shrinkWrap/every"), p.shrinkWrap.every).toInt());
    p.shrinkWrap.sigmaStart = float(readNumber(s, g + QStringLiteral("shrinkWrap/sigmaStart"), p.shrinkWrap.sigmaStart));
    p.shrinkWrap.sigmaEnd = float(readNumber(s, g + QStringLiteral("shrinkWrap/sigmaEnd"), p.shrinkWrap.sigmaEnd));
    p.shrinkWrap.threshold = float(readNumber(s, g + QStringLiteral("shrinkWrap/threshold"), p.shrinkWrap.threshold));
    p.seed = s.value(g + QStringLiteral("seed"), QStringLiteral("0")).toString().toULongLong();
    p.starts = std::clamp(s.value(g + QStringLiteral("starts"), p.starts).toInt(), 1, 64);
    p.keep = std::min(p.keep, p.starts);
    const QString engine = s.value(g + QStringLiteral("engine")).toString();
    run.engine = engine == QStringLiteral("cuda")  ? pf::EngineKind::Cuda
                 : engine == QStringLiteral("cpu") ? pf::EngineKind::Cpu
                                                   : pf::EngineKind::Auto;
    return run;
}

QStringList recentFiles(const QSettings& s) {
    QStringList out;
    for (const QString& f : s.value(QStringLiteral("recentFiles")).toStringList())
        if (QFileInfo::exists(f) && !out.contains(f) && out.size() < kMaxRecentFiles)
            out << f;
    return out;
}

void addRecentFile(QSettings& s, const QString& path) {
    QStringList files = recentFiles(s);
    const QString absolute = QFileInfo(path).absoluteFilePath();
    files.removeAll(absolute);
    files.prepend(absolute);
    while (files.size() > kMaxRecentFiles)
        files.removeLast();
    s.setValue(QStringLiteral("recentFiles"), files);
}

} // namespace pf::ui
