// Where the I/O tests write their files: a fresh folder under the build tree's
// test-output (PF_TEST_OUTPUT, set by pf_add_test), removed when the test
// passes; the system temporary folder when a test is run by hand.
#pragma once

#include <QDir>
#include <QString>

inline QString scratchTemplate(const char* testName) {
    const QString base = qEnvironmentVariable("PF_TEST_OUTPUT");
    const QString parent = !base.isEmpty() && QDir().mkpath(base) ? base : QDir::tempPath();
    return parent + "/" + testName + "-XXXXXX";
}
