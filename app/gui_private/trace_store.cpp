#include "gui_private/trace_store.h"

#include <QPoint>
#include <QVariant>

#include <algorithm>

namespace moe::gui {

TraceStore::TraceStore(QObject* parent) : QObject(parent) {}

const moe::LayerRouting* TraceStore::routing(int token, int moe_layer) const {
    if (token < 0 || token >= tokenCount() || moe_layer < 0) return nullptr;
    const auto& layers = doc_.tokens[static_cast<size_t>(token)].moe_layers;
    return moe_layer < static_cast<int>(layers.size()) ? &layers[static_cast<size_t>(moe_layer)] : nullptr;
}

int TraceStore::topExpert(int token, int moe_layer) const {
    const auto* r = routing(token, moe_layer);
    return r && !r->experts.empty() ? r->experts.front() : -1;
}

bool TraceStore::isDisabled(int moe_layer, int expert) const {
    if (moe_layer < 0 || moe_layer >= moeLayerCount()) return false;
    return doc_.overrides.disabled.count({blockOfMoeLayer(moe_layer), expert}) > 0;
}

void TraceStore::swapIn(SessionDocument doc, bool opened) {
    Q_EMIT aboutToReset();
    // A new run or model keeps the history, and the profile while the experts are the same;
    // an opened session brings its own.
    if (!opened && doc.runs.empty()) doc.runs = std::move(doc_.runs);
    if (!opened) doc.overrides = doc_.overrides;
    const bool same_shape = doc_.profile && doc_.profile->n_expert == doc.model.n_expert &&
                            doc_.profile->layers == doc.model.moe_layers;
    if (!opened && !doc.profile && same_shape) doc.profile = doc_.profile;
    const bool new_profile = doc.profile != doc_.profile;
    doc_ = std::move(doc);
    load_.assign(static_cast<size_t>(std::max(0, moeLayerCount() * expertCount())), 0);
    routed_tokens_ = 0;
    for (const auto& t : doc_.tokens) countLoad(t);
    selected_token_ = -1;
    if (selected_layer_ >= moeLayerCount()) selected_layer_ = 0;
    if (selected_expert_ >= expertCount()) selected_expert_ = 0;
    Q_EMIT resetDone();
    Q_EMIT selectedLayerChanged(selected_layer_);
    Q_EMIT selectedTokenChanged(selectedToken());
    if (new_profile) Q_EMIT profileChanged();
}

void TraceStore::resetModel(const moe::ModelInfo& info) {
    SessionDocument doc;
    doc.model = info;
    swapIn(std::move(doc));
    setOverrides({});  // layers and experts of another model
}

void TraceStore::beginRun(const moe::ModelInfo& info, const moe::GenerationRequest& request) {
    SessionDocument doc;
    doc.model = info;
    doc.request = request;
    swapIn(std::move(doc));
}

void TraceStore::setDocument(SessionDocument doc) {
    swapIn(std::move(doc), /*opened=*/true);
    Q_EMIT runsChanged();
    Q_EMIT overridesChanged();
}

void TraceStore::addRun(moe::RunRecord run, bool current) {
    doc_.runs.push_back(std::move(run));
    if (current) doc_.current_run = static_cast<int>(doc_.runs.size()) - 1;
    Q_EMIT runsChanged();
}

void TraceStore::setOverrides(const moe::RoutingOverrides& overrides) {
    doc_.overrides = overrides;
    Q_EMIT overridesChanged();
}

void TraceStore::setProfile(std::shared_ptr<const moe::analysis::RoutingTable> profile) {
    doc_.profile = std::move(profile);
    Q_EMIT profileChanged();
}

void TraceStore::countLoad(const moe::TokenTrace& trace) {
    const int n_moe = std::min(moeLayerCount(), static_cast<int>(trace.moe_layers.size()));
    if (n_moe == 0) return;
    ++routed_tokens_;
    for (int l = 0; l < n_moe; ++l) {
        for (int e : trace.moe_layers[static_cast<size_t>(l)].experts) {
            if (e >= 0 && e < expertCount()) ++load_[static_cast<size_t>(l * expertCount() + e)];
        }
    }
}

void TraceStore::appendTokens(const std::vector<moe::TokenTrace>& batch) {
    if (batch.empty()) return;
    const int first = tokenCount();
    const int last = first + static_cast<int>(batch.size()) - 1;
    Q_EMIT tokensAboutToBeAppended(first, last);
    doc_.tokens.insert(doc_.tokens.end(), batch.begin(), batch.end());
    for (const auto& t : batch) countLoad(t);
    Q_EMIT tokensAppended(first, last);
    if (followsLatest()) Q_EMIT selectedTokenChanged(last);
}

void TraceStore::appendText(const QString& text) {
    if (text.isEmpty()) return;
    doc_.generated_text += text;
    Q_EMIT textAppended(text);
}

void TraceStore::setStats(const GenerationStats& stats) {
    doc_.stats = stats;
    Q_EMIT statsChanged();
}

int TraceStore::selectedToken() const {
    return followsLatest() ? tokenCount() - 1 : selected_token_;
}

void TraceStore::selectToken(int index) {
    if (index >= tokenCount()) index = -1;
    if (index == selected_token_) return;
    selected_token_ = std::max(-1, index);
    Q_EMIT selectedTokenChanged(selectedToken());
}

void TraceStore::selectLayer(int moe_layer) {
    if (moe_layer < 0 || moe_layer >= moeLayerCount() || moe_layer == selected_layer_) return;
    selected_layer_ = moe_layer;
    Q_EMIT selectedLayerChanged(selected_layer_);
}

void TraceStore::selectExpertCell(const QVariant& cell) {
    if (cell.typeId() != QMetaType::QPoint) return;
    selectLayer(cell.toPoint().x());
    selectExpert(cell.toPoint().y());
}

void TraceStore::selectExpert(int expert) {
    if (expert < 0 || expert >= expertCount() || expert == selected_expert_) return;
    selected_expert_ = expert;
    Q_EMIT selectedExpertChanged(selected_expert_);
}

}  // namespace moe::gui
