// What the app remembers between sessions (QSettings): run parameters, recent
// files, view choices. Numbers are stored as text in the C locale and read
// back the same way, so a decimal-comma locale neither breaks nor alters them.
#pragma once

#include "phaseforge/ui/run_types.h"

#include <QString>
#include <QStringList>

class QSettings;

namespace pf::ui {

/// Writes every field of the run settings under "run/".
void saveRunSettings(QSettings& settings, const RunSettings& run);
/// Reads them back; a missing or unreadable value keeps its default.
RunSettings loadRunSettings(const QSettings& settings);

/// Most recent first, at most kMaxRecentFiles, only files that still exist.
QStringList recentFiles(const QSettings& settings);
void addRecentFile(QSettings& settings, const QString& path);
inline constexpr int kMaxRecentFiles = 10;

/// A double as text that reads back exactly, whatever the locale.
QString numberText(double value);
/// Parses numberText() output (also accepts a decimal comma, for files
/// written by hand); returns `fallback` when the text is not a number.
double parseNumber(const QString& text, double fallback);

} // namespace pf::ui
