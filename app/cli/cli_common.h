// Shared pieces of the CLI's commands: exit codes, the usage error, load
// options from the command line, and a small JSON writer.
#pragma once

#include "cli_args.h"

#include <phaseforge/error.h>
#include <phaseforge/io/load.h>

#include <atomic>
#include <string>
#include <string_view>

namespace pfcli {

/// The documented exit codes (docs/files.md, `phaseforge-cli --help`).
enum ExitCode : int {
    kExitOk = 0,
    kExitInternal = 1,    ///< an unexpected failure (a bug: please report it)
    kExitUsage = 2,       ///< the command line is wrong
    kExitInput = 3,       ///< an input file cannot be read or understood
    kExitOutput = 4,      ///< an output file cannot be written
    kExitEngine = 5,      ///< the reconstruction or the engine failed (e.g. no CUDA device)
    kExitInterrupted = 130, ///< stopped by Ctrl-C; nothing was written
};

/// An error that leaves the program with a given exit code and one line.
class CliError : public pf::Error {
public:
    CliError(int code, const std::string& message) : pf::Error(message), m_code(code) {}
    int code() const { return m_code; }

private:
    int m_code;
};

/// Registers the options every reading command shares (--frame, --entry,
/// --dataset, --intensity/--amplitude, --centred/--fft-shifted).
void addLoadOptions(ArgParser& args);
/// Builds LoadOptions from them.
pf::io::LoadOptions loadOptionsFrom(const ArgParser& args);

/// Runs `body`, turning pf::FileError into CliError(code) and
/// pf::InvalidArgument into a usage error.
template <class F> auto withFileCode(int code, F&& body) -> decltype(body()) {
    try {
        return body();
    } catch (const pf::io::ReadInterrupted& e) {
        throw CliError(kExitInterrupted, std::string(e.what()) + "; nothing was written");
    } catch (const pf::FileError& e) {
        throw CliError(code, e.what());
    }
}

/// Refuses, before any work is done, an output path that cannot be created:
/// its directory is missing or not writable, or the path is a directory.
/// Throws CliError(kExitOutput) naming the path. (The write itself can still
/// fail later, e.g. on a full disk; the writers then leave nothing behind.)
void checkOutputPath(const std::string& path);

/// Minimal JSON output (objects written in order, strings escaped).
std::string jsonString(std::string_view s);
std::string jsonNumber(double v);

/// The process-wide Ctrl-C flag, set by the signal handler, which main()
/// installs before any command runs: the reading options point
/// LoadOptions::interrupt at it (a read in the isolated child stops at once)
/// and the reconstruction loop polls it between batches. Installing the
/// handler also undoes an inherited SIG_IGN (a background job of a
/// non-interactive shell), so that Ctrl-C sent to this process alone works.
/// After one signal the default action is restored, so that a second one
/// ends the process even if some call does not return.
bool interrupted();
const std::atomic<bool>& interruptFlag();
void installInterruptHandler();
/// Throws CliError(kExitInterrupted) when the flag is set.
void throwIfInterrupted(const std::string& what);

} // namespace pfcli
