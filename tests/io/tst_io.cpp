// Readers against files written by other tools (numpy, tifffile, PIL, h5py),
// compared with the Problem that numpy itself computes from the same values
// (tests/io/make_reference_files.py).
#include <phaseforge/error.h>
#include <phaseforge/io/formats.h>
#include <phaseforge/io/load.h>
#include <phaseforge/io/write.h>

#include "scratch_dir.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <fstream>
#include <sstream>

using namespace pf;

namespace {

template <class T> std::vector<T> readRaw(const QString& path) {
    std::ifstream in(path.toStdString(), std::ios::binary);
    std::vector<char> bytes((std::istreambuf_iterator<char>(in)), {});
    std::vector<T> v(bytes.size() / sizeof(T));
    std::memcpy(v.data(), bytes.data(), v.size() * sizeof(T));
    return v;
}

bool hasNotice(const std::vector<std::string>& notices, const std::string& fragment) {
    for (const auto& n : notices)
        if (n.find(fragment) != std::string::npos) return true;
    return false;
}

} // namespace

class TestIo : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir{scratchTemplate("tst_io")};
    QStringList m_manifest;

    std::string file(const char* name) const { return m_dir.filePath(name).toStdString(); }

private slots:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        QProcess python;
        python.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        python.start(qEnvironmentVariable("PF_PYTHON", "/usr/bin/python3"),
                     {qEnvironmentVariable("PF_IO_SCRIPTS") + "/make_reference_files.py", m_dir.path()});
        QVERIFY(python.waitForFinished(120000));
        QCOMPARE(python.exitCode(), 0);
        QFile manifest(m_dir.filePath("manifest.tsv"));
        QVERIFY(manifest.open(QIODevice::ReadOnly));
        for (const QByteArray& line : manifest.readAll().split('\n'))
            if (!line.trimmed().isEmpty()) m_manifest << QString::fromUtf8(line);
        QVERIFY(m_manifest.size() >= 30);
    }

    void roundTrip_data() {
        QTest::addColumn<QString>("line");
        for (const QString& line : m_manifest) QTest::newRow(qPrintable(line.section('\t', 0, 0))) << line;
    }

    void roundTrip() {
        QFETCH(QString, line);
        const QStringList f = line.split('\t');
        QCOMPARE(f.size(), 9);
        QString name = f[0].section('#', 0, 0);
        const QString target = m_dir.path() + "/" + name;
        io::LoadOptions options;
        bool expectHeuristic = true;
        if (f[1] != "-")
            for (const QString& kv : f[1].split(';')) {
                const QString key = kv.section('=', 0, 0), value = kv.section('=', 1);
                if (key == "centring") {
                    options.centring = value == "centred" ? io::Centring::Centred : io::Centring::FftShifted;
                    expectHeuristic = false;
                } else if (key == "kind") {
                    options.kind = value == "amplitude" ? io::ValueKind::Amplitude : io::ValueKind::Intensity;
                } else if (key == "frame") {
                    options.frame = value.toInt();
                } else if (key == "entry") {
                    options.entry = value.toInt();
                } else {
                    QFAIL(qPrintable("unknown option " + key));
                }
            }
        if (name.endsWith(".cxi")) expectHeuristic = false; // the file says
        const io::LoadedPattern p = io::loadDiffraction(target.toStdString(), options);
        const Shape shape{f[4].toInt(), f[5].toInt()};
        QCOMPARE(p.problem.magnitude.shape.rows, shape.rows);
        QCOMPARE(p.problem.magnitude.shape.cols, shape.cols);
        const auto truth = readRaw<double>(m_dir.filePath(f[2]));
        QCOMPARE(truth.size(), shape.size());
        double peak = 0;
        for (double t : truth) peak = std::max(peak, t);
        for (std::size_t i = 0; i < truth.size(); ++i) {
            const double got = p.problem.magnitude.data[i];
            if (std::fabs(got - truth[i]) > 1e-6 * peak + 1e-5 * std::fabs(truth[i]))
                QFAIL(qPrintable(QString("pixel %1: got %2, numpy says %3").arg(i).arg(got).arg(truth[i])));
        }
        if (f[3] == "-") {
            QVERIFY2(p.problem.measured.empty(), "every pixel is measured: the mask must be empty");
        } else {
            const auto mask = readRaw<std::uint8_t>(m_dir.filePath(f[3]));
            QCOMPARE(p.problem.measured.data.size(), mask.size());
            for (std::size_t i = 0; i < mask.size(); ++i) QCOMPARE(int(p.problem.measured.data[i]), int(mask[i]));
        }
        QCOMPARE(p.info.negativePixels, f[6].toLongLong());
        QCOMPARE(p.info.nonFinitePixels, f[7].toLongLong());
        QCOMPARE(p.info.maskedPixels, f[8].toLongLong());
        if (p.info.negativePixels > 0) QVERIFY(hasNotice(p.notices, "negative values were set to zero"));
        if (p.info.nonFinitePixels > 0) QVERIFY(hasNotice(p.notices, "NaN/Inf"));
        QCOMPARE(p.info.centringSource == "heuristic", expectHeuristic);
        if (expectHeuristic) QVERIFY(hasNotice(p.notices, "zero frequency assumed"));
        p.problem.validate();
    }

    void infoDescribesTheFile() {
        const auto a = io::loadDiffraction(file("f64_be.npy"), {});
        QCOMPARE(a.info.format, std::string("NPY"));
        QCOMPARE(a.info.dtype, std::string("float64"));
        QCOMPARE(a.info.kindSource, std::string("default"));
        QVERIFY(hasNotice(a.notices, "values taken as intensities"));
        const auto b = io::loadDiffraction(file("u16_tiled.tif"), {});
        QCOMPARE(b.info.format, std::string("TIFF"));
        QCOMPARE(b.info.dtype, std::string("uint16"));
        const auto c = io::loadDiffraction(file("detector.cxi"), {});
        QCOMPARE(c.info.format, std::string("CXI"));
        QCOMPARE(c.info.entry, 1);
        QCOMPARE(c.info.dataset, std::string("/entry_1/data_1/data"));
        QCOMPARE(c.info.kindSource, std::string("file"));
        QCOMPARE(c.info.centringSource, std::string("file"));
        QVERIFY(c.info.kind == io::ValueKind::Amplitude);
        QVERIFY(c.info.centring == io::Centring::FftShifted);
        const auto d = io::loadDiffraction(file("entries.cxi"), {});
        QCOMPARE(d.info.entry, 1);
        QVERIFY(hasNotice(d.notices, "2 CXI entries"));
        const auto e = io::loadDiffraction(file("multipage.tif"), {});
        QCOMPARE(e.info.frames, 3);
        QVERIFY(hasNotice(e.notices, "3 pages"));
        const auto h = io::loadDiffraction(file("single.nxs"), {});
        QCOMPARE(h.info.format, std::string("HDF5"));
        QCOMPARE(h.info.dataset, std::string("/entry/data/data"));
        QVERIFY(hasNotice(h.notices, "one 2-D/3-D dataset, /entry/data/data"));
        const auto g = io::loadDiffraction(file("plain.h5") + ":/a/stack", {});
        QCOMPARE(g.info.format, std::string("HDF5"));
        QCOMPARE(g.info.frames, 3);
        QCOMPARE(g.info.dataset, std::string("/a/stack"));
    }

    void saysWhatItDropped() {
        QVERIFY(hasNotice(io::loadDiffraction(file("palette.png")).notices, "colour PNG converted to luminance"));
        const auto la = io::loadDiffraction(file("grey_alpha.png"));
        QVERIFY(hasNotice(la.notices, "transparency (alpha) was ignored"));
        QVERIFY(!hasNotice(la.notices, "colour"));
        QVERIFY(hasNotice(io::loadDiffraction(file("rgba.tif")).notices, "colour TIFF converted to luminance"));
        const auto pages = io::loadDiffraction(file("pil_pages.tif"));
        QCOMPARE(pages.info.frames, 3);
        QCOMPARE(pages.info.frame, 0);
        QVERIFY(hasNotice(pages.notices, "3 pages"));
        QCOMPARE(io::loadImage(file("bool.npy")).info.dtype, std::string("bool"));
        QCOMPARE(io::loadImage(file("grey1.png")).info.dtype, std::string("uint8"));
    }

    void optionOverridesTheFileWithANotice() {
        io::LoadOptions o;
        o.kind = io::ValueKind::Intensity;
        const auto p = io::loadDiffraction(file("detector.cxi"), o);
        QCOMPARE(p.info.kindSource, std::string("option"));
        QVERIFY(hasNotice(p.notices, "the file says amplitude but intensity was requested"));
    }

    void refusesWhatItCannotDo() {
        io::LoadOptions small;
        small.maxPixels = 100;
        QVERIFY_THROWS_EXCEPTION(FileError, io::loadDiffraction(file("f32_c.npy"), small));
        io::LoadOptions frame;
        frame.frame = 7;
        try {
            io::loadDiffraction(file("stack_i8.npy"), frame);
            QFAIL("frame 7 of 4 was accepted");
        } catch (const FileError& e) {
            QVERIFY(std::string(e.what()).find("frame 7 requested") != std::string::npos);
            QCOMPARE(e.path(), file("stack_i8.npy"));
        }
        io::LoadOptions entry;
        entry.entry = 3;
        QVERIFY_THROWS_EXCEPTION(FileError, io::loadDiffraction(file("entries.cxi"), entry));
        QVERIFY_THROWS_EXCEPTION(FileError, io::loadDiffraction(file("no-such-file.npy"), {}));
        QVERIFY_THROWS_EXCEPTION(FileError, io::loadDiffraction(file("f32_c.npy") + ":/x", {}));
    }

    // A plain HDF5 file with several image datasets and no path named: the
    // error lists them.
    void severalDatasetsAreListed() {
        try {
            io::loadDiffraction(file("two_images.h5"), {});
            QFAIL("a file with two images was read without a dataset path");
        } catch (const FileError& e) {
            const std::string what = e.what();
            QVERIFY2(what.rfind(file("two_images.h5") + ": holds 2 2-D/3-D datasets", 0) == 0, e.what());
            QVERIFY2(what.find("/first") != std::string::npos && what.find("/group/second") != std::string::npos,
                     e.what());
        }
        QCOMPARE(io::loadDiffraction(file("two_images.h5") + ":/group/second").info.dataset,
                 std::string("/group/second"));
    }

    // Patterns too small to reconstruct are refused with the file and shape
    // named; 8 x 8 is the smallest accepted. Written by our own writers.
    void refusesDegeneratePatterns() {
        const auto pattern = [](int rows, int cols) {
            ImageF img(Shape{rows, cols});
            for (std::size_t i = 0; i < img.data.size(); ++i) img.data[i] = float(1 + i % 7);
            return img;
        };
        const std::vector<std::pair<std::string, Shape>> refused = {
            {"one.tif", {1, 1}}, {"thin.tif", {3, 64}}, {"seven.png", {7, 7}}};
        for (const auto& [name, shape] : refused) {
            if (name.ends_with(".png")) io::writePng(file(name.c_str()), pattern(shape.rows, shape.cols));
            else io::writeTiff(file(name.c_str()), pattern(shape.rows, shape.cols));
            try {
                io::loadDiffraction(file(name.c_str()));
                QFAIL(qPrintable(QString::fromStdString(name) + " was accepted"));
            } catch (const FileError& e) {
                const std::string want = file(name.c_str()) + ": the pattern is only " + shape.toString() + " pixels";
                QVERIFY2(std::string(e.what()).rfind(want, 0) == 0, e.what());
            }
        }
        io::writeTiff(file("eight.tif"), pattern(8, 8));
        QCOMPARE(io::loadDiffraction(file("eight.tif")).problem.shape(), (Shape{8, 8}));
        QCOMPARE(io::loadImage(file("one.tif")).image.shape, (Shape{1, 1})); // an image may be tiny
    }

    // The format table: what each file was read as is a row of it, the row
    // its extension names carries the same signature, and the dialog filter
    // and help list come from it.
    void registryDescribesWhatIsRead() {
        const auto& formats = io::supportedFormats();
        const auto rowNamed = [&](const std::string& name) -> const io::FormatInfo* {
            for (const auto& f : formats)
                if (f.name == name) return &f;
            return nullptr;
        };
        for (const QString& line : m_manifest) {
            const QString name = line.section('\t', 0, 0).section('#', 0, 0).section(':', 0, 0);
            const auto p = io::loadDiffraction((m_dir.path() + "/" + line.section('\t', 0, 0).section('#', 0, 0)).toStdString());
            const io::FormatInfo* read = rowNamed(p.info.format);
            QVERIFY2(read, qPrintable(name + " read as " + QString::fromStdString(p.info.format)));
            const io::FormatInfo* byExtension = io::formatForExtension(QFileInfo(name).suffix().toStdString());
            QVERIFY2(byExtension, qPrintable(name));
            QCOMPARE(byExtension->container, read->container);
        }
        QCOMPARE(std::string(io::formatForExtension(".NXS")->name), std::string("HDF5"));
        QVERIFY(io::formatForExtension("jpg") == nullptr);
        const std::string filter = io::fileDialogFilter("Data");
        QVERIFY(filter.rfind("Data (*.", 0) == 0);
        QVERIFY(filter.ends_with(";;All files (*)"));
        for (const auto& f : formats) {
            QVERIFY(io::formatListText().find(std::string(f.name)) != std::string::npos);
            for (std::string_view e : f.extensions)
                QVERIFY2(filter.find("*." + std::string(e)) != std::string::npos, filter.c_str());
        }
    }

    void splitsDatasetPaths() {
        const std::string h5 = file("plain.h5");
        QCOMPARE(io::splitDatasetPath(h5 + ":/a/b/pattern").first, h5);
        QCOMPARE(io::splitDatasetPath(h5 + ":/a/b/pattern").second, std::string("/a/b/pattern"));
        QCOMPARE(io::splitDatasetPath(h5).second, std::string());
        QCOMPARE(io::splitDatasetPath("/nonexistent.h5:/x").first, std::string("/nonexistent.h5:/x"));
    }

    void loadsImagesScaled() {
        const auto img = io::loadImage(file("grey8.png"));
        const auto raw = io::loadDiffraction(file("grey8.png"), [] {
            io::LoadOptions o;
            o.kind = io::ValueKind::Amplitude;
            o.centring = io::Centring::FftShifted;
            return o;
        }());
        QCOMPARE(img.image.shape, raw.problem.magnitude.shape);
        for (std::size_t i = 0; i < img.image.data.size(); ++i)
            QCOMPARE(img.image.data[i], raw.problem.magnitude.data[i] / 255.0f);
        QVERIFY(hasNotice(img.notices, "scaled to [0, 1]"));
        const auto f = io::loadImage(file("pil_f32.tif"));
        QVERIFY(f.notices.empty());
        QCOMPARE(f.info.dtype, std::string("float32"));
    }
};

QTEST_GUILESS_MAIN(TestIo)
#include "tst_io.moc"
