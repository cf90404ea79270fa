#include "gui_private/run_models.h"

#include <QColor>
#include <QLocale>
#include <QtConcurrent/QtConcurrentRun>

#include <cmath>

#include <stdexcept>

#include "gui_private/analysis_pool.h"
#include "gui_private/routing_models.h"
#include "gui_private/trace_store.h"

namespace moe::gui {

namespace {

const moe::RunRecord* runAt(const TraceStore* store, int index) {
    const auto& runs = store->runs();
    return index >= 0 && index < static_cast<int>(runs.size()) ? &runs[static_cast<size_t>(index)] : nullptr;
}

QString percent(double share) { return QLocale().toString(100.0 * share, 'f', 1) + QStringLiteral(" %"); }

// FLOPs and bytes as "7.08 M" / "6.75 MiB"; a negative saving keeps its sign.
QString amount(double n, bool bytes) {
    const QString text = bytes ? QLocale().formattedDataSize(static_cast<qint64>(std::abs(n)), 2, QLocale::DataSizeTraditionalFormat)
                               : QLocale().toString(std::abs(n) / 1e6, 'f', 2) + QStringLiteral(" M");
    return n < 0 ? QStringLiteral("−") + text : text;
}

}  // namespace

QString runTokenText(const moe::RunRecord& run, int32_t id) {
    const auto found = run.texts.find(id);
    return found == run.texts.end() ? QStringLiteral("#%1").arg(id) : TokenListModel::displayText(found->second);
}

QString runLabel(const std::vector<moe::RunRecord>& runs, int index) {
    if (index < 0 || index >= static_cast<int>(runs.size())) return {};
    const moe::RunRecord& run = runs[static_cast<size_t>(index)];
    const QString overrides = QString::fromStdString(moe::describe_overrides(run.overrides));
    if (run.kind == moe::RunKind::WhatIf)
        return QObject::tr("#%1 what-if of #%2 · %3").arg(index + 1).arg(run.baseline + 1).arg(overrides);
    QString prompt = QString::fromStdString(run.prompt).simplified();
    if (prompt.size() > 32) prompt = prompt.left(31) + QChar(0x2026);
    return run.overrides.dense || run.overrides.top_k > 0 || !run.overrides.disabled.empty()
               ? QObject::tr("#%1 · %2 · %3").arg(index + 1).arg(prompt, overrides)
               : QObject::tr("#%1 · %2").arg(index + 1).arg(prompt);
}

RunListModel::RunListModel(TraceStore* store, QObject* parent) : QAbstractTableModel(parent), store_(store) {
    rows_ = static_cast<int>(store_->runs().size());
    connect(store_, &TraceStore::runsChanged, this, [this] {
        beginResetModel();
        rows_ = static_cast<int>(store_->runs().size());
        endResetModel();
    });
}

int RunListModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : rows_; }
int RunListModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant RunListModel::data(const QModelIndex& index, int role) const {
    const moe::RunRecord* run = index.isValid() && index.row() < rows_ ? runAt(store_, index.row()) : nullptr;
    if (!run || role != Qt::DisplayRole) return {};
    switch (index.column()) {
    case LabelColumn: return runLabel(store_->runs(), index.row());
    case KindColumn: return run->kind == moe::RunKind::WhatIf ? tr("what-if") : tr("generation");
    case OverridesColumn: return QString::fromStdString(moe::describe_overrides(run->overrides));
    case TokensColumn: return static_cast<int>(run->tokens.size());
    case ModelColumn: return QString::fromStdString(run->model_name);
    default: return {};
    }
}

QVariant RunListModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
    switch (section) {
    case LabelColumn: return tr("Run");
    case KindColumn: return tr("Kind");
    case OverridesColumn: return tr("Routing");
    case TokensColumn: return tr("Tokens");
    case ModelColumn: return tr("Model");
    default: return {};
    }
}

WhatIfModel::WhatIfModel(TraceStore* store, QObject* parent) : QAbstractTableModel(parent), store_(store) {
    connect(store_, &TraceStore::runsChanged, this, &WhatIfModel::refresh);
    refresh();
}

void WhatIfModel::showRun(int index) {
    picked_ = index;
    refresh();
}

