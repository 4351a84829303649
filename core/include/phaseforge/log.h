// The log sink. Libraries never print: they call pf::log(), and each front end
// decides where lines go (stderr for the CLI, the log pane for the app).
#pragma once

#include <functional>
#include <string_view>

namespace pf {

enum class LogLevel { Debug, Info, Warning, Error };

using LogSink = std::function<void(LogLevel, std::string_view)>;

/// Replaces the process-wide sink and returns the previous one. Thread-safe.
/// The default sink writes warnings and errors to stderr.
LogSink setLogSink(LogSink sink);

/// Sends one line to the current sink. Thread-safe.
void log(LogLevel level, std::string_view message);

} // namespace pf
