#include "phaseforge/ui/step_through_panel.h"

#include "phaseforge/ui/image_tile.h"

#include <phaseforge/support.h>

#include <QHBoxLayout>
#include <QLabel>
#include <QVBoxLayout>

namespace pf::ui {

StepThroughPanel::StepThroughPanel(QWidget* parent) : QWidget(parent), m_headline(new QLabel) {
    const QString captions[StageCount] = {
        tr("1 · iterate g"),
        tr("2 · |G| = |FFT g| (log)"),
        tr("3 · magnitudes replaced: |G′| (log)"),
        tr("4 · g′ = Re IFFT G′"),
        tr("5 · after the constraints"),
    };
    const QString tips[StageCount] = {
        tr("The start's current iterate, as the engine holds it"),
        tr("Its Fourier transform's magnitude, zero frequency in the centre, log scale"),
        tr("The magnitude projection: measured magnitudes replace |G|, the phases are kept "
           "(unmeasured and held-out pixels keep |G|)"),
        tr("Back to real space: the output g′ of the Fourier projection"),
        tr("The rule of the next iteration applied to g and g′ under the support in force: "
           "what the engine's next iteration makes"),
    };
    auto* row = new QHBoxLayout;
    for (int i = 0; i < StageCount; ++i) {
        auto* t = new ImageTile;
        t->setCaption(captions[i]);
        t->setToolTip(tips[i]);
        row->addWidget(t);
        m_tiles[std::size_t(i)] = t;
    }
    m_headline->setWordWrap(true);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(2, 2, 2, 2);
    layout->addWidget(m_headline);
    layout->addLayout(row, 1);
    clear(tr("Pause the run, or Step (S): the stages of the next iteration appear here."));
}

void StepThroughPanel::clear(const QString& why) {
    m_stages.reset();
    for (ImageTile* t : m_tiles) {
        t->setImage(nullptr);
        t->setPlaceholder(QString());
    }
    m_headline->setText(why);
}

void StepThroughPanel::setStages(StagesPtr stages) {
    if (!stages)
        return;
    if (stages->iterate.empty()) {
        clear(stages->iteration == 0
                  ? tr("Iteration 0: the first iteration applies the constraints to the starting "
                       "guess itself. Step (S) once; from then on every Step shows here the "
                       "stages of the iteration it will run next.")
                  : tr("The schedule is done after %1 iterations: there is no next iteration "
                       "to show.")
                        .arg(stages->iteration));
        return;
    }
    m_stages = stages;
    const IterationStages& s = *stages;
    const auto share = [&stages](const ImageF& image) {
        return std::shared_ptr<const ImageF>(stages, &image); // lives as long as the stages
    };
    m_tiles[Iterate]->setImage(share(s.iterate));
    m_tiles[Spectrum]->setImage(share(s.spectrum), true);
    m_tiles[Projected]->setImage(share(s.projected), true);
    m_tiles[Output]->setImage(share(s.output));
    m_tiles[Constrained]->setImage(share(s.constrained));
    const long long supportPixels =
        s.support.empty() ? (long long)s.iterate.shape.size() : (long long)pf::countOnes(s.support);
    const pf::AlgorithmInfo& rule = pf::algorithmInfo(s.step.algorithm);
    QString text = tr("<b>Iteration %1</b> of start %2: <b>%3</b>")
                       .arg(s.iteration + 1)
                       .arg(s.start)
                       .arg(QString::fromLatin1(rule.name.data(), int(rule.name.size())));
    if (rule.usesBeta)
        text += tr(", β = %1").arg(double(s.step.beta), 0, 'g', 3);
    text +=
        tr(" — %1; support %2 pixels. Step (S) runs exactly this iteration.")
            .arg(QString::fromUtf8(rule.formula.data(), int(rule.formula.size())).toHtmlEscaped())
            .arg(supportPixels);
    m_headline->setText(text);
}

QString StepThroughPanel::headline() const {
    return m_headline->text();
}

} // namespace pf::ui
