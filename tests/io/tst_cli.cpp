// phaseforge-cli as a new user runs it: --help, info, simulate, reconstruct on
// a shipped sample, and bad input (exit code + one line naming the file).
#include <phaseforge/algorithm.h>
#include <phaseforge/io/formats.h>
#include <phaseforge/io/load.h>
#include <phaseforge/io/saved_result.h>
#include <phaseforge/io/write.h>
#include <phaseforge/reconstruction.h>

#include "scratch_dir.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QElapsedTimer>
#include <QTest>
#include <QThread>

#include <signal.h>

#include <algorithm>
#include <cerrno>

struct Run {
    int code = -1;
    QString out;
    QString err;
};

class TestCli : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir{scratchTemplate("tst_cli")};
    QString m_samples;

    Run cli(const QStringList& args) {
        QProcess p;
        p.start(qEnvironmentVariable("PF_CLI"), args);
        if (!p.waitForFinished(300000)) {
            p.kill();
            p.waitForFinished();
            return {};
        }
        Run r;
        r.code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
        r.out = QString::fromUtf8(p.readAllStandardOutput());
        r.err = QString::fromUtf8(p.readAllStandardError());
        return r;
    }
    QString tmp(const char* name) const { return m_dir.filePath(name); }

    /// Exit code `code`, exactly one line on stderr containing every fragment.
    static void checkOneLineError(const Run& r, int code, const QStringList& fragments) {
        QVERIFY2(r.code == code, qPrintable(QString("exit %1 (want %2): %3").arg(r.code).arg(code).arg(r.err)));
        const QStringList lines = r.err.split('\n', Qt::SkipEmptyParts);
        QVERIFY2(lines.size() == 1, qPrintable("stderr is not one line: " + r.err));
        for (const QString& f : fragments) QVERIFY2(lines[0].contains(f), qPrintable(lines[0] + " lacks " + f));
    }

