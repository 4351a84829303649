// Progress of a reconstruction on stderr: a bar redrawn in place on a
// terminal, plain lines (every tenth of the run) otherwise.
#pragma once

#include <chrono>
#include <string>

namespace pfcli {

class Progress {
public:
    /// `enabled` false prints nothing (e.g. with --json or --quiet).
    Progress(long long total, bool enabled);
    ~Progress();
    Progress(const Progress&) = delete;
    Progress& operator=(const Progress&) = delete;

    /// `total` may grow during a run (a stalled recipe run adds its kicks).
    void update(long long done, long long total, const std::string& algorithm, double fourierError);
    /// Ends the bar's line on a terminal.
    void finish();

private:
    long long m_total;
    bool m_enabled;
    bool m_tty;
    bool m_open = false;
    long long m_nextLine = 0;
    std::chrono::steady_clock::time_point m_lastDraw;
};

} // namespace pfcli
