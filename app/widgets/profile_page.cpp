#include "widgets/profile_page.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>

#include <cmath>

#include "gui_private/inference_worker.h"
#include "gui_private/profile_models.h"
#include "gui_private/trace_store.h"
#include "widgets/expert_map_view.h"
#include "widgets/heatmap_view.h"
#include "widgets/profile_dialog.h"
#include "widgets/translated.h"
#include "widgets/view_panel.h"

namespace moe::gui {

namespace {
QString duration(double seconds) {
    const int s = static_cast<int>(std::lround(seconds));
    return QStringLiteral("%1:%2").arg(s / 60).arg(s % 60, 2, 10, QLatin1Char('0'));
}
}  // namespace

ProfilePage::ProfilePage(TraceStore* store, InferenceController* controller, QWidget* parent)
    : Page(store, parent),
      controller_(controller),
      runner_(new ProfileRunner(store, this)),
      domain_share_(new DomainShareModel(runner_, store, this)),
      layers_(new ProfileLayersModel(runner_, store, this)),
      map_(new ExpertMapModel(runner_, store, this)),
      expert_layers_(new ExpertLayersModel(runner_, store, this)),
      expert_tokens_(new ExpertTokensModel(runner_, store, this)) {
    status_ = new QLabel;
    status_->setWordWrap(true);
    progress_ = new QProgressBar;
    progress_->setMaximumWidth(200);
    progress_->setTextVisible(false);
    progress_label_ = new QLabel;
    cancel_ = withText(this, new QPushButton, QT_TR_NOOP("Cancel"));
    withToolTip(this, cancel_, QT_TR_NOOP("Stop profiling; the previous profile stays"));
    choose_ = withText(this, new QPushButton, QT_TR_NOOP("Profile Corpus…"));
    withToolTip(this, choose_, QT_TR_NOOP("Pick files or folders, name their domains, and profile them"));
    bundled_ = withText(this, new QPushButton, QT_TR_NOOP("Profile the Bundled Samples"));
    withToolTip(this, bundled_, QT_TR_NOOP("English, Chinese, code and arithmetic samples (resources/corpus/) in one click"));
    connect(choose_, &QPushButton::clicked, this, &ProfilePage::chooseCorpus);
    connect(bundled_, &QPushButton::clicked, this, [this] { startProfile(bundledProfileRequest()); });
    connect(cancel_, &QPushButton::clicked, this, &ProfilePage::cancelProfile);
    auto* bar = new QHBoxLayout;
    bar->setContentsMargins(6, 4, 6, 4);
    bar->addWidget(status_, 1);
    bar->addWidget(progress_);
    bar->addWidget(progress_label_);
    bar->addWidget(cancel_);
    bar->addWidget(choose_);
    bar->addWidget(bundled_);

    domain_view_ = new HeatmapView;
    domain_view_->setModel(domain_share_, false, false, 1.0);
    domain_view_->setLegendTitle(QStringLiteral("share"));
    domain_panel_ = addPanel(QT_TR_NOOP("Domain × expert"), domain_view_,
                             QT_TR_NOOP("The share of each domain's tokens that the expert handles in the selected layer; "
                                        "a router blind to domains gives every cell k/N. Right-click an expert to disable it."));
    QTableView* layer_table = addTable(layers_, false);
    connect(layer_table, &QTableView::clicked, this, [this](const QModelIndex& i) { store_->selectLayer(i.row()); });
    layers_panel_ = addTablePanel(QT_TR_NOOP("Specialisation per layer"), layer_table,
                                  QT_TR_NOOP("Mutual information between domain and rank-0 expert, and each domain's busiest expert with its share."),
                                  QT_TR_NOOP("click a row for its layer, a domain's cell for its expert"));

    map_view_ = new ExpertMapView(map_);
    connect(map_view_, &ExpertMapView::expertClicked, store_, &TraceStore::selectExpert);
    map_panel_ = addPanel(QT_TR_NOOP("Expert map"), map_view_,
                          QT_TR_NOOP("Every expert of the selected layer placed by PCA of its share of each domain and of frequent tokens: "
                                     "experts that serve the same inputs land close together."));
    addCsvButton(map_panel_, map_);
    expert_layers_panel_ = addTablePanel(QT_TR_NOOP("Expert in every layer (profile)"), addTable(expert_layers_, false),
                                         QT_TR_NOOP("The selected expert's load, share and rank in each MoE layer over the corpus."));
    expert_tokens_panel_ = addTablePanel(QT_TR_NOOP("Expert's top tokens (profile)"), addTable(expert_tokens_, false),
                                         QT_TR_NOOP("The corpus tokens the selected expert handles most often, and most consistently."));

    auto* left = new QSplitter(Qt::Vertical);
    left->addWidget(layers_panel_);
    left->addWidget(domain_panel_);
    left->setSizes({170, 430});  // four to sixty rows; the heatmap needs the height
    auto* inspector = new QSplitter(Qt::Horizontal);
    inspector->addWidget(expert_layers_panel_);
    inspector->addWidget(expert_tokens_panel_);
    auto* right = new QSplitter(Qt::Vertical);
    right->addWidget(map_panel_);
    right->addWidget(inspector);
    right->setSizes({380, 220});
    auto* columns = new QSplitter(Qt::Horizontal);
    columns->addWidget(left);
    columns->addWidget(right);
    columns->setSizes({680, 520});
    columns->setStretchFactor(0, 4);  // the table's domain columns stay in view
    columns->setStretchFactor(1, 3);
    left->setMinimumWidth(470);
    columns->setChildrenCollapsible(false);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(bar);
    layout->addWidget(columns, 1);

    connect(runner_, &AnalysisSource::updated, this, &ProfilePage::updateViews);
    connect(store_, &TraceStore::selectedLayerChanged, this, &ProfilePage::updateViews);
    connect(store_, &TraceStore::selectedExpertChanged, this, &ProfilePage::updateViews);
    connect(store_, &TraceStore::profileChanged, this, &ProfilePage::updateViews);
    connect(controller_, &InferenceController::stateChanged, this, &ProfilePage::updateButtons);
    connect(controller_, &InferenceController::modelLoaded, this, &ProfilePage::updateButtons);
    connect(controller_, &InferenceController::profileProgress, this, &ProfilePage::onProgress);
    connect(controller_, &InferenceController::profileFinished, this, &ProfilePage::onFinished);
    updateButtons();
    followStore();
}

void ProfilePage::chooseCorpus() {
    ProfileDialog dialog(this);
    if (dialog.exec() == QDialog::Accepted) startProfile(dialog.request());
}

void ProfilePage::startProfile(const ProfileRequest& request) {
    if (!controller_->hasModel() || controller_->state() != InferenceController::State::Idle) return;
    outcome_.clear();
    clock_.start();
    progress_->setRange(0, 0);
    progress_label_->setText(tr("reading the corpus…"));
    controller_->profileCorpus(request);
    updateViews();
}

void ProfilePage::cancelProfile() {
    if (controller_->state() == InferenceController::State::Profiling) controller_->stop();
}

void ProfilePage::onProgress(qint64 done, qint64 total) {
    progress_->setRange(0, 1000);
    progress_->setValue(total > 0 ? static_cast<int>(1000 * done / total) : 0);
    const double seconds = clock_.elapsed() / 1000.0;
    const double rate = seconds > 0 ? done / seconds : 0.0;
    progress_label_->setText(tr("%1 of %2 tokens · %3 tok/s · %4 left")
                                 .arg(done)
                                 .arg(total)
                                 .arg(rate, 0, 'f', 0)
                                 .arg(rate > 0 ? duration((total - done) / rate) : QStringLiteral("–")));
}

void ProfilePage::onFinished(const QString& error, bool cancelled) {
    outcome_ = !error.isEmpty() ? tr("Could not profile the corpus: %1").arg(error)
               : cancelled      ? tr("Profiling cancelled; the previous profile is kept.")
                                : tr("Profiled in %1.").arg(duration(clock_.elapsed() / 1000.0));
    updateViews();
}

QString ProfilePage::progressText() const { return progress_label_->text(); }
QString ProfilePage::statusText() const { return status_->text(); }

void ProfilePage::onStoreReset() { updateViews(); }

void ProfilePage::updateButtons() {
    const bool profiling = controller_->state() == InferenceController::State::Profiling;
    const bool can_start = controller_->hasModel() && controller_->state() == InferenceController::State::Idle;
    choose_->setEnabled(can_start);
    bundled_->setEnabled(can_start);
    progress_->setVisible(profiling);
    progress_label_->setVisible(profiling);
    cancel_->setVisible(profiling);
    updateViews();
}

void ProfilePage::updateViews() {
    const auto profile = runner_->profile();
    const auto* layer = domain_share_->layerReport();
    const bool profiling = controller_->state() == InferenceController::State::Profiling;
    QString status;
    if (profiling) status = tr("Profiling the corpus on the inference thread…");
    else if (!profile && store_->document().profile) status = tr("Analysing the profile…");
    else if (!profile && !controller_->hasModel()) status = tr("No corpus profile. Load a model, then File → Profile Corpus….");
    else if (!profile) status = tr("No corpus profile yet: File → Profile Corpus…, or profile the bundled samples.");
    else
        status = tr("%1 tokens in %2 windows, domains: %3.")
                     .arg(profile->report.tokens)
                     .arg(profile->report.sequences)
                     .arg(map_->domainNames().isEmpty() ? tr("none") : map_->domainNames().join(QStringLiteral(", ")));
    if (!outcome_.isEmpty()) status += QLatin1Char(' ') + outcome_;
    status_->setText(status);

    const int expert = store_->selectedExpert();
    map_view_->setSelectedExpert(expert);
    if (!layer) {
        for (ViewPanel* panel : {domain_panel_, map_panel_, expert_layers_panel_, expert_tokens_panel_}) panel->setSubtitle(tr("no profile"));
        return;
    }
    domain_panel_->setSubtitle(tr("layer %1; k/N = %2%").arg(layer->layer).arg(100.0 * domain_share_->baseline(), 0, 'f', 1));
    const auto* map = map_->map();
    map_panel_->setSubtitle(tr("layer %1: colour = dominant domain, size = load; %2% of the variance shown; click a point to inspect it")
                                .arg(layer->layer)
                                .arg(map ? 100.0 * (map->explained[0] + map->explained[1]) : 0.0, 0, 'f', 0));
    expert_layers_panel_->setSubtitle(tr("E%1").arg(expert));
    expert_tokens_panel_->setSubtitle(tr("E%1 in layer %2").arg(expert).arg(layer->layer));
}

}  // namespace moe::gui
