// Writers: PNG/TIFF/CXI outputs checked with PIL, tifffile and h5py
// (tests/io/check_written.py), SHA-256 against published vectors and hashlib,
// and the atomic-write rule (a failure leaves nothing behind).
#include <phaseforge/error.h>
#include <phaseforge/fftw_engine.h>
#include <phaseforge/io/load.h>
#include <phaseforge/io/write.h>
#include <phaseforge/reconstruction.h>
#include <phaseforge/simulate.h>

#include "scratch_dir.h"

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>
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
        params.seed = 11;
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
        // The result is an object, not a pattern: loadDiffraction refuses it, loadImage reads it.
        QVERIFY_THROWS_EXCEPTION(FileError, io::loadDiffraction(path("result.cxi")));
        const io::LoadedImage obj = io::loadImage(path("result.cxi"));
        QVERIFY(obj.image.data == result.object.data);
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
