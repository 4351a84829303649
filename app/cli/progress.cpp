#include "progress.h"

#include <algorithm>
#include <cstdio>
#include <unistd.h>

namespace pfcli {

Progress::Progress(long long total, bool enabled)
    : m_total(total), m_enabled(enabled), m_tty(::isatty(STDERR_FILENO) != 0) {}

Progress::~Progress() { finish(); }

void Progress::update(long long done, long long total, const std::string& algorithm,
                      double fourierError) {
    m_total = total;
    if (!m_enabled || m_total <= 0) return;
    const auto now = std::chrono::steady_clock::now();
    if (m_tty) {
        // Redraw at most 20 times a second, and always at the end.
        if (done < m_total && m_open && now - m_lastDraw < std::chrono::milliseconds(50)) return;
        m_lastDraw = now;
        constexpr int width = 30;
        const int filled = int(width * done / m_total);
        char bar[width + 1];
        for (int i = 0; i < width; ++i) bar[i] = i < filled ? '#' : '.';
        bar[width] = '\0';
        std::fprintf(stderr, "\r[%s] %lld/%lld  %-4s  Fourier error %.4g   ", bar, done, m_total,
                     algorithm.c_str(), fourierError);
        std::fflush(stderr);
        m_open = true;
        return;
    }
    if (done < m_nextLine && done < m_total) return;
    std::fprintf(stderr, "iteration %lld/%lld (%s): Fourier error %.6g\n", done, m_total,
                 algorithm.c_str(), fourierError);
    std::fflush(stderr);
    m_nextLine = (done / std::max(1LL, m_total / 10) + 1) * std::max(1LL, m_total / 10);
}

void Progress::finish() {
    if (m_open) std::fputc('\n', stderr);
    m_open = false;
}

} // namespace pfcli
