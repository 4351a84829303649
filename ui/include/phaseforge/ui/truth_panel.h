// The truth view: a known object (File › Load Truth…, or the object a
// simulated pattern was made from) beside the reconstruction, with the error
// after alignment (pf::errorAfterAlignment: blind to shift, twin and scale)
// kept up to date while the run goes on. The error is computed on Qt's thread
// pool, one computation at a time; the newest object waiting replaces older ones.
#pragma once

#include "phaseforge/ui/run_types.h"

#include <QFutureWatcher>
#include <QWidget>

class QLabel;

namespace pf::ui {

class ImageTile;

/// The truth as compared with objects of shape `field`: a smaller picture is
/// placed at the centre of a zero field (the alignment finds any shift).
/// Throws pf::InvalidArgument for a larger picture, NaN/Inf values or a
/// picture that is zero everywhere.
ImageF truthForField(const ImageF& picture, Shape field);

class TruthPanel : public QWidget {
    Q_OBJECT
  public:
    explicit TruthPanel(QWidget* parent = nullptr);
    ~TruthPanel() override;

    /// New data: objects of this shape. A truth of another shape is dropped.
    void setField(Shape field);
    /// Throws pf::InvalidArgument (see truthForField), changing nothing.
    void setTruth(const ImageF& picture, const QString& source);
    void clearTruth();
    bool hasTruth() const { return bool(m_truth); }
    ImagePtr truth() const { return m_truth; }

    /// An object estimate to compare; ignored without a truth.
    void compare(ImagePtr object, long long iteration);

    /// The object the shown error belongs to, and its iteration (-1: none yet).
    ImagePtr comparedObject() const { return m_compared; }
    long long comparedIteration() const { return m_comparedIteration; }
    double error() const { return m_error; }
    /// A comparison is running or waiting.
    bool busy() const { return m_running || m_pending; }
    QString errorText() const;

  signals:
    void errorUpdated(double error, long long iteration);

  private:
    struct Outcome {
        ImagePtr object;
        long long iteration = -1;
        ImagePtr aligned;
        double error = 0;
        QString failure;
        unsigned generation = 0;
    };
    void launch(ImagePtr object, long long iteration);
    void finished();

    ImagePtr m_truth;
    unsigned m_generation = 0; // grows with every new truth or field: older outcomes are stale
    Shape m_field;
    ImagePtr m_compared;
    long long m_comparedIteration = -1;
    double m_error = 0;
    bool m_running = false;
    ImagePtr m_pending;
    long long m_pendingIteration = -1;
    QFutureWatcher<Outcome> m_watcher;
    ImageTile* m_truthTile;
    ImageTile* m_objectTile;
    QLabel* m_errorLabel;
};

} // namespace pf::ui
