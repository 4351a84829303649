#include "phaseforge/ui/starts_panel.h"

#include "phaseforge/ui/image_tile.h"
#include "phaseforge/ui/prtf_plot.h"

#include <QGridLayout>
#include <QLabel>
#include <QScrollArea>
#include <QSplitter>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace pf::ui {

namespace {
constexpr int kColumns = 4;
const QColor kKeptColour(40, 170, 60);

QString errorText(float e) {
    return std::isfinite(e) ? QString::number(double(e), 'e', 2) : QStringLiteral("—");
}
} // namespace

StartsPanel::StartsPanel(QWidget* parent)
    : QWidget(parent), m_grid(new QGridLayout), m_average(new ImageTile), m_plot(new PrtfPlot),
      m_resolution(new QLabel) {
    auto* tiles = new QWidget;
    tiles->setLayout(m_grid);
    m_grid->setSpacing(4);
    auto* scroll = new QScrollArea;
    scroll->setWidget(tiles);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setMinimumHeight(200); // two rows of thumbnails

    m_average->setCaption(tr("average of the kept starts"));
    m_average->setPlaceholder(tr("The average appears at a pause or at the end of the run"));
    m_average->setToolTip(tr("The recipe's answer: the kept starts aligned on the best (shift "
                             "and twin), averaged and centred"));

    m_plot->setToolTip(tr("Phase-retrieval transfer function of the kept starts: 1 where they "
                          "agree with the data and with each other, falling where their phases "
                          "disagree. The red line marks where it falls below 1/e (dashed): the "
                          "resolution."));
    m_resolution->setWordWrap(true);

    auto* bottom = new QWidget;
    auto* bottomLayout = new QVBoxLayout(bottom);
    bottomLayout->setContentsMargins(0, 0, 0, 0);
    bottomLayout->addWidget(m_plot, 1);
    bottomLayout->addWidget(m_resolution);
    auto* split = new QSplitter(Qt::Vertical);
    split->addWidget(scroll);
    split->addWidget(bottom);
    split->setChildrenCollapsible(false);
    split->setStretchFactor(0, 3); // the thumbnails first
    split->setStretchFactor(1, 2);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(2, 2, 2, 2);
    layout->addWidget(split);
    clear(0);
}

void StartsPanel::clear(int starts) {
    for (ImageTile* t : m_tiles) {
        m_grid->removeWidget(t);
        delete t;
    }
    m_tiles.clear();
    m_starts.reset();
    m_fourier.assign(std::size_t(std::max(starts, 0)), std::nanf(""));
    m_free = m_fourier;
    m_rank.assign(m_fourier.size(), -1);
    for (int k = 0; k < starts; ++k) {
        auto* tile = new ImageTile;
        tile->setPlaceholder(tr("shown at a pause or at the end"));
        tile->setToolTip(tr("Start %1's object estimate, aligned on the best start's").arg(k));
        m_grid->addWidget(tile, k / kColumns, k % kColumns);
        m_tiles.push_back(tile);
        updateCaption(k);
    }
    m_grid->removeWidget(m_average);
    m_grid->addWidget(m_average, (starts + kColumns - 1) / kColumns, 0, 1, std::min(2, kColumns));
    m_average->setImage(nullptr);
    m_plot->clear();
    m_resolution->setText(tr("The PRTF of the kept starts appears at a pause or at the end of "
                             "the run."));
}

void StartsPanel::appendMetrics(const MetricsList& records) {
    std::vector<bool> changed(m_fourier.size(), false);
    for (const pf::MetricsRecord& r : records) {
        if (r.start < 0 || r.start >= int(m_fourier.size()))
            continue;
        m_fourier[std::size_t(r.start)] = r.fourierError;
        changed[std::size_t(r.start)] = true;
    }
    for (int k = 0; k < int(changed.size()); ++k)
        if (changed[std::size_t(k)])
            updateCaption(k);
}

void StartsPanel::setStarts(StartObjectsPtr starts) {
    if (!starts || !starts->result)
        return;
    const pf::Result& r = *starts->result;
    const int count = int(starts->objects.size());
    if (count != startCount())
        clear(count);
    m_starts = starts;
    std::fill(m_rank.begin(), m_rank.end(), -1);
    for (std::size_t i = 0; i < r.kept.size(); ++i)
        if (r.kept[i] >= 0 && r.kept[i] < count)
            m_rank[std::size_t(r.kept[i])] = int(i);
    for (int k = 0; k < count; ++k) {
        // The result's own numbers, not the live ones: they belong together.
        if (std::size_t(k) < r.finalErrors.size())
            m_fourier[std::size_t(k)] = r.finalErrors[std::size_t(k)];
        if (std::size_t(k) < r.freeErrors.size())
            m_free[std::size_t(k)] = r.freeErrors[std::size_t(k)];
        ImageTile* tile = m_tiles[std::size_t(k)];
        tile->setImage(std::make_shared<const ImageF>(starts->objects[std::size_t(k)]));
        tile->setHighlight(isKept(k) ? kKeptColour : QColor());
        updateCaption(k);
    }
    m_average->setImage(std::make_shared<const ImageF>(r.object));
    m_average->setCaption(
        tr("average of the %n kept start(s), iteration %1", nullptr, int(r.kept.size()))
            .arg(r.iterations));
    showPrtf(r);
}

bool StartsPanel::isKept(int k) const {
    return k >= 0 && k < int(m_rank.size()) && m_rank[std::size_t(k)] >= 0;
}

void StartsPanel::updateCaption(int k) {
    const std::size_t i = std::size_t(k);
    QString head = tr("start %1").arg(k);
    if (m_rank[i] == 0)
        head += tr(" · best · kept");
    else if (m_rank[i] > 0)
        head += tr(" · kept");
    m_tiles[i]->setCaption(
        head + QLatin1Char('\n') +
        tr("free %1 · Fourier %2").arg(errorText(m_free[i]), errorText(m_fourier[i])));
}

void StartsPanel::showPrtf(const pf::Result& r) {
    const pf::Prtf& p = r.prtf;
    m_plot->setPrtf(p);
    const double q = p.resolutionFrequency;
    QString text = q >= 0.5 ? tr("The PRTF stays above 1/e up to Nyquist (0.5 cycles per pixel): "
                                 "resolution at least 1 pixel (half period).")
                            : tr("Resolution: the PRTF falls below 1/e at %1 cycles per pixel, "
                                 "a half period of %2 pixels.")
                                  .arg(q, 0, 'f', 3)
                                  .arg(1.0 / (2.0 * q), 0, 'f', 1);
    if (std::any_of(p.value.begin(), p.value.end(), [](double v) { return v > 1.1; }))
        text += tr(" Above 1 the starts carry more than the data hold there (weak magnitudes): "
                   "those rings say little about resolution.");
    if (r.kept.size() < 2)
        text += tr(" Only one start is kept: this PRTF compares it with the data alone, not "
                   "with other starts.");
    m_resolution->setText(text);
}

QString StartsPanel::resolutionText() const {
    return m_resolution->text();
}

} // namespace pf::ui
