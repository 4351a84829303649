// Writers: PNG/TIFF/CXI outputs checked with PIL, tifffile and h5py
// (tests/io/check_written.py), SHA-256 against published vectors and hashlib,
// and the atomic-write rule (a failure leaves nothing behind).
#include <phaseforge/error.h>
#include <phaseforge/fftw_engine.h>
#include <phaseforge/io/load.h>
#include <phaseforge/io/saved_result.h>
#include <phaseforge/io/write.h>
#include <phaseforge/reconstruction.h>
#include <phaseforge/simulate.h>

#include "atomic_file.h"
#include "scratch_dir.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <cmath>
#include <csignal>
#include <random>

using namespace pf;

namespace {

/// The same formula as ramp() in check_written.py, in float32.
ImageF ramp(int rows, int cols) {
    ImageF img(Shape{rows, cols});
    for (int r = 0; r < rows; ++r)
        for (int c = 0; c < cols; ++c)
            img.at(r, c) = std::sin(0.1f * float(r)) * std::cos(0.07f * float(c)) + 0.01f * float(r);
    return img;
}

QString runCheck(const QStringList& args) {
    QProcess python;
    python.setProcessChannelMode(QProcess::MergedChannels);
    python.start(qEnvironmentVariable("PF_PYTHON", "/usr/bin/python3"),
                 QStringList{qEnvironmentVariable("PF_IO_SCRIPTS") + "/check_written.py"} + args);
    if (!python.waitForFinished(120000)) return "python did not finish";
    if (python.exitStatus() != QProcess::NormalExit || python.exitCode() != 0)
        return "check failed: " + QString::fromUtf8(python.readAll());
    return {};
}

QStringList leftovers(const QString& dir) {
    return QDir(dir).entryList(QDir::Files | QDir::Hidden | QDir::NoDotAndDotDot);
}

} // namespace

class TestIoWrite : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir{scratchTemplate("tst_io_write")};
    std::string path(const char* name) const { return m_dir.filePath(name).toStdString(); }

