// HDF5 and CXI files are read in a child process (core/src/io/isolated_read.cpp).
// The inputs in tests/fuzz/libhdf5-findings make libhdf5 itself crash, hang or
// allocate without bound; read in this process, the first would kill this
// test. Each must end in a FileError naming the file, and a good file must
// come back exactly as the in-process reader gives it.
#include "raw_image.h"

#include <phaseforge/error.h>
#include <phaseforge/io/load.h>

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QRegularExpression>
#include <QTest>

#include <sys/wait.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <thread>

using namespace pf;

namespace {
// Under AddressSanitizer (the asan preset) the child is instrumented too: ASan
// catches libhdf5's SIGSEGV and its absurd allocation requests itself, reports
// them and ends the child with status 1, where a plain build dies by the signal
// or gets a null pointer that libhdf5 turns into an error.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif
#else
constexpr bool kSanitized = false;
#endif
} // namespace

class TestIsolatedRead : public QObject {
    Q_OBJECT
    QString m_findings;

    static io::LoadOptions shortOptions() {
        io::LoadOptions o;
        o.hdf5TimeoutSeconds = 5;
        o.maxPixels = std::int64_t(1) << 20; // keeps the child's memory allowance small
        return o;
    }

private slots:
    void initTestCase() {
        m_findings = qEnvironmentVariable("PF_HDF5_FINDINGS");
        QVERIFY2(!m_findings.isEmpty() && QDir(m_findings).exists(),
                 "PF_HDF5_FINDINGS must name tests/fuzz/libhdf5-findings");
        QVERIFY2(!qEnvironmentVariable("PF_SAMPLES").isEmpty(), "PF_SAMPLES must name resources/samples");
    }

    void libraryFailuresBecomeErrors_data() {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("dataset");
        QTest::addColumn<int>("frame");
        // The whole message after "<path>: ", as a regular expression.
        QTest::addColumn<QString>("expected");
        const QString timedOut =
            QRegularExpression::escape("the HDF5 library did not finish reading it within 5 s and "
                                       "was stopped (corrupt file?)");
        const QString sanitizerExit =
            QRegularExpression::escape("the HDF5 reading process ended with status 1");
        auto plainOr = [&](const QString& plain) { return kSanitized ? sanitizerExit : plain; };
        // The dataset and frame are those under which the fuzzer met the failure.
        QTest::newRow("segv") << "segv-H5F__accum_read.h5" << "/a" << 1
                              << plainOr(QRegularExpression::escape(
                                     "the HDF5 library crashed reading it (signal SIGSEGV); the "
                                     "file is corrupt"));
        QTest::newRow("hang") << "hang-H5F_sizeof_size.cxi" << "" << -1 << timedOut;
        QTest::newRow("hang-vlen") << "hang-H5HG-vlen.cxi" << "" << -1 << timedOut;
        // Unbounded, libhdf5 grows its free lists until the machine runs out;
        // under the child's memory limit its allocations fail and it gives up
        // on the path after about 4 s on the build machine: either answer,
        // depending on the machine's speed, but nothing else.
        QTest::newRow("oom-free-lists")
            << "oom-free-lists.h5" << "/data" << -1
            << timedOut + "|" + plainOr(QRegularExpression::escape("HDF5 path '/data' does not exist"));
        // Its data's type claims 767-byte numbers, for which libhdf5 would
        // allocate a conversion buffer: the reader refuses the type first.
        QTest::newRow("oom-small-blocks")
            << "oom-small-blocks.cxi" << "" << -1
            << QRegularExpression::escape("HDF5 dataset '/entry_1/data_1/data' has numbers of 767 "
                                          "bytes (corrupt type?)");
        QTest::newRow("oom-cache")
            << "oom-H5C_protect.h5" << "/data" << -1
            << plainOr(QRegularExpression::escape("HDF5 path '/data' does not exist"));
        QTest::newRow("failed-open")
            << "leak-failed-open.h5" << "/data" << -1
            << QRegularExpression::escape("HDF5 file cannot be opened (corrupt or truncated?)");
    }
    void libraryFailuresBecomeErrors() {
        QFETCH(QString, file);
        QFETCH(QString, dataset);
        QFETCH(int, frame);
        QFETCH(QString, expected);
        const std::string path = QDir(m_findings).filePath(file).toStdString();
        QVERIFY2(QFile::exists(QString::fromStdString(path)), path.c_str());
        io::LoadOptions o = shortOptions();
        o.dataset = dataset.toStdString();
        o.frame = frame;
        try {
            (void)io::loadDiffraction(path, o);
            QFAIL(qPrintable("no error for " + file));
        } catch (const FileError& e) {
            const QString message = QString::fromStdString(e.what());
            qInfo("%s", e.what());
            const QString prefix = QString::fromStdString(path) + ": ";
            QVERIFY2(message.startsWith(prefix), qPrintable(message));
            const QRegularExpression rule(QRegularExpression::anchoredPattern(expected));
            QVERIFY(rule.isValid());
            QVERIFY2(rule.match(message.mid(prefix.size())).hasMatch(),
                     qPrintable("expected \"" + expected + "\", got: " + message));
        }
    }