void WhatIfModel::refresh() {
    beginResetModel();
    const auto& runs = store_->runs();
    run_ = -1;
    if (const moe::RunRecord* picked = runAt(store_, picked_); picked && picked->kind == moe::RunKind::WhatIf) {
        run_ = picked_;
    } else {
        for (int i = static_cast<int>(runs.size()) - 1; i >= 0 && run_ < 0; --i)
            if (runs[static_cast<size_t>(i)].kind == moe::RunKind::WhatIf) run_ = i;
    }
    endResetModel();
}

const moe::RunRecord* WhatIfModel::record() const { return runAt(store_, run_); }

moe::WhatIfSummary WhatIfModel::summary() const {
    const moe::RunRecord* run = record();
    return run ? moe::summarize_what_if(run->what_if) : moe::WhatIfSummary{};
}

QString WhatIfModel::summaryLine() const {
    const moe::RunRecord* run = record();
    if (!run) return tr("No what-if run yet: set routing overrides and press Run what-if.");
    const moe::WhatIfSummary s = summary();
    const int changed = static_cast<int>(std::lround(s.greedy_changed_share * s.tokens));
    return tr("%1 · mean KL %2 nats · greedy choice changed at %3 of %4 positions (%5) · FLOPs saved %6 (%7) · "
              "weight bytes saved %8 (%9)")
        .arg(runLabel(store_->runs(), run_), QLocale().toString(s.mean_kl, 'g', 4))
        .arg(changed)
        .arg(s.tokens)
        .arg(percent(s.greedy_changed_share), amount(s.flops_saved, false),
             percent(s.flops_baseline > 0 ? s.flops_saved / s.flops_baseline : 0), amount(s.weight_bytes_saved, true),
             percent(s.weight_bytes_baseline > 0 ? s.weight_bytes_saved / s.weight_bytes_baseline : 0));
}

int WhatIfModel::rowCount(const QModelIndex& parent) const {
    const moe::RunRecord* run = record();
    return parent.isValid() || !run ? 0 : static_cast<int>(run->what_if.size());
}

int WhatIfModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant WhatIfModel::data(const QModelIndex& index, int role) const {
    const moe::RunRecord* run = record();
    if (!run || !index.isValid() || index.row() >= static_cast<int>(run->what_if.size())) return {};
    const moe::WhatIfToken& t = run->what_if[static_cast<size_t>(index.row())];
    if (role == ValueRole) {
        switch (index.column()) {
        case PosColumn: return t.pos;
        case KlColumn: return t.kl;
        case DeltaColumn: return t.delta_logprob;
        case GreedyColumn: return t.greedy_changed();
        case RoutingColumn: return t.routing_changed;
        case FlopsColumn: return t.flops_saved;
        case BytesColumn: return t.weight_bytes_saved;
        default: return {};
        }
    }
    if (role == Qt::TextAlignmentRole && index.column() != TokenColumn && index.column() != NextColumn &&
        index.column() != GreedyColumn)
        return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
    if (role != Qt::DisplayRole) return {};
    switch (index.column()) {
    case PosColumn: return t.pos;
    case TokenColumn: return runTokenText(*run, t.token_id);
    case NextColumn: return runTokenText(*run, t.target);
    case KlColumn: return QLocale().toString(t.kl, 'f', 6);
    case DeltaColumn: return QLocale().toString(t.delta_logprob, 'f', 4);
    case GreedyColumn:
        return t.greedy_changed()
                   ? tr("%1 → %2").arg(runTokenText(*run, t.greedy_baseline), runTokenText(*run, t.greedy_what_if))
                   : tr("same");
    case RoutingColumn: return t.routing_changed ? tr("changed") : tr("same");
    case FlopsColumn: return amount(t.flops_saved, false);
    case BytesColumn: return amount(t.weight_bytes_saved, true);
    default: return {};
    }
}

QVariant WhatIfModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
    switch (section) {
    case PosColumn: return tr("Pos");
    case TokenColumn: return tr("Token");
    case NextColumn: return tr("Next token");
    case KlColumn: return tr("KL (nats)");
    case DeltaColumn: return tr("Δ log p(next)");
    case GreedyColumn: return tr("Greedy choice");
    case RoutingColumn: return tr("Routing");
    case FlopsColumn: return tr("FLOPs saved");
    case BytesColumn: return tr("Weight bytes saved");
    default: return {};
    }
}

