// Schedules such as "HIO:200,ER:50" and "(HIO:50,ER:10)*5".
#pragma once

#include "phaseforge/algorithm.h"

#include <string>
#include <string_view>
#include <vector>

namespace pf {

/// A run of `count` iterations of one algorithm.
struct ScheduleItem {
    Algorithm algorithm;
    int count;
    bool operator==(const ScheduleItem&) const = default;
};

/// A parsed schedule: the items in order, repeats already expanded.
///
/// Grammar (spaces allowed between tokens):
///   schedule := sequence
///   sequence := term (',' term)*
///   term     := NAME ':' COUNT | '(' sequence ')' ['*' COUNT]
/// NAME is an algorithm name; COUNT a positive integer.
class Schedule {
public:
    Schedule() = default;
    explicit Schedule(std::vector<ScheduleItem> items);

    /// Throws InvalidArgument whose message quotes the text and points at the
    /// offending character, e.g. "schedule 'HIO:20x': unexpected 'x' at column 7".
    static Schedule parse(std::string_view text);

    const std::vector<ScheduleItem>& items() const { return m_items; }
    long long totalIterations() const;
    /// The algorithm in force at iteration i (0-based); the last one past the end.
    Algorithm algorithmAt(long long i) const;
    /// Iterations from i (0-based) to the end of the item it falls in; 0 past the end.
    long long leftInItem(long long i) const;
    /// Canonical text, e.g. "HIO:200,ER:50".
    std::string toString() const;

private:
    std::vector<ScheduleItem> m_items;
};

} // namespace pf
