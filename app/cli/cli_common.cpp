#include "cli_common.h"

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstring>

namespace pfcli {

namespace {
std::atomic<bool> g_interrupted{false};
extern "C" void onInterrupt(int sig) {
    g_interrupted.store(true);
    // A second Ctrl-C (or SIGTERM) ends the process at once: the loop polls
    // the flag between batches, and a stuck call must not make it unkillable.
    std::signal(sig, SIG_DFL);
}
} // namespace

void addLoadOptions(ArgParser& args) {
    args.option("--frame");
    args.option("--entry");
    args.option("--dataset");
    args.flag("--intensity");
    args.flag("--amplitude");
    args.flag("--centred");
    args.flag("--centered");
    args.flag("--fft-shifted");
}

pf::io::LoadOptions loadOptionsFrom(const ArgParser& args) {
    pf::io::LoadOptions o;
    if (auto f = args.integer("--frame", 0, 2147483647)) o.frame = int(*f);
    if (auto e = args.integer("--entry", 1, 2147483647)) o.entry = int(*e);
    if (auto d = args.value("--dataset")) o.dataset = *d;
    if (args.has("--intensity") && args.has("--amplitude"))
        args.usageError("--intensity and --amplitude exclude each other");
    if (args.has("--intensity")) o.kind = pf::io::ValueKind::Intensity;
    if (args.has("--amplitude")) o.kind = pf::io::ValueKind::Amplitude;
    const bool centred = args.has("--centred") || args.has("--centered");
    if (centred && args.has("--fft-shifted"))
        args.usageError("--centred and --fft-shifted exclude each other");
    if (centred) o.centring = pf::io::Centring::Centred;
    if (args.has("--fft-shifted")) o.centring = pf::io::Centring::FftShifted;
    o.interrupt = &interruptFlag();
    return o;
}

void checkOutputPath(const std::string& path) {
    const std::size_t slash = path.find_last_of('/');
    const std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
        throw CliError(kExitOutput, path + ": is a directory, not an output file name");
    if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
        throw CliError(kExitOutput, path + ": cannot be written: the directory '" + dir + "' does not exist");
    if (::access(dir.c_str(), W_OK) != 0)
        throw CliError(kExitOutput, path + ": cannot be written: the directory '" + dir +
                                        "' is not writable (" + std::strerror(errno) + ")");
}

std::string jsonString(std::string_view s) {
    std::string out = "\"";
    for (const char ch : s) {
        const unsigned char c = static_cast<unsigned char>(ch);
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
            if (c < 0x20) {
                char buf[8];
                std::snprintf(buf, sizeof buf, "\\u%04x", c);
                out += buf;
            } else {
                out += char(c);
            }
        }
    }
    return out + "\"";
}

std::string jsonNumber(double v) {
    if (!std::isfinite(v)) return "null";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.9g", v);
    return buf;
}


bool interrupted() { return g_interrupted.load(); }

const std::atomic<bool>& interruptFlag() { return g_interrupted; }

void throwIfInterrupted(const std::string& what) {
    if (interrupted()) throw CliError(kExitInterrupted, "phaseforge-cli: interrupted " + what + "; nothing was written");
}

void installInterruptHandler() {
    std::signal(SIGINT, onInterrupt);
    std::signal(SIGTERM, onInterrupt);
}

} // namespace pfcli
