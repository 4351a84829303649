#include "phaseforge/log.h"

#include <cstdio>
#include <mutex>
#include <string>

namespace pf {

namespace {

std::mutex& sinkMutex() {
    static std::mutex m;
    return m;
}

LogSink& currentSink() {
    static LogSink sink = [](LogLevel level, std::string_view message) {
        if (level < LogLevel::Warning)
            return;
        const char* tag = level == LogLevel::Error ? "error" : "warning";
        std::fprintf(stderr, "phaseforge %s: %.*s\n", tag, int(message.size()), message.data());
    };
    return sink;
}

} // namespace

LogSink setLogSink(LogSink sink) {
    std::lock_guard lock(sinkMutex());
    LogSink previous = std::move(currentSink());
    currentSink() = std::move(sink);
    return previous;
}

void log(LogLevel level, std::string_view message) {
    std::lock_guard lock(sinkMutex());
    if (currentSink())
        currentSink()(level, message);
}

} // namespace pf
