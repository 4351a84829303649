#include "phaseforge/schedule.h"

#include "phaseforge/error.h"

#include <cctype>
#include <string>

namespace pf {

namespace {

constexpr long long kMaxCount = 1'000'000'000;   // per item and per repeat
constexpr std::size_t kMaxExpandedItems = 100'000; // after expanding repeats

// Recursive-descent parser over the grammar in schedule.h. Every error names
// the 1-based column of the offending character.
class Parser {
public:
    explicit Parser(std::string_view text) : m_text(text) {}

    std::vector<ScheduleItem> parseAll() {
        skipSpaces();
        if (atEnd())
            fail("is empty");
        auto items = sequence();
        skipSpaces();
        if (!atEnd())
            unexpected();
        return items;
    }

private:
    std::vector<ScheduleItem> sequence() {
        std::vector<ScheduleItem> items = term();
        skipSpaces();
        while (!atEnd() && peek() == ',') {
            ++m_pos;
            auto more = term();
            append(items, more);
            skipSpaces();
        }
        return items;
    }

    std::vector<ScheduleItem> term() {
        skipSpaces();
        if (atEnd())
            fail("ends where an algorithm or '(' was expected");
        if (peek() == '(') {
            ++m_pos;
            auto inner = sequence();
            skipSpaces();
            if (atEnd())
                fail("is missing a ')'");
            if (peek() != ')')
                unexpected();
            ++m_pos;
            skipSpaces();
            long long repeat = 1;
            if (!atEnd() && peek() == '*') {
                ++m_pos;
                repeat = count();
            }
            if (inner.size() == 1) { // "(ER:5)*3" is "ER:15"
                if (inner[0].count * repeat > kMaxCount)
                    fail("repeats to more than " + std::to_string(kMaxCount) + " iterations");
                return {ScheduleItem{inner[0].algorithm, int(inner[0].count * repeat)}};
            }
            if (repeat * (long long)inner.size() > (long long)kMaxExpandedItems)
                fail("expands to more than " + std::to_string(kMaxExpandedItems) + " items");
            std::vector<ScheduleItem> out;
            for (long long r = 0; r < repeat; ++r)
                append(out, inner);
            return out;
        }
        const std::size_t nameStart = m_pos;
        while (!atEnd() && std::isalpha(static_cast<unsigned char>(peek())))
            ++m_pos;
        if (m_pos == nameStart)
            unexpected();
        const std::string_view name = m_text.substr(nameStart, m_pos - nameStart);
        Algorithm alg;
        if (!parseAlgorithm(name, alg))
            failAt(nameStart, "unknown algorithm '" + std::string(name) + "' (expected one of " +
                                  algorithmNameList() + ")");
        skipSpaces();
        if (atEnd())
            fail("ends where ':' and an iteration count were expected");
        if (peek() != ':')
            unexpected();
        ++m_pos;
        const int n = int(count());
        return {ScheduleItem{alg, n}};
    }

    long long count() {
        skipSpaces();
        const std::size_t start = m_pos;
        if (atEnd())
            fail("ends where a count was expected");
        if (!std::isdigit(static_cast<unsigned char>(peek())))
            unexpected();
        long long value = 0;
        while (!atEnd() && std::isdigit(static_cast<unsigned char>(peek()))) {
            value = value * 10 + (peek() - '0');
            if (value > kMaxCount)
                failAt(start, "count is larger than " + std::to_string(kMaxCount));
            ++m_pos;
        }
        if (value == 0)
            failAt(start, "count must be positive");
        return value;
    }

    void append(std::vector<ScheduleItem>& to, const std::vector<ScheduleItem>& from) {
        for (const auto& item : from) {
            if (!to.empty() && to.back().algorithm == item.algorithm &&
                to.back().count + item.count <= kMaxCount) {
                to.back().count += item.count; // "ER:5,ER:5" is "ER:10"
                continue;
            }
            if (to.size() >= kMaxExpandedItems)
                fail("expands to more than " + std::to_string(kMaxExpandedItems) + " items");
            to.push_back(item);
        }
    }

    bool atEnd() const { return m_pos >= m_text.size(); }
    char peek() const { return m_text[m_pos]; }
    void skipSpaces() {
        while (!atEnd() && std::isspace(static_cast<unsigned char>(peek())))
            ++m_pos;
    }
    [[noreturn]] void unexpected() {
        const char c = peek();
        std::string shown = std::isprint(static_cast<unsigned char>(c))
                                ? std::string(1, c)
                                : "\\x" + std::to_string(static_cast<unsigned char>(c));
        failAt(m_pos, "unexpected '" + shown + "'");
    }
    [[noreturn]] void failAt(std::size_t pos, const std::string& what) {
        throw InvalidArgument("schedule '" + std::string(m_text) + "': " + what + " at column " +
                              std::to_string(pos + 1));
    }
    [[noreturn]] void fail(const std::string& what) {
        throw InvalidArgument("schedule '" + std::string(m_text) + "' " + what);
    }

    std::string_view m_text;
    std::size_t m_pos = 0;
};

} // namespace

Schedule::Schedule(std::vector<ScheduleItem> items) : m_items(std::move(items)) {
    for (const auto& item : m_items)
        if (item.count <= 0)
            throw InvalidArgument("schedule: every item needs a positive count");
}

Schedule Schedule::parse(std::string_view text) { return Schedule(Parser(text).parseAll()); }

long long Schedule::totalIterations() const {
    long long total = 0;
    for (const auto& item : m_items)
        total += item.count;
    return total;
}

Algorithm Schedule::algorithmAt(long long i) const {
    if (m_items.empty())
        return Algorithm::GS;
    for (const auto& item : m_items) {
        if (i < item.count)
            return item.algorithm;
        i -= item.count;
    }
    return m_items.back().algorithm;
}

long long Schedule::leftInItem(long long i) const {
    for (const auto& item : m_items) {
        if (i < item.count)
            return item.count - i;
        i -= item.count;
    }
    return 0;
}

std::string Schedule::toString() const {
    std::string out;
    for (const auto& item : m_items) {
        if (!out.empty())
            out += ',';
        out += std::string(algorithmName(item.algorithm)) + ":" + std::to_string(item.count);
    }
    return out;
}

} // namespace pf