    // The child's answer is the in-process reader's, value for value.
    void goodFilesComeBackWhole_data() {
        QTest::addColumn<QString>("file");
        for (const char* name : {"cell.cxi", "letters.cxi", "blobs.cxi"})
            QTest::newRow(name) << QString::fromLatin1(name);
    }
    void goodFilesComeBackWhole() {
        QFETCH(QString, file);
        const std::string path =
            QDir(qEnvironmentVariable("PF_SAMPLES")).filePath(file).toStdString();
        io::LoadOptions o;
        o.hdf5TimeoutSeconds = 60;
        const io::detail::RawImage direct = io::detail::readHdf5File(path, "", o);
        const io::detail::RawImage child = io::detail::readHdf5FileIsolated(path, "", o);
        QCOMPARE(child.shape, direct.shape);
        QVERIFY(child.values == direct.values);
        QCOMPARE(child.format, direct.format);
        QCOMPARE(child.dataset, direct.dataset);
        QCOMPARE(child.dtype, direct.dtype);
        QCOMPARE(child.frames, direct.frames);
        QCOMPARE(child.entry, direct.entry);
        QVERIFY(child.notices == direct.notices);
        QVERIFY(child.kind == direct.kind);
        QVERIFY(child.centring == direct.centring);
        QCOMPARE(child.unmeasured.shape, direct.unmeasured.shape);
        QVERIFY(child.unmeasured.data == direct.unmeasured.data);
        QCOMPARE(child.maskedPixels, direct.maskedPixels);
    }

    // LoadOptions::interrupt stops a read stuck in libhdf5 at once (not at
    // the time limit), and the child is gone when the call returns.
    void interruptStopsAStuckRead() {
        const std::string path = QDir(m_findings).filePath("hang-H5F_sizeof_size.cxi").toStdString();
        std::atomic<bool> stop{false};
        io::LoadOptions o = shortOptions();
        o.hdf5TimeoutSeconds = 100;
        o.interrupt = &stop;
        std::thread user([&] {
            std::this_thread::sleep_for(std::chrono::milliseconds(300));
            stop = true;
        });
        QElapsedTimer clock;
        clock.start();
        try {
            (void)io::loadDiffraction(path, o);
            user.join();
            QFAIL("the stuck read returned");
        } catch (const io::ReadInterrupted& e) {
            user.join();
            QVERIFY2(std::string(e.what()).rfind(path + ": reading it was interrupted", 0) == 0, e.what());
        }
        QVERIFY2(clock.elapsed() < 5000, qPrintable(QString("took %1 ms").arg(clock.elapsed())));
        QCOMPARE(::waitpid(-1, nullptr, WNOHANG), -1); // no child left, not even a zombie
        QCOMPARE(errno, ECHILD);
    }

    // A reader's own error crosses over word for word.
    void readerErrorsKeepTheirWords() {
        const std::string path =
            QDir(qEnvironmentVariable("PF_SAMPLES")).filePath("cell.cxi").toStdString();
        io::LoadOptions o;
        o.dataset = "/no/such/dataset";
        o.hdf5TimeoutSeconds = 60;
        QString inProcess, isolated;
        try {
            (void)io::detail::readHdf5File(path, o.dataset, o);
        } catch (const FileError& e) {
            inProcess = QString::fromStdString(e.what());
        }
        try {
            (void)io::detail::readHdf5FileIsolated(path, o.dataset, o);
        } catch (const FileError& e) {
            isolated = QString::fromStdString(e.what());
        }
        QVERIFY(!inProcess.isEmpty());
        QCOMPARE(isolated, inProcess);
    }
};

QTEST_GUILESS_MAIN(TestIsolatedRead)
#include "tst_isolated_read.moc"
