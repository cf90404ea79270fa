// The session document on the GUI thread: the model's description, the request, the streamed
// trace and text, and the selection (token, layer) that every view follows.
// Models observe it; only the InferenceController and the session loader mutate it.
#pragma once

#include <QObject>
#include <QString>

#include <memory>
#include <vector>

#include "analysis/routing_table.h"
#include "engine/engine.h"
#include "evaluation/run_record.h"
#include "gui_private/gui_types.h"

namespace moe::gui {

// Everything a saved session holds; also what the store swaps in at once when one is opened.
struct SessionDocument {
    moe::ModelInfo model;
    moe::GenerationRequest request;
    QString generated_text;
    GenerationStats stats;
    std::vector<moe::TokenTrace> tokens;
    // The trace this session was opened from (File → Open Trace), null for runs and sessions.
    std::shared_ptr<const moe::analysis::RoutingTable> imported;
    // Every run of the session (generations and what-ifs), oldest first, and the one the
    // trace above belongs to (-1: none, e.g. an imported trace or an older session file).
    std::vector<moe::RunRecord> runs;
    int current_run = -1;
    // The model's corpus profile (File → Profile Corpus…): chosen experts with domains; null
    // without one. Kept across runs, and across models of the same MoE shape.
    std::shared_ptr<const moe::analysis::RoutingTable> profile;
    // The routing overrides being edited for the next run or what-if (the prompt panel's
    // top-k and dense mode, the experts disabled from a heatmap). Kept across runs.
    moe::RoutingOverrides overrides;
};

class TraceStore : public QObject {
    Q_OBJECT
public:
    explicit TraceStore(QObject* parent = nullptr);

    const SessionDocument& document() const { return doc_; }
    const moe::ModelInfo& modelInfo() const { return doc_.model; }
    const std::vector<moe::TokenTrace>& tokens() const { return doc_.tokens; }
    int tokenCount() const { return static_cast<int>(doc_.tokens.size()); }
    const moe::TokenTrace& token(int index) const { return doc_.tokens[static_cast<size_t>(index)]; }

    int layerCount() const { return doc_.model.n_layer; }
    int moeLayerCount() const { return static_cast<int>(doc_.model.moe_layers.size()); }
    int blockOfMoeLayer(int moe_layer) const { return doc_.model.moe_layers[static_cast<size_t>(moe_layer)]; }
    int expertCount() const { return doc_.model.n_expert; }
    int sharedExpertCount() const { return doc_.model.n_expert_shared; }

    // The router's decision for one token in one MoE layer (index into moe_layers), or null.
    const moe::LayerRouting* routing(int token, int moe_layer) const;
    // Rank-0 expert of a token in a MoE layer, -1 when there is none.
    int topExpert(int token, int moe_layer) const;
    // How many tokens chose `expert` in `moe_layer`, over every token in the session.
    int expertLoad(int moe_layer, int expert) const {
        return load_[static_cast<size_t>(moe_layer * expertCount() + expert)];
    }
    int routedTokenCount() const { return routed_tokens_; }

    // The run history and the routing overrides the next run or what-if will use; views hatch
    // the disabled experts.
    const std::vector<moe::RunRecord>& runs() const { return doc_.runs; }
    int currentRun() const { return doc_.current_run; }
    const moe::RoutingOverrides& overrides() const { return doc_.overrides; }
    bool isDisabled(int moe_layer, int expert) const;

    // Mutation (GUI thread only).
    void resetModel(const moe::ModelInfo& info);  // a new model: forget the run
    void beginRun(const moe::ModelInfo& info, const moe::GenerationRequest& request);
    void appendTokens(const std::vector<moe::TokenTrace>& batch);
    void appendText(const QString& text);
    void setStats(const GenerationStats& stats);
    void setDocument(SessionDocument doc);  // an opened session, swapped in with one reset
    void addRun(moe::RunRecord run, bool current);  // current: the trace shown is this run's
    void setOverrides(const moe::RoutingOverrides& overrides);
    void setProfile(std::shared_ptr<const moe::analysis::RoutingTable> profile);

    // Selection shared by every view. While following, the selected token is the newest one.
    int selectedToken() const;
    bool followsLatest() const { return selected_token_ < 0; }
    void selectToken(int index);  // -1: follow the newest token
    int selectedLayer() const { return selected_layer_; }  // index into moe layers
    void selectLayer(int moe_layer);
    int selectedExpert() const { return selected_expert_; }  // routed expert the inspector shows
    void selectExpert(int expert);
    // A cell that names a routed expert (ExpertCellRole: QPoint(MoE layer, expert)) selects its
    // layer and expert, so the inspector shows it; anything else is ignored.
    void selectExpertCell(const QVariant& cell);

Q_SIGNALS:
    void aboutToReset();
    void resetDone();
    void tokensAboutToBeAppended(int first, int last);
    void tokensAppended(int first, int last);
    void textAppended(const QString& text);
    void statsChanged();
    void selectedTokenChanged(int token);
    void selectedLayerChanged(int moe_layer);
    void selectedExpertChanged(int expert);
    void runsChanged();
    void overridesChanged();
    void profileChanged();  // also after a reset that brought another profile

private:
    void swapIn(SessionDocument doc, bool opened = false);
    void countLoad(const moe::TokenTrace& trace);

    SessionDocument doc_;
    std::vector<int> load_;  // (n_moe_layer, n_expert) tokens that chose each expert
    int routed_tokens_ = 0;
    int selected_token_ = -1;
    int selected_expert_ = 0;
    int selected_layer_ = 0;
};

}  // namespace moe::gui
