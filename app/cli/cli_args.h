// A small, strict command-line parser: --name VALUE, --name=VALUE, flags and
// positionals. Every mistake is a CliError naming the argument.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace pfcli {

class ArgParser {
public:
    explicit ArgParser(std::string command) : m_command(std::move(command)) {}

    /// Declares an option taking a value, or a flag (no value).
    void option(const std::string& name);
    void flag(const std::string& name);
    /// Parses argv[first..argc). Throws CliError(kExitUsage) on unknown
    /// options or missing values.
    void parse(int argc, char** argv, int first);

    bool has(const std::string& name) const;
    std::optional<std::string> value(const std::string& name) const;
    const std::vector<std::string>& positionals() const { return m_positionals; }

    /// Typed values; a malformed number is a usage error naming the option.
    std::optional<long long> integer(const std::string& name, long long min, long long max) const;
    std::optional<double> number(const std::string& name, double min, double max) const;

    const std::string& command() const { return m_command; }
    [[noreturn]] void usageError(const std::string& message) const;

private:
    std::string m_command;
    std::map<std::string, bool> m_known; // name -> takes a value
    std::map<std::string, std::string> m_values;
    std::vector<std::string> m_positionals;
};

} // namespace pfcli
