// The subcommands. Each returns an exit code or throws CliError; argv[first]
// is the first argument after the subcommand's name.
#pragma once

#include <string>

namespace pfcli {

int runInfo(int argc, char** argv, int first);
int runReconstruct(int argc, char** argv, int first);
int runSimulate(int argc, char** argv, int first);

/// The help texts; the formats and algorithms they list come from the
/// library's tables (phaseforge/io/formats.h, phaseforge/algorithm.h).
std::string usageText();
std::string infoHelp();
std::string reconstructHelp();
std::string simulateHelp();

} // namespace pfcli
