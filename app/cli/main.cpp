// phaseforge-cli: argument dispatch and the conversion of every failure into
// one line on stderr and a documented exit code.
#include "cli_common.h"
#include "commands.h"

#include <phaseforge/io/formats.h>
#include <phaseforge/log.h>
#include <phaseforge/version.h>

#include <cstdio>
#include <cstring>
#include <exception>
#include <new>
#include <string>

std::string pfcli::usageText() {
    return std::string(
    "usage: phaseforge-cli COMMAND [options]\n"
    "\n"
    "Phase retrieval for coherent diffractive imaging, without a window.\n"
    "\n"
    "commands:\n"
    "  info FILE                        what would be loaded from FILE\n"
    "  reconstruct FILE -o OUT.cxi      recover the object (see reconstruct --help)\n"
    "  simulate IMAGE -o pattern.cxi    a diffraction pattern from a picture\n"
    "\n"
    "FILE is ") + pf::io::formatListText() + ".\n" +
    "'phaseforge-cli COMMAND --help' describes each command.\n"
    "\n"
    "exit codes:\n"
    "  0    success\n"
    "  1    unexpected internal failure\n"
    "  2    the command line is wrong\n"
    "  3    an input file cannot be read or understood\n"
    "  4    an output file cannot be written\n"
    "  5    the engine failed (e.g. --engine cuda without a usable GPU)\n"
    "  130  interrupted (Ctrl-C); no output was written\n";
}

namespace {

/// One line: newlines in a message become spaces.
std::string oneLine(std::string s) {
    for (char& c : s)
        if (c == '\n' || c == '\r') c = ' ';
    return s;
}

bool wantsHelp(int argc, char** argv) {
    for (int i = 2; i < argc; ++i)
        if (std::strcmp(argv[i], "--help") == 0 || std::strcmp(argv[i], "-h") == 0) return true;
    return false;
}

} // namespace

int main(int argc, char** argv) {
    using namespace pfcli;
    // Library messages: warnings and errors to stderr, prefixed; --verbose adds the rest.
    bool verbose = false;
    for (int i = 1; i < argc; ++i)
        if (std::strcmp(argv[i], "--verbose") == 0) verbose = true;
    pf::setLogSink([verbose](pf::LogLevel level, std::string_view message) {
        if (level < pf::LogLevel::Warning && !verbose) return;
        const char* tag = level >= pf::LogLevel::Error ? "error" : level == pf::LogLevel::Warning ? "warning" : "info";
        std::fprintf(stderr, "phaseforge-cli: %s: %.*s\n", tag, int(message.size()), message.data());
    });
    // Strip --verbose so that the commands never see it.
    int n = 0;
    for (int i = 0; i < argc; ++i)
        if (std::strcmp(argv[i], "--verbose") != 0) argv[n++] = argv[i];
    argc = n;

    if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0 ||
        std::strcmp(argv[1], "help") == 0) {
        std::fputs(usageText().c_str(), argc < 2 ? stderr : stdout);
        return argc < 2 ? kExitUsage : kExitOk;
    }
    if (std::strcmp(argv[1], "--version") == 0) {
        std::printf("phaseforge-cli %s\n", pf::version());
        return kExitOk;
    }
    const std::string command = argv[1];
    // Ctrl-C or SIGTERM, even sent to this process alone, stops a read in the
    // isolated child at once (LoadOptions::interrupt) and the reconstruction
    // between batches; a second one ends the process.
    installInterruptHandler();
    try {
        if (command == "info") {
            if (wantsHelp(argc, argv)) return std::fputs(infoHelp().c_str(), stdout), kExitOk;
            return runInfo(argc, argv, 2);
        }
        if (command == "reconstruct") {
            if (wantsHelp(argc, argv)) return std::fputs(reconstructHelp().c_str(), stdout), kExitOk;
            return runReconstruct(argc, argv, 2);
        }
        if (command == "simulate") {
            if (wantsHelp(argc, argv)) return std::fputs(simulateHelp().c_str(), stdout), kExitOk;
            return runSimulate(argc, argv, 2);
        }
        std::fprintf(stderr, "phaseforge-cli: unknown command '%s' (commands: info, reconstruct, simulate; see --help)\n",
                     command.c_str());
        return kExitUsage;
    } catch (const CliError& e) {
        std::string message = oneLine(e.what());
        if (message.rfind("phaseforge-cli", 0) != 0) message = "phaseforge-cli: " + message;
        std::fprintf(stderr, "%s\n", message.c_str());
        return e.code();
    } catch (const pf::io::ReadInterrupted& e) {
        std::fprintf(stderr, "phaseforge-cli: %s; nothing was written\n", oneLine(e.what()).c_str());
        return kExitInterrupted;
    } catch (const pf::FileError& e) {
        std::fprintf(stderr, "phaseforge-cli: %s\n", oneLine(e.what()).c_str());
        return kExitInput;
    } catch (const pf::EngineError& e) {
        std::fprintf(stderr, "phaseforge-cli: %s\n", oneLine(e.what()).c_str());
        return kExitEngine;
    } catch (const pf::InvalidArgument& e) {
        std::fprintf(stderr, "phaseforge-cli %s: %s\n", command.c_str(), oneLine(e.what()).c_str());
        return kExitUsage;
    } catch (const std::bad_alloc&) {
        std::fprintf(stderr, "phaseforge-cli %s: out of memory\n", command.c_str());
        return kExitInternal;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "phaseforge-cli %s: internal error: %s\n", command.c_str(), oneLine(e.what()).c_str());
        return kExitInternal;
    }
}
