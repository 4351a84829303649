// The subcommands. Each returns an exit code or throws CliError; argv[first]
// is the first argument after the subcommand's name.
#pragma once

namespace pfcli {

int runInfo(int argc, char** argv, int first);
int runReconstruct(int argc, char** argv, int first);
int runSimulate(int argc, char** argv, int first);

extern const char* const kInfoHelp;
extern const char* const kReconstructHelp;
extern const char* const kSimulateHelp;

} // namespace pfcli