RunComparisonModel::RunComparisonModel(TraceStore* store, QObject* parent) : QAbstractTableModel(parent), store_(store) {
    connect(&watcher_, &QFutureWatcherBase::finished, this, &RunComparisonModel::onFinished);
    connect(store_, &TraceStore::runsChanged, this, &RunComparisonModel::onRunsChanged);
}

RunComparisonModel::~RunComparisonModel() { watcher_.waitForFinished(); }

void RunComparisonModel::setRuns(int a, int b, int layer) {
    a_ = a;
    b_ = b;
    layer_ = layer;
    request();
}

void RunComparisonModel::setLayer(int layer) {
    layer_ = layer;
    request();
}

void RunComparisonModel::onRunsChanged() {
    ++history_;  // the same indexes may now name other runs (an opened session)
    request();
}

void RunComparisonModel::request() {
    if (watcher_.isRunning()) return;  // onFinished starts the newest request
    const moe::RunRecord* a = runAt(store_, a_);
    const moe::RunRecord* b = runAt(store_, b_);
    if (!a || !b) {
        apply({false, tr("Pick two runs."), {}, {}});
        return;
    }
    running_ = {a_, b_, layer_, history_};
    const QString refusal = tr("These runs cannot be compared: their models have different MoE layers.");
    watcher_.setFuture(QtConcurrent::run(analysisPool(), [ta = a->routing, tb = b->routing, layer = layer_, refusal] {
        lowerThisThreadPriority();
        Result result;
        try {
            result.comparison = moe::analysis::compare_runs(ta, tb);
            if (layer >= 0 && layer < static_cast<int>(result.comparison.layers.size()))
                result.diff = moe::analysis::diff_layer(ta, tb, layer);
            result.valid = true;
        } catch (const std::invalid_argument&) {
            result.problem = refusal;
        }
        return result;
    }));
}

void RunComparisonModel::onFinished() {
    Result result = watcher_.result();
    if (running_ == Request{a_, b_, layer_, history_}) {
        apply(std::move(result));
    } else {
        request();  // superseded: its result is dropped
    }
}

void RunComparisonModel::apply(Result result) {
    beginResetModel();
    result_ = std::move(result);
    endResetModel();
    Q_EMIT computed();
}

int RunComparisonModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() || !result_.valid ? 0 : static_cast<int>(result_.comparison.layers.size());
}

int RunComparisonModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant RunComparisonModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= rowCount()) return {};
    const moe::analysis::LayerAgreement& l = result_.comparison.layers[static_cast<size_t>(index.row())];
    const double value = index.column() == SetColumn    ? l.set_agreement
                         : index.column() == Top1Column ? l.top1_agreement
                                                        : l.jaccard;
    if (role == ValueRole) return index.column() == LayerColumn ? QVariant(l.layer) : QVariant(value);
    if (role == Qt::TextAlignmentRole) return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
    if (role != Qt::DisplayRole) return {};
    if (index.column() == LayerColumn) return l.layer;
    return std::isnan(value) ? QStringLiteral("–") : percent(value);
}

QVariant RunComparisonModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
    switch (section) {
    case LayerColumn: return tr("Layer");
    case SetColumn: return tr("Set agreement");
    case Top1Column: return tr("Top-1 agreement");
    case JaccardColumn: return tr("Jaccard");
    default: return {};
    }
}

QColor membershipColor(moe::analysis::Membership m) {
    switch (m) {
    case moe::analysis::Membership::AOnly: return QColor(0xd9, 0x5f, 0x02);  // orange
    case moe::analysis::Membership::BOnly: return QColor(0x1b, 0x9e, 0x77);  // teal
    case moe::analysis::Membership::Both: return QColor(0x44, 0x44, 0x44);
    case moe::analysis::Membership::Neither: break;
    }
    return QColor(0xf4, 0xf4, 0xf4);
}

QImage diffImage(const moe::analysis::LayerDiff& diff) {
    QImage image(std::max(1, diff.tokens), std::max(1, diff.n_expert), QImage::Format_RGB32);
    image.fill(membershipColor(moe::analysis::Membership::Neither));
    for (int t = 0; t < diff.tokens; ++t)
        for (int e = 0; e < diff.n_expert; ++e) image.setPixelColor(t, e, membershipColor(diff.at(t, e)));
    return image;
}

}  // namespace moe::gui