private slots:
    void sha256KnownVectors() {
        auto hex = [](const std::string& s) {
            return io::sha256Hex({reinterpret_cast<const unsigned char*>(s.data()), s.size()});
        };
        // FIPS 180-2 appendix B and the empty string.
        QCOMPARE(hex(""), std::string("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
        QCOMPARE(hex("abc"), std::string("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
        QCOMPARE(hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
                 std::string("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"));
        QCOMPARE(hex(std::string(1000000, 'a')),
                 std::string("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"));
    }

    void sha256MatchesHashlib() {
        std::mt19937 rng(std::random_device{}());
        for (int len : {1, 55, 56, 63, 64, 65, 1000, 123457}) {
            QByteArray bytes(len, '\0');
            for (auto& b : bytes) b = char(rng());
            QFile f(m_dir.filePath("blob.bin"));
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(bytes);
            f.close();
            const std::string hex = io::sha256File(path("blob.bin"));
            const QString err = runCheck({"sha256", m_dir.filePath("blob.bin"), QString::fromStdString(hex)});
            QVERIFY2(err.isEmpty(), qPrintable(QString("length %1: %2").arg(len).arg(err)));
        }
    }

    void pngAndTiffAreReadByOtherTools() {
        const ImageF img = ramp(37, 53);
        io::writePng(path("r8.png"), img, io::SampleType::UInt8);
        io::writePng(path("r16.png"), img, io::SampleType::UInt16);
        io::writeTiff(path("r8.tif"), img, io::SampleType::UInt8);
        io::writeTiff(path("r16.tif"), img, io::SampleType::UInt16);
        io::writeTiff(path("r32.tif"), img, io::SampleType::Float32);
        for (auto [kind, file] : {std::pair{"ramp-png8", "r8.png"}, {"ramp-png16", "r16.png"},
                                  {"ramp-tiff-u8", "r8.tif"}, {"ramp-tiff-u16", "r16.tif"},
                                  {"ramp-tiff-f32", "r32.tif"}}) {
            const QString err = runCheck({kind, m_dir.filePath(file), "37", "53"});
            QVERIFY2(err.isEmpty(), qPrintable(err));
        }
        // And by our own reader: the float TIFF comes back bit for bit.
        const io::LoadedImage back = io::loadImage(path("r32.tif"));
        QCOMPARE(back.image.shape, img.shape);
        QVERIFY(back.image.data == img.data);
    }

    void resultCxiIsReadByH5py() {
        const Simulation sim = simulate(randomBlobs(Shape{16, 16}, 4, 7), {});
        io::writePatternCxi(path("input.cxi"), sim.problem.magnitude, sim.problem.measured);
        const io::LoadedPattern loaded = io::loadDiffraction(path("input.cxi"));
        Parameters params;
        params.schedule = Schedule::parse("HIO:12,ER:6");
        params.initialSupport = InitialSupport::Autocorrelation;
        params.starts = 2;
        params.seed = (std::uint64_t(1) << 62) + 11; // beyond a double's 53 bits
        params.beta = 0.75f;
        params.shrinkWrap.enabled = true;
        params.shrinkWrap.every = 7;
        params.shrinkWrap.threshold = 0.15f;
        FftwEngine engine(1, FftwEngine::PlanEffort::Estimate);
        const Result result = reconstruct(engine, loaded.problem, params);
        const io::Provenance prov{path("input.cxi"), io::sha256File(path("input.cxi")), "test"};
        io::writeResultCxi(path("result.cxi"), result, params, loaded.problem, prov);
        double sum = 0;
        for (float v : result.object.data) sum += v;
        const QString err = runCheck({"result", m_dir.filePath("result.cxi"), m_dir.filePath("input.cxi"),
                                      QString::number(result.iterations), QString::number(result.bestStart),
                                      QString::number(result.history.size()),
                                      QString::fromStdString(params.schedule.toString()),
                                      QString::number(sum, 'g', 17)});
        QVERIFY2(err.isEmpty(), qPrintable(err));
        // Reopened as a pattern, a result gives the magnitudes it was made
        // from, with a notice; as an image, its object.
        const io::LoadedPattern again = io::loadDiffraction(path("result.cxi"));
        QCOMPARE(again.info.dataset, std::string("/entry_1/image_2/data"));
        QVERIFY(again.info.savedResult);
        QVERIFY(!loaded.info.savedResult);
        QVERIFY(again.problem.magnitude.data == loaded.problem.magnitude.data);
        QVERIFY(again.problem.measured.data == loaded.problem.measured.data);
        QVERIFY(std::any_of(again.notices.begin(), again.notices.end(), [](const std::string& n) {
            return n.find("a result saved by PhaseForge") != std::string::npos;
        }));
        const io::LoadedImage obj = io::loadImage(path("result.cxi"));
        QVERIFY(obj.image.data == result.object.data);

        // Everything a continued run needs, read back.
        const io::SavedResult saved = io::loadSavedResult(path("result.cxi"));
        QVERIFY(saved.object.data == result.rawObject.data); // the iterate a continued run starts from
        QCOMPARE(saved.object.shape, result.rawObject.shape);
        QVERIFY(saved.support.data == result.rawSupport.data);
        QCOMPARE(saved.parameters.schedule.toString(), params.schedule.toString());
        QCOMPARE(saved.parameters.beta, params.beta);
        QCOMPARE(saved.parameters.seed, params.seed);
        QCOMPARE(saved.parameters.starts, params.starts);
        QVERIFY(saved.parameters.initialSupport == InitialSupport::Autocorrelation);
        QCOMPARE(saved.parameters.autocorrelationThreshold, params.autocorrelationThreshold);
        QCOMPARE(saved.parameters.shrinkWrap.enabled, true);
        QCOMPARE(saved.parameters.shrinkWrap.every, 7);
        QCOMPARE(saved.parameters.shrinkWrap.threshold, 0.15f);
        QCOMPARE(saved.iterations, result.iterations);
        QCOMPARE(saved.bestStart, result.bestStart);
        QCOMPARE(saved.engine, result.engine.name);
        QCOMPARE(saved.inputSha256, prov.inputSha256);
        QVERIFY2(saved.notices.empty(), saved.notices.empty() ? "" : saved.notices.front().c_str());
        // A file that is not a saved result says so.
        try {
            io::loadSavedResult(path("input.cxi"));
            QFAIL("a pattern was read as a saved result");
        } catch (const FileError& e) {
            QVERIFY2(std::string(e.what()).find("not a result saved by PhaseForge") != std::string::npos, e.what());
        }
    }

    void patternCxiRoundTrips() {
        const int R = 24, C = 30;
        const Simulation sim = simulate(randomBlobs(Shape{12, 15}, 3, 5), {});
        QCOMPARE(sim.problem.magnitude.shape, (Shape{R, C}));
        Mask measured(Shape{R, C}, 1);
        int unmeasured = 0;
        for (int r = 5; r < 8; ++r)
            for (int c = 9; c < 13; ++c) {
                measured.at(r, c) = 0;
                ++unmeasured;
            }
        io::writePatternCxi(path("pattern.cxi"), sim.problem.magnitude, measured);
        const QString err = runCheck({"pattern", m_dir.filePath("pattern.cxi"), QString::number(R),
                                      QString::number(C), QString::number(unmeasured)});
        QVERIFY2(err.isEmpty(), qPrintable(err));
        const io::LoadedPattern p = io::loadDiffraction(path("pattern.cxi"));
        QCOMPARE(p.info.kindSource, std::string("file"));
        QCOMPARE(p.info.centringSource, std::string("file"));
        QVERIFY(p.problem.measured.data == measured.data);
        for (std::size_t i = 0; i < measured.data.size(); ++i) {
            if (!measured.data[i]) continue;
            const float want = sim.problem.magnitude.data[i], got = p.problem.magnitude.data[i];
            QVERIFY2(std::fabs(got - want) <= 1e-5f * std::max(1.0f, want), qPrintable(QString::number(i)));
        }
    }

    void failedWritesLeaveNothing() {
        const QString sub = m_dir.filePath("atomic");
        QVERIFY(QDir().mkpath(sub + "/busy.png")); // a directory where the file should go
        const ImageF img = ramp(8, 8);
        QVERIFY_THROWS_EXCEPTION(FileError, io::writePng((sub + "/busy.png").toStdString(), img));
        QVERIFY_THROWS_EXCEPTION(FileError, io::writePng((sub + "/x.png").toStdString(), img, io::SampleType::Float32));
        QVERIFY_THROWS_EXCEPTION(FileError, io::writeTiff((sub + "/e.tif").toStdString(), ImageF{}));
        QVERIFY_THROWS_EXCEPTION(FileError, io::writeTiff((sub + "/missing/dir/a.tif").toStdString(), img));
        Result empty;
        QVERIFY_THROWS_EXCEPTION(FileError, io::writeResultCxi((sub + "/r.cxi").toStdString(), empty, {}, {}, {}));
        QCOMPARE(leftovers(sub), QStringList{});
        // A successful write replaces an existing file whole.
        QFile old(sub + "/keep.tif");
        QVERIFY(old.open(QIODevice::WriteOnly));
        old.write(QByteArray(100000, 'x'));
        old.close();
        io::writeTiff((sub + "/keep.tif").toStdString(), img);
        QCOMPARE(leftovers(sub), QStringList{"keep.tif"});
        QVERIFY(io::loadImage((sub + "/keep.tif").toStdString()).image.data == img.data);
    }

    // A writer killed by SIGKILL mid-write leaves nothing behind: the
    // temporary is unnamed where the file system allows it, and otherwise
    // the next write to the same target removes it.
    void killedWriteLeavesNothing() {
        const QString sub = m_dir.filePath("killed");
        QVERIFY(QDir().mkpath(sub));
        const std::string target = (sub + "/r.cxi").toStdString();
        int ready[2];
        QVERIFY(::pipe(ready) == 0);
        const std::vector<unsigned char> bytes(1 << 20, 0x5a);
        const pid_t child = ::fork();
        QVERIFY(child >= 0);
        if (child == 0) { // never returns into the test
            try {
                io::detail::AtomicFile out(target);
                out.write(bytes);
                const char byte = out.unnamed() ? 'U' : 'N';
                (void)!::write(ready[1], &byte, 1);
                ::pause(); // killed here, before commit()
            } catch (...) {
                (void)!::write(ready[1], "F", 1);
            }
            _exit(0);
        }
        ::close(ready[1]);
        char how = 0;
        QCOMPARE(::read(ready[0], &how, 1), ssize_t(1));
        ::close(ready[0]);
        ::kill(child, SIGKILL);
        QVERIFY2(how != 'F', "the writer could not start");
        int status = 0;
        QCOMPARE(::waitpid(child, &status, 0), child);
        QVERIFY(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
        if (how == 'U')
            QCOMPARE(leftovers(sub), QStringList{}); // nothing ever had a name
        else
            QCOMPARE(leftovers(sub).size(), 1);      // the hidden temporary, until the next write
        io::writeTiff(target, ramp(8, 8));
        QCOMPARE(leftovers(sub), QStringList{"r.cxi"});
    }

    // Where temporaries have names (no O_TMPFILE), a write removes those of
    // earlier writes to the same target whose writer died, and only those:
    // a live writer's (it holds a lock) and other targets' are kept.
    void staleTemporariesAreRemoved() {
        const QString sub = m_dir.filePath("stale");
        QVERIFY(QDir().mkpath(sub));
        const auto touch = [&](const QString& name) {
            QFile f(sub + "/" + name);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write("half a file");
        };
        touch(".a.png.Xy12ab");     // a dead writer's temporary of a.png
        touch(".b.png.Xy12ab");     // another target's
        touch(".a.png.notours");    // not a temporary's name
        int ready[2];
        QVERIFY(::pipe(ready) == 0);
        const QByteArray livePath = (sub + "/.a.png.Live99").toLocal8Bit();
        const pid_t live = ::fork(); // a writer still at work on a.png
        QVERIFY(live >= 0);
        if (live == 0) {
            const int fd = ::open(livePath.constData(), O_RDWR | O_CREAT, 0644);
            struct flock lock {};
            lock.l_type = F_WRLCK;
            const char ok = fd >= 0 && ::fcntl(fd, F_OFD_SETLK, &lock) == 0 ? 'L' : 'F';
            (void)!::write(ready[1], &ok, 1);
            ::pause();
            _exit(0);
        }
        ::close(ready[1]);
        char ok = 0;
        QCOMPARE(::read(ready[0], &ok, 1), ssize_t(1));
        ::close(ready[0]);
        QCOMPARE(ok, 'L');
        io::writePng((sub + "/a.png").toStdString(), ramp(8, 8));
        QStringList want{".a.png.Live99", ".a.png.notours", ".b.png.Xy12ab", "a.png"};
        QStringList got = leftovers(sub);
        got.sort();
        QCOMPARE(got, want);
        ::kill(live, SIGKILL);
        ::waitpid(live, nullptr, 0);
        QCOMPARE(io::detail::removeStaleTemporaries((sub + "/a.png").toStdString()), 1); // its writer is gone now
        QVERIFY(!QFile::exists(sub + "/.a.png.Live99"));
    }

    void centreOfMassMovesAWrappedObjectToTheCentre() {
        ImageF img(Shape{20, 30}, 0.0f);
        for (int r : {19, 0, 1})
            for (int c : {28, 29, 0, 1, 2}) img.at(r, c) = 1.0f; // a box split over the corners
        const ImageF out = io::centreOfMassToCentre(img);
        QCOMPARE(out.at(10, 15), 1.0f);
        QCOMPARE(out.at(9, 13), 1.0f);
        QCOMPARE(out.at(11, 17), 1.0f);
        QCOMPARE(out.at(0, 0), 0.0f);
        double total = 0;
        for (float v : out.data) total += v;
        QCOMPARE(total, 15.0);
    }
};

QTEST_GUILESS_MAIN(TestIoWrite)
#include "tst_io_write.moc"
