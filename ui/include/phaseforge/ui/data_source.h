// Where the app's data comes from: diffraction files (through the core's
// readers), the bundled samples, and pictures turned into simulated patterns.
#pragma once

#include "phaseforge/ui/run_types.h"

#include <phaseforge/simulate.h>

#include <QString>
#include <QStringList>

#include <memory>

namespace pf::ui {

/// A problem ready to run, with what the app shows about it.
struct LoadedData {
    ProblemPtr problem;
    QString title;       ///< for the window title: file name or "simulated …"
    QString path;        ///< the file, empty for built-in data
    QStringList notices; ///< what the reader assumed or changed
    std::shared_ptr<const ImageF> groundTruth; ///< simulated data only
    /// The file is a result saved by PhaseForge: `problem` holds the
    /// magnitudes it was made from (ContinuedRun reads the rest).
    bool savedResult = false;
};

/// Reads a diffraction pattern (TIFF, PNG, NPY, HDF5 "file.h5:/dataset", CXI).
/// Throws pf::Error with a one-line message naming the file.
LoadedData loadDataFile(const QString& path);

/// File patterns for the Open dialog.
QString openFileFilter();

/// The bundled sample files (*.cxi), from $PF_SAMPLES_DIR, the installed
/// share/phaseforge/samples, or the source tree's resources/samples.
QStringList sampleFiles();

/// A simulated sample that needs no file: random blobs, `size`² pixels.
LoadedData builtInSample(int size = 256);

/// Options of File › Simulate From Image….
struct ImageSimulation {
    pf::SimulationOptions simulation;
    int maxObjectSize = 256; ///< larger pictures are scaled down to this many pixels
    bool invert = false;     ///< dark features become the object
};

/// Any picture (PNG, JPEG, TIFF, NPY, …) as the object; its simulated pattern
/// as the data. The problem's support is the object's box. Throws pf::Error.
LoadedData simulateFromImage(const QString& path, const ImageSimulation& options);

/// The diffraction pattern as it is shown: centred magnitudes.
std::shared_ptr<const ImageF> centredMagnitude(const pf::Problem& problem);
/// The measured mask, centred like centredMagnitude() (empty when all measured).
Mask centredMeasured(const pf::Problem& problem);

} // namespace pf::ui