private slots:
    void initTestCase() {
        QVERIFY2(QFile::exists(qEnvironmentVariable("PF_CLI")), "PF_CLI must name phaseforge-cli");
        m_samples = qEnvironmentVariable("PF_SAMPLES");
        QVERIFY2(QFile::exists(m_samples + "/letters.cxi"), "resources/samples/letters.cxi is missing");
    }

    void helpExplainsEverything() {
        const Run r = cli({"--help"});
        QCOMPARE(r.code, 0);
        for (const char* s : {"info", "reconstruct", "simulate", "exit codes", "130"})
            QVERIFY2(r.out.contains(s), s);
        for (const char* c : {"info", "reconstruct", "simulate"}) {
            const Run h = cli({c, "--help"});
            QCOMPARE(h.code, 0);
            QVERIFY(h.out.startsWith(QString("usage: phaseforge-cli ") + c));
        }
        QVERIFY(cli({"reconstruct", "--help"}).out.contains("--algorithm"));
        // The help texts come from the library's tables: every format with
        // its extensions, every rule with its formula.
        const QString info = cli({"info", "--help"}).out;
        for (const pf::io::FormatInfo& f : pf::io::supportedFormats()) {
            QVERIFY2(info.contains("  " + QString::fromUtf8(f.name.data(), int(f.name.size())) + " "), qPrintable(info));
            for (std::string_view e : f.extensions)
                QVERIFY2(info.contains("." + QString::fromUtf8(e.data(), int(e.size()))), qPrintable(info));
        }
        const QString rec = cli({"reconstruct", "--help"}).out;
        for (const pf::AlgorithmInfo& a : pf::algorithms()) {
            QVERIFY2(rec.contains("  " + QString::fromUtf8(a.name.data(), int(a.name.size())) + " "), qPrintable(rec));
            QVERIFY2(rec.contains(QString::fromUtf8(a.formula.data(), int(a.formula.size()))), qPrintable(rec));
        }
        QCOMPARE(cli({}).code, 2);
        checkOneLineError(cli({"frobnicate"}), 2, {"unknown command 'frobnicate'"});
        QVERIFY(cli({"--version"}).out.startsWith("phaseforge-cli "));
    }

    void infoOnASample() {
        const Run r = cli({"info", m_samples + "/letters.cxi"});
        QCOMPARE(r.code, 0);
        QVERIFY(r.out.contains("CXI, entry_1"));
        QVERIFY(r.out.contains("128 x 128"));
        QVERIFY(r.out.contains("intensity (from the file)"));
        const Run j = cli({"info", "--json", m_samples + "/cell.cxi"});
        QCOMPARE(j.code, 0);
        const QJsonObject o = QJsonDocument::fromJson(j.out.toUtf8()).object();
        QCOMPARE(o["format"].toString(), QString("CXI"));
        QCOMPARE(o["rows"].toInt(), 192);
        QVERIFY(o["masked"].toInt() > 0); // the beamstop
        QCOMPARE(o["masked"].toInt(), o["unmeasured"].toInt());
    }

    void infoWithoutNotices() {
        // A noiseless pattern without a beamstop: the file says everything, so
        // nothing is assumed and the last line says so (with its newline).
        QCOMPARE(cli({"simulate", "blobs:8", "-o", tmp("plain.cxi")}).code, 0);
        const Run r = cli({"info", tmp("plain.cxi")});
        QCOMPARE(r.code, 0);
        QVERIFY2(r.out.endsWith("\nnotices     none\n"), qPrintable(r.out));
        QVERIFY(r.err.isEmpty());
    }

    void simulateThenReconstruct() {
        const Run s = cli({"simulate", "blobs:24:9", "-o", tmp("sim.cxi"), "--photons", "1e7",
                           "--beamstop", "1.5", "--truth", tmp("truth.tiff"), "--json"});
        QVERIFY2(s.code == 0, qPrintable(s.err));
        const QJsonObject so = QJsonDocument::fromJson(s.out.toUtf8()).object();
        QCOMPARE(so["rows"].toInt(), 48);
        QVERIFY(so["unmeasured"].toInt() > 0);
        // What simulate wrote is what the reader sees.
        const pf::io::LoadedPattern p = pf::io::loadDiffraction(tmp("sim.cxi").toStdString());
        QCOMPARE(p.info.unmeasuredPixels, qint64(so["unmeasured"].toInt()));
        QVERIFY(QFile::exists(tmp("truth.tiff")));

        const Run r = cli({"reconstruct", tmp("sim.cxi"), "-o", tmp("out.cxi"), "--algorithm", "HIO:20,ER:10",
                           "--beta", "0.8", "--seed", "3", "--starts", "2", "--engine", "cpu", "--json",
                           "--png", tmp("out.png"), "--tiff", tmp("out.tiff")});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        const QJsonObject o = QJsonDocument::fromJson(r.out.toUtf8()).object();
        QCOMPARE(o["iterations"].toInt(), 30);
        QCOMPARE(o["schedule"].toString(), QString("HIO:20,ER:10"));
        QCOMPARE(o["engine"].toString(), QString("fftw"));
        QCOMPARE(o["final_errors"].toArray().size(), 2);
        QCOMPARE(o["input_sha256"].toString().size(), 64);
        for (const char* f : {"out.cxi", "out.png", "out.tiff"}) QVERIFY2(QFile::exists(tmp(f)), f);
        // Without --json: progress lines on stderr (not a terminal) and one summary line.
        const Run plain = cli({"reconstruct", tmp("sim.cxi"), "-o", tmp("out2.cxi"), "--algorithm", "ER:20"});
        QCOMPARE(plain.code, 0);
        QCOMPARE(plain.out.count('\n'), 1);
        QVERIFY(plain.out.contains("20 iterations of ER:20"));
        QVERIFY(plain.err.contains("iteration 20/20"));
        QVERIFY(!plain.err.contains('\r'));
    }

    void reconstructsTheFirstRunSample() {
        const Run r = cli({"reconstruct", m_samples + "/letters.cxi", "-o", tmp("letters.cxi"), "--png",
                           tmp("letters.png"), "--quiet"});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QVERIFY(QFile::exists(tmp("letters.png")));
        QVERIFY(r.out.contains("-> " + tmp("letters.cxi")));
    }

    void badInputIsOneLineAndAnExitCode() {
        const QString bad = qEnvironmentVariable("PF_BAD_FILES");
        checkOneLineError(cli({"info", bad + "/npy_huge_shape.npy"}), 3, {"npy_huge_shape.npy", "larger than the limit"});
        checkOneLineError(cli({"info", bad + "/tiff_random.tif"}), 3, {"tiff_random.tif"});
        checkOneLineError(cli({"reconstruct", bad + "/h5_paths.h5:/group", "-o", tmp("x.cxi")}), 3,
                          {"h5_paths.h5", "is a group"});
        checkOneLineError(cli({"info", tmp("does-not-exist.tif")}), 3, {"does-not-exist.tif"});
        checkOneLineError(cli({"reconstruct", m_samples + "/letters.cxi"}), 2, {"-o OUT.cxi"});
        checkOneLineError(cli({"reconstruct", m_samples + "/letters.cxi", "-o", tmp("y.cxi"), "--beta", "1.5"}), 2,
                          {"--beta", "[0, 1]", "1.5"});
        checkOneLineError(cli({"reconstruct", m_samples + "/letters.cxi", "-o", tmp("y.cxi"), "--algorithm",
                               "HIO:20x"}), 2, {"HIO:20x"});
        checkOneLineError(cli({"info", "--frobnicate", "x"}), 2, {"unknown option '--frobnicate'"});
        checkOneLineError(cli({"simulate", bad + "/png_truncated.png", "-o", tmp("z.cxi")}), 3, {"png_truncated.png"});
        // An output that cannot be written: exit 4, and nothing left behind.
        QVERIFY(QDir().mkpath(tmp("taken.cxi")));
        checkOneLineError(cli({"simulate", "blobs:8", "-o", tmp("taken.cxi")}), 4, {"taken.cxi"});
        checkOneLineError(cli({"simulate", "blobs:8", "-o", tmp("no/such/dir/p.cxi")}), 4, {"p.cxi"});
        // Refused before the work: no notice or progress line precedes the error.
        checkOneLineError(cli({"reconstruct", m_samples + "/letters.cxi", "-o", tmp("no/such/dir/r.cxi")}), 4,
                          {"r.cxi", "does not exist"});
        checkOneLineError(cli({"reconstruct", m_samples + "/letters.cxi", "-o", tmp("r2.cxi"), "--png",
                               tmp("no/such/dir/r.png")}), 4, {"r.png"});
        QVERIFY(!QFile::exists(tmp("r2.cxi")));
        for (const QString& f : QDir(m_dir.path()).entryList(QDir::Files | QDir::Hidden))
            QVERIFY2(!f.startsWith('.'), qPrintable("temporary left behind: " + f));
        QVERIFY(!QFile::exists(tmp("x.cxi")) && !QFile::exists(tmp("y.cxi")) && !QFile::exists(tmp("z.cxi")));
    }

    void interruptedRunWritesNothing() {
        // SIGTERM once the loop runs: the run stops at the next batch with
        // exit code 130 and leaves no output (not even a temporary).
        QProcess p;
        p.start(qEnvironmentVariable("PF_CLI"), {"reconstruct", m_samples + "/letters.cxi", "-o", tmp("stopped.cxi"),
                                                 "--algorithm", "ER:1000000", "--engine", "cpu", "--threads", "1"});
        QVERIFY(p.waitForStarted());
        p.setReadChannel(QProcess::StandardError); // progress lines go to stderr
        QByteArray err;
        while (!err.contains("iteration") && p.waitForReadyRead(60000)) err += p.readAllStandardError();
        QVERIFY2(err.contains("iteration"), err.constData());
        p.terminate();
        QVERIFY(p.waitForFinished(60000));
        QCOMPARE(p.exitStatus(), QProcess::NormalExit);
        QCOMPARE(p.exitCode(), 130);
        QVERIFY(QString::fromUtf8(p.readAllStandardError()).contains("nothing was written"));
        QVERIFY(!QFile::exists(tmp("stopped.cxi")));
    }

    // Ctrl-C sent to the CLI alone (not its process group) stops a read stuck
    // in libhdf5 in the isolated child at once, even when the CLI started
    // with SIGINT ignored (a background job of a script): exit 130 within
    // seconds, not at the 120 s limit, and the reading child is gone.
    void interruptStopsTheIsolatedReadAtOnce() {
        const QString hang = qEnvironmentVariable("PF_HDF5_FINDINGS") + "/hang-H5F_sizeof_size.cxi";
        QVERIFY2(QFile::exists(hang), qPrintable(hang));
        QProcess p;
        p.setChildProcessModifier([] { ::signal(SIGINT, SIG_IGN); });
        p.start(qEnvironmentVariable("PF_CLI"), {"info", hang});
        QVERIFY(p.waitForStarted());
        const qint64 pid = p.processId();
        // The reading child: the process whose parent is the CLI (/proc/N/stat's
        // fourth field).
        const auto childOf = [](qint64 parent) -> pid_t {
            for (const QString& entry : QDir("/proc").entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
                QFile stat("/proc/" + entry + "/stat");
                if (!stat.open(QIODevice::ReadOnly)) continue;
                const QString text = QString::fromLatin1(stat.readAll());
                const QStringList after = text.mid(text.lastIndexOf(')') + 2).split(' ');
                if (after.size() > 1 && after[1].toLongLong() == parent) return pid_t(entry.toInt());
            }
            return 0;
        };
        pid_t reader = 0;
        QElapsedTimer wait;
        wait.start();
        while (!reader && wait.elapsed() < 60000 && p.state() == QProcess::Running) {
            reader = childOf(pid);
            if (!reader) QThread::msleep(10);
        }
        QVERIFY2(reader, "the CLI started no process to read the file");
        QElapsedTimer clock;
        clock.start();
        QCOMPARE(::kill(pid_t(pid), SIGINT), 0);
        QVERIFY(p.waitForFinished(60000));
        QVERIFY2(clock.elapsed() < 10000, qPrintable(QString("stopped after %1 ms").arg(clock.elapsed())));
        QCOMPARE(p.exitStatus(), QProcess::NormalExit);
        QCOMPARE(p.exitCode(), 130);
        const QString err = QString::fromUtf8(p.readAllStandardError());
        QVERIFY2(err.contains("reading it was interrupted") && err.count('\n') == 1, qPrintable(err));
        QVERIFY2(::kill(reader, 0) != 0 && errno == ESRCH, "the reading process outlived the CLI");
    }

    // A plain HDF5 file with one image needs no dataset path; a degenerate
    // pattern is refused by info as by reconstruct.
    void infoOnOddFiles() {
        pf::ImageF tiny(pf::Shape{1, 1}, 5.0f);
        pf::io::writeTiff(tmp("tiny.tif").toStdString(), tiny);
        checkOneLineError(cli({"info", tmp("tiny.tif")}), 3, {tmp("tiny.tif"), "only 1 x 1 pixels", "at least 8 x 8"});
        checkOneLineError(cli({"reconstruct", tmp("tiny.tif"), "-o", tmp("tiny.cxi")}), 3, {"only 1 x 1 pixels"});
        QVERIFY(!QFile::exists(tmp("tiny.cxi")));
        // A saved result reopened by info: the magnitudes it was made from.
        const Run made = cli({"reconstruct", m_samples + "/letters.cxi", "-o", tmp("saved.cxi"), "--engine", "cpu",
                              "--algorithm", "ER:2", "--quiet"});
        QVERIFY2(made.code == 0, qPrintable(made.err));
        const Run info = cli({"info", tmp("saved.cxi"), "--json"});
        QVERIFY2(info.code == 0, qPrintable(info.err));
        const QJsonObject o = QJsonDocument::fromJson(info.out.toUtf8()).object();
        QCOMPARE(o["dataset"].toString(), QString("/entry_1/image_2/data"));
    }

    // --continue: a saved result goes on from its raw object and support with
    // its parameters as the defaults; options given override them.
    void continueASavedRun() {
        const Run s = cli({"simulate", "blobs:16:5", "-o", tmp("cont-in.cxi")});
        QVERIFY2(s.code == 0, qPrintable(s.err));
        const Run first = cli({"reconstruct", tmp("cont-in.cxi"), "-o", tmp("first.cxi"), "--algorithm",
                               "HIO:120,ER:30", "--starts", "3", "--keep", "2", "--seed", "7",
                               "--shrink-wrap", "off", "--engine", "cpu", "--json"});
        QVERIFY2(first.code == 0, qPrintable(first.err));
        const QJsonObject a = QJsonDocument::fromJson(first.out.toUtf8()).object();
        const Run second = cli({"reconstruct", tmp("first.cxi"), "--continue", "-o", tmp("second.cxi"),
                                "--algorithm", "ER:10", "--engine", "cpu", "--json"});
        QVERIFY2(second.code == 0, qPrintable(second.err));
        const QJsonObject b = QJsonDocument::fromJson(second.out.toUtf8()).object();
        QCOMPARE(b["schedule"].toString(), QString("ER:10")); // the option given
        QCOMPARE(b["iterations"].toInt(), 10);
        QCOMPARE(b["starts"].toInt(), 1);                    // a continuation has one start
        QCOMPARE(b["seed"].toInt(), 7);                      // the saved seed: the same free pixels
        QVERIFY(b["notices"].toArray().size() > 0);
        QVERIFY(b["notices"].toArray().last().toString().contains("continuing " + tmp("first.cxi")));
        // Error reduction from the saved iterate does not raise the saved error.
        const double before = a["fourier_error"].toDouble(), after = b["fourier_error"].toDouble();
        QVERIFY2(after <= before * (1 + 1e-5), qPrintable(QString("%1 -> %2").arg(before).arg(after)));
        const pf::io::SavedResult saved = pf::io::loadSavedResult(tmp("second.cxi").toStdString());
        QCOMPARE(QString::fromStdString(saved.continuedFrom), tmp("first.cxi"));
        QCOMPARE(saved.parameters.freeFraction, pf::recipeParameters().freeFraction);

        checkOneLineError(cli({"reconstruct", tmp("first.cxi"), "--continue", "-o", tmp("third.cxi"),
                               "--starts", "2"}),
                          2, {"starts", "1 start"});
        checkOneLineError(cli({"reconstruct", tmp("cont-in.cxi"), "--continue", "-o", tmp("third.cxi")}), 3,
                          {tmp("cont-in.cxi"), "not a result saved by PhaseForge"});
        QVERIFY(!QFile::exists(tmp("third.cxi")));
    }

    // --two-pass asks the CUDA engine for its two-pass iteration; the FFTW
    // engine runs as before and says the option did not apply.
    void twoPassOnTheCpuEngineIsANotice() {
        const Run r = cli({"reconstruct", m_samples + "/letters.cxi", "-o", tmp("tp.cxi"), "--engine", "cpu",
                           "--algorithm", "ER:3", "--two-pass", "--json"});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        const QJsonObject o = QJsonDocument::fromJson(r.out.toUtf8()).object();
        QCOMPARE(o["engine"].toString(), QString("fftw"));
        const QJsonArray notices = o["notices"].toArray();
        QVERIFY2(std::any_of(notices.begin(), notices.end(),
                             [](const QJsonValue& v) { return v.toString().contains("--two-pass"); }),
                 qPrintable(r.out));
    }

    void cudaWithoutADeviceIsExitCode5() {
        const Run r = cli({"reconstruct", m_samples + "/letters.cxi", "-o", tmp("c.cxi"), "--engine", "cuda",
                           "--algorithm", "ER:2", "--quiet"});
        if (r.code == 0) QSKIP("a usable CUDA device is present: nothing to refuse");
        checkOneLineError(r, 5, {"cuda"});
        QVERIFY(!QFile::exists(tmp("c.cxi")));
    }
};

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
