#include "phaseforge/ui/data_source.h"

#include <phaseforge/error.h>
#include <phaseforge/io/formats.h>
#include <phaseforge/io/load.h>
#include <phaseforge/log.h>

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QImage>
#include <QImageReader>

#include <algorithm>
#include <cmath>

namespace pf::ui {

LoadedData loadDataFile(const QString& path) {
    // The loader reopens a saved result as the magnitudes it was made from,
    // with a notice saying so.
    pf::io::LoadedPattern pattern = pf::io::loadDiffraction(path.toStdString());
    LoadedData d;
    d.savedResult = pattern.info.savedResult;
    d.problem = std::make_shared<const pf::Problem>(std::move(pattern.problem));
    d.path = path;
    d.title = QFileInfo(QString::fromStdString(pattern.info.path)).fileName();
    for (const std::string& n : pattern.notices)
        d.notices << QString::fromStdString(n);
    return d;
}

QString openFileFilter() {
    return QString::fromStdString(pf::io::fileDialogFilter(
        QCoreApplication::translate("PhaseForge", "Diffraction data").toStdString()));
}

QStringList sampleFiles() {
    QStringList dirs;
    const QString env = qEnvironmentVariable("PF_SAMPLES_DIR");
    if (!env.isEmpty())
        dirs << env;
    // Installed: <prefix>/share/phaseforge/samples beside <prefix>/bin.
    dirs << QDir::cleanPath(QCoreApplication::applicationDirPath() +
                            QStringLiteral("/" PF_INSTALLED_SAMPLES_RELATIVE));
    dirs << QStringLiteral(PF_SAMPLES_DIR);
    for (const QString& dir : dirs) {
        const QFileInfoList files =
            QDir(dir).entryInfoList({QStringLiteral("*.cxi")}, QDir::Files, QDir::Name);
        if (!files.isEmpty()) {
            QStringList out;
            for (const QFileInfo& f : files)
                out << f.absoluteFilePath();
            return out;
        }
    }
    return {};
}

LoadedData builtInSample(int size) {
    pf::SimulationOptions options;
    options.oversampling = 2.0;
    options.photons = 1e9;
    options.seed = 3;
    const int objectSize = std::max(8, size / 2);
    pf::Simulation sim = pf::simulate(pf::randomBlobs({objectSize, objectSize}, 12, 5), options);
    LoadedData d;
    d.groundTruth = std::make_shared<const ImageF>(std::move(sim.object));
    d.problem = std::make_shared<const pf::Problem>(std::move(sim.problem));
    d.title = QCoreApplication::translate("PhaseForge", "simulated blobs %1×%1").arg(size);
    return d;
}

namespace {

/// Box-filter downscale so that neither side exceeds `maxSide`.
ImageF shrinkTo(const ImageF& in, int maxSide) {
    const int factor = int(std::ceil(double(std::max(in.shape.rows, in.shape.cols)) / maxSide));
    if (factor <= 1)
        return in;
    ImageF out({in.shape.rows / factor, in.shape.cols / factor});
    for (int r = 0; r < out.shape.rows; ++r)
        for (int c = 0; c < out.shape.cols; ++c) {
            double sum = 0;
            for (int i = 0; i < factor; ++i)
                for (int j = 0; j < factor; ++j)
                    sum += in.at(r * factor + i, c * factor + j);
            out.at(r, c) = float(sum / (factor * factor));
        }
    return out;
}

/// Pictures Qt reads (JPEG, BMP, GIF, …) go through QImage; the formats the
/// core reads (TIFF, PNG, NPY, HDF5) through pf::io::loadImage.
ImageF readPicture(const QString& path, QStringList& notices) {
    const QString suffix = QFileInfo(path).suffix().toLower();
    const bool coreFormat = QStringList{QStringLiteral("tif"), QStringLiteral("tiff"),
                                        QStringLiteral("png"), QStringLiteral("npy"),
                                        QStringLiteral("h5"), QStringLiteral("hdf5"),
                                        QStringLiteral("cxi")}
                                .contains(suffix);
    if (coreFormat) {
        pf::io::LoadedImage li = pf::io::loadImage(path.toStdString());
        for (const std::string& n : li.notices)
            notices << QString::fromStdString(n);
        return std::move(li.image);
    }
    QImageReader reader(path);
    const QImage picture = reader.read();
    if (picture.isNull())
        throw pf::FileError(path.toStdString(), reader.errorString().toStdString());
    const QImage grey = picture.convertToFormat(QImage::Format_Grayscale16);
    ImageF out({grey.height(), grey.width()});
    for (int r = 0; r < grey.height(); ++r) {
        const auto* line = reinterpret_cast<const quint16*>(grey.constScanLine(r));
        for (int c = 0; c < grey.width(); ++c)
            out.at(r, c) = float(line[c]) / 65535.0f;
    }
    return out;
}

} // namespace

LoadedData simulateFromImage(const QString& path, const ImageSimulation& options) {
    LoadedData d;
    ImageF picture = readPicture(path, d.notices);
    if (picture.empty())
        throw pf::FileError(path.toStdString(), "the image is empty");
    // A usable object: finite, non-negative, scaled to [0, 1].
    float lo = INFINITY, hi = -INFINITY;
    for (float& v : picture.data) {
        if (!std::isfinite(v))
            v = 0;
        lo = std::min(lo, v);
        hi = std::max(hi, v);
    }
    if (!(hi > lo))
        throw pf::FileError(path.toStdString(), "the image is uniform: there is nothing to see");
    for (float& v : picture.data) {
        v = (v - lo) / (hi - lo);
        if (options.invert)
            v = 1.0f - v;
    }
    ImageF object = shrinkTo(picture, std::max(8, options.maxObjectSize));
    if (object.shape != picture.shape)
        d.notices << QCoreApplication::translate("PhaseForge", "scaled from %1×%2 to %3×%4 pixels")
                         .arg(picture.shape.cols).arg(picture.shape.rows)
                         .arg(object.shape.cols).arg(object.shape.rows);
    pf::Simulation sim = pf::simulate(object, options.simulation);
    d.groundTruth = std::make_shared<const ImageF>(std::move(sim.object));
    d.problem = std::make_shared<const pf::Problem>(std::move(sim.problem));
    d.title = QCoreApplication::translate("PhaseForge", "simulated from %1")
                  .arg(QFileInfo(path).fileName());
    return d;
}

std::shared_ptr<const ImageF> centredMagnitude(const pf::Problem& problem) {
    return std::make_shared<const ImageF>(pf::fftShift(problem.magnitude));
}

Mask centredMeasured(const pf::Problem& problem) {
    return problem.measured.empty() ? Mask{} : pf::fftShift(problem.measured);
}

} // namespace pf::ui
