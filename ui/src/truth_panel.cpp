#include "phaseforge/ui/truth_panel.h"

#include "phaseforge/ui/image_tile.h"

#include <phaseforge/analysis.h>
#include <phaseforge/error.h>

#include <QHBoxLayout>
#include <QLabel>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

#include <cmath>

namespace pf::ui {

ImageF truthForField(const ImageF& picture, Shape field) {
    const Shape s = picture.shape;
    if (picture.empty())
        throw pf::InvalidArgument("the truth image is empty");
    if (s.rows > field.rows || s.cols > field.cols)
        throw pf::InvalidArgument("the truth image is " + s.toString() +
                                  " pixels, larger than the reconstruction's field (" +
                                  field.toString() + ")");
    bool nonZero = false;
    for (float v : picture.data) {
        if (!std::isfinite(v))
            throw pf::InvalidArgument("the truth image holds NaN or infinite values");
        nonZero = nonZero || v != 0;
    }
    if (!nonZero)
        throw pf::InvalidArgument("the truth image is zero everywhere");
    ImageF out(field);
    const int r0 = (field.rows - s.rows) / 2, c0 = (field.cols - s.cols) / 2;
    for (int r = 0; r < s.rows; ++r)
        for (int c = 0; c < s.cols; ++c)
            out.at(r0 + r, c0 + c) = picture.at(r, c);
    return out;
}

TruthPanel::TruthPanel(QWidget* parent)
    : QWidget(parent), m_truthTile(new ImageTile), m_objectTile(new ImageTile),
      m_errorLabel(new QLabel) {
    m_truthTile->setCaption(tr("truth"));
    m_truthTile->setPlaceholder(tr("File › Load Truth… (a simulated pattern brings its own)"));
    m_objectTile->setCaption(tr("reconstruction, aligned on the truth"));
    m_objectTile->setPlaceholder(tr("The reconstruction appears here while the run goes on"));
    m_objectTile->setToolTip(tr("The object the view shows, shifted (and flipped to its twin) "
                                "the way that best matches the truth"));
    m_errorLabel->setWordWrap(true);
    m_errorLabel->setToolTip(tr("min over shift, twin and a scale a ≥ 0 of ‖a·x − t‖ / ‖t‖: 0 for "
                                "a perfect reconstruction, 1 for an empty one"));
    auto* tiles = new QHBoxLayout;
    tiles->addWidget(m_truthTile);
    tiles->addWidget(m_objectTile);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(2, 2, 2, 2);
    layout->addLayout(tiles, 1);
    layout->addWidget(m_errorLabel);
    connect(&m_watcher, &QFutureWatcher<Outcome>::finished, this, &TruthPanel::finished);
    clearTruth();
}

// The computation owns copies of what it reads: nothing waits for it here.
TruthPanel::~TruthPanel() {
    m_watcher.disconnect();
}

void TruthPanel::setField(Shape field) {
    ++m_generation;
    m_field = field;
    if (m_truth && m_truth->shape != field)
        clearTruth();
    m_compared.reset();
    m_comparedIteration = -1;
    m_pending.reset();
    m_objectTile->setImage(nullptr);
    m_errorLabel->setText(hasTruth() ? tr("Error after alignment: — (no reconstruction yet)")
                                     : tr("No truth loaded."));
}

void TruthPanel::setTruth(const ImageF& picture, const QString& source) {
    auto truth = std::make_shared<const ImageF>(truthForField(picture, m_field));
    ++m_generation;
    m_truth = std::move(truth);
    m_pending.reset();
    m_truthTile->setImage(m_truth);
    m_truthTile->setCaption(tr("truth: %1").arg(source));
    m_compared.reset();
    m_comparedIteration = -1;
    m_objectTile->setImage(nullptr);
    m_errorLabel->setText(tr("Error after alignment: — (no reconstruction yet)"));
}

void TruthPanel::clearTruth() {
    ++m_generation;
    m_truth.reset();
    m_pending.reset();
    m_compared.reset();
    m_comparedIteration = -1;
    m_truthTile->setImage(nullptr);
    m_truthTile->setCaption(tr("truth"));
    m_objectTile->setImage(nullptr);
    m_errorLabel->setText(tr("No truth loaded."));
}

void TruthPanel::compare(ImagePtr object, long long iteration) {
    if (!m_truth || !object || object->shape != m_truth->shape)
        return;
    if (m_running) {
        m_pending = std::move(object); // the newest waits; older ones are dropped
        m_pendingIteration = iteration;
        return;
    }
    launch(std::move(object), iteration);
}

void TruthPanel::launch(ImagePtr object, long long iteration) {
    m_running = true;
    m_watcher.setFuture(QtConcurrent::run([object, iteration, truth = m_truth,
                                           generation = m_generation] {
        Outcome o;
        o.generation = generation;
        o.object = object;
        o.iteration = iteration;
        try {
            o.aligned = std::make_shared<const ImageF>(pf::align(*truth, *object).apply(*object));
            o.error = pf::errorAfterAlignment(*object, *truth);
        } catch (const std::exception& e) {
            o.failure = QString::fromUtf8(e.what());
        }
        return o;
    }));
}

void TruthPanel::finished() {
    m_running = false;
    const Outcome o = m_watcher.result();
    // A truth or data replaced meanwhile makes this comparison stale: not shown.
    if (o.generation == m_generation && m_truth) {
        if (!o.failure.isEmpty()) {
            m_errorLabel->setText(tr("Not compared: %1").arg(o.failure));
        } else {
            m_compared = o.object;
            m_comparedIteration = o.iteration;
            m_error = o.error;
            m_objectTile->setImage(o.aligned);
            m_errorLabel->setText(errorText());
            emit errorUpdated(o.error, o.iteration);
        }
    }
    if (m_pending) {
        ImagePtr next = std::exchange(m_pending, nullptr);
        launch(std::move(next), m_pendingIteration);
    }
}

QString TruthPanel::errorText() const {
    return tr("Error after alignment (shift, twin, scale): <b>%1</b> at iteration %2")
        .arg(m_error, 0, 'f', 4)
        .arg(m_comparedIteration);
}

} // namespace pf::ui
