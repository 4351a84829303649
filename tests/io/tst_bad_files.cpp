// The malformed-file corpus (tests/data/bad, made by tools/make-bad-files):
// every case ends in a one-line FileError naming the file and containing the
// manifest's fragment, or in an accepted load carrying the expected notice.
// Never a crash, a hang, or a huge allocation: outside sanitizer builds the
// address space is capped at 1 GiB, so an allocation sized from a lying
// header would fail the test with std::bad_alloc.
#include <phaseforge/error.h>
#include <phaseforge/io/load.h>

#include <QDir>
#include <QFile>
#include <QTest>

#include <set>
#include <sys/resource.h>

#if defined(__SANITIZE_ADDRESS__)
#define PF_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PF_UNDER_ASAN 1
#endif
#endif

using namespace pf;

class TestBadFiles : public QObject {
    Q_OBJECT
    QString m_dir;
    QStringList m_cases;

private slots:
    void initTestCase() {
#ifndef PF_UNDER_ASAN
        const rlimit cap{rlim_t(1) << 30, rlim_t(1) << 30};
        QCOMPARE(setrlimit(RLIMIT_AS, &cap), 0);
#endif
        m_dir = qEnvironmentVariable("PF_BAD_FILES");
        QVERIFY2(QDir(m_dir).exists(), "PF_BAD_FILES must name tests/data/bad");
        QFile manifest(m_dir + "/expected.tsv");
        QVERIFY(manifest.open(QIODevice::ReadOnly));
        for (const QByteArray& line : manifest.readAll().split('\n'))
            if (!line.isEmpty() && !line.startsWith('#')) m_cases << QString::fromUtf8(line);
    }

    void corpusIsCompleteAndLargeEnough() {
        std::set<QString> named;
        for (const QString& c : m_cases) named.insert(c.section('\t', 0, 0).section(':', 0, 0));
        const QStringList files = QDir(m_dir).entryList(QDir::Files | QDir::Hidden);
        int count = 0;
        for (const QString& f : files) {
            if (f == "expected.tsv") continue;
            ++count;
            QVERIFY2(named.count(f), qPrintable(f + " is in tests/data/bad but not in expected.tsv"));
        }
        QVERIFY2(count >= 30, qPrintable(QString("only %1 malformed files").arg(count)));
        QVERIFY(m_cases.size() >= 30);
    }

    void eachCase_data() {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("outcome");
        QTest::addColumn<QString>("fragment");
        for (const QString& c : m_cases) {
            const QStringList f = c.split('\t');
            QTest::newRow(qPrintable(f[0])) << f[0] << f[1] << f.value(2);
        }
    }

    void eachCase() {
        QFETCH(QString, name);
        QFETCH(QString, outcome);
        QFETCH(QString, fragment);
        const std::string path = (m_dir + "/" + name).toStdString();
        const std::string file = (m_dir + "/" + name.section(':', 0, 0)).toStdString();
        if (outcome == "error") {
            try {
                const io::LoadedPattern p = io::loadDiffraction(path);
                QFAIL(qPrintable("accepted a malformed file: " + name));
            } catch (const FileError& e) {
                const std::string what = e.what();
                QVERIFY2(what.rfind(file + ": ", 0) == 0, qPrintable("message does not start with the file: " + QString::fromStdString(what)));
                QVERIFY2(what.find('\n') == std::string::npos, "message is not one line");
                QVERIFY2(what.find(fragment.toStdString()) != std::string::npos,
                         qPrintable("'" + QString::fromStdString(what) + "' lacks '" + fragment + "'"));
            }
        } else {
            QCOMPARE(outcome, QString("accept"));
            const io::LoadedPattern p = io::loadDiffraction(path);
            bool found = false;
            for (const auto& n : p.notices) found |= n.find(fragment.toStdString()) != std::string::npos;
            QVERIFY2(found, qPrintable("no notice containing '" + fragment + "'"));
            p.problem.validate();
        }
        // The image reader must survive the same file (error or image, nothing else).
        try {
            const io::LoadedImage img = io::loadImage(path);
            QCOMPARE(img.image.data.size(), img.image.shape.size());
        } catch (const FileError& e) {
            QVERIFY(std::string(e.what()).rfind(file, 0) == 0);
        }
    }
};

QTEST_GUILESS_MAIN(TestBadFiles)
#include "tst_bad_files.moc"
