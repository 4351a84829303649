#include "cli_args.h"

#include "cli_common.h"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace pfcli {

namespace {
/// "0.5", "1", "1e+18": a bound as a person would write it (std::to_string
/// prints "1.000000").
std::string shortNumber(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}
} // namespace

void ArgParser::option(const std::string& name) { m_known[name] = true; }
void ArgParser::flag(const std::string& name) { m_known[name] = false; }

void ArgParser::usageError(const std::string& message) const {
    throw CliError(kExitUsage, "phaseforge-cli " + m_command + ": " + message +
                                   " (see phaseforge-cli " + m_command + " --help)");
}

void ArgParser::parse(int argc, char** argv, int first) {
    bool onlyPositionals = false;
    for (int i = first; i < argc; ++i) {
        std::string arg = argv[i];
        if (onlyPositionals || arg.size() < 2 || arg[0] != '-' || arg == "-") {
            m_positionals.push_back(arg);
            continue;
        }
        if (arg == "--") {
            onlyPositionals = true;
            continue;
        }
        std::string name = arg, value;
        bool inlineValue = false;
        if (const auto eq = arg.find('='); arg.rfind("--", 0) == 0 && eq != std::string::npos) {
            name = arg.substr(0, eq);
            value = arg.substr(eq + 1);
            inlineValue = true;
        }
        const auto known = m_known.find(name);
        if (known == m_known.end()) usageError("unknown option '" + name + "'");
        if (known->second) {
            if (!inlineValue) {
                if (i + 1 >= argc) usageError("option '" + name + "' needs a value");
                value = argv[++i];
            }
        } else if (inlineValue) {
            usageError("option '" + name + "' takes no value");
        }
        m_values[name] = value;
    }
}

bool ArgParser::has(const std::string& name) const { return m_values.count(name) > 0; }

std::optional<std::string> ArgParser::value(const std::string& name) const {
    const auto it = m_values.find(name);
    if (it == m_values.end()) return std::nullopt;
    return it->second;
}

std::optional<long long> ArgParser::integer(const std::string& name, long long min, long long max) const {
    const auto text = value(name);
    if (!text) return std::nullopt;
    long long v = 0;
    const char* end = text->data() + text->size();
    const auto [ptr, ec] = std::from_chars(text->data(), end, v);
    if (ec != std::errc() || ptr != end || text->empty())
        usageError("option '" + name + "' needs an integer, got '" + *text + "'");
    if (v < min || v > max)
        usageError("option '" + name + "' must lie in [" + std::to_string(min) + ", " +
                   std::to_string(max) + "], got " + *text);
    return v;
}

std::optional<double> ArgParser::number(const std::string& name, double min, double max) const {
    const auto text = value(name);
    if (!text) return std::nullopt;
    char* end = nullptr;
    errno = 0;
    const double v = std::strtod(text->c_str(), &end);
    if (text->empty() || end != text->c_str() + text->size() || errno == ERANGE || !std::isfinite(v))
        usageError("option '" + name + "' needs a number, got '" + *text + "'");
    if (v < min || v > max)
        usageError("option '" + name + "' must lie in [" + shortNumber(min) + ", " + shortNumber(max) +
                   "], got " + *text);
    return v;
}

} // namespace pfcli
