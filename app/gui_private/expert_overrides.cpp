#include "gui_private/expert_overrides.h"

namespace moe::gui {

int routedPerToken(const moe::RoutingOverrides& overrides, const moe::ModelInfo& model) {
    if (overrides.dense) return 1;
    return overrides.top_k > 0 ? overrides.top_k : model.n_expert_used;
}

bool canDisableOneMore(const moe::RoutingOverrides& overrides, const moe::ModelInfo& model, int block) {
    int disabled = 0;
    for (const auto& [layer, expert] : overrides.disabled) disabled += layer == block;
    return model.n_expert - disabled - 1 >= routedPerToken(overrides, model);
}

moe::RoutingOverrides withExpertDisabled(moe::RoutingOverrides overrides, const moe::ModelInfo& model, int block,
                                         int expert, bool all_layers) {
    for (const int layer : model.moe_layers) {
        if (!all_layers && layer != block) continue;
        if (overrides.disabled.count({layer, expert}) == 0 && canDisableOneMore(overrides, model, layer))
            overrides.disabled.insert({layer, expert});
    }
    return overrides;
}

moe::RoutingOverrides withExpertEnabled(moe::RoutingOverrides overrides, const moe::ModelInfo& model, int block,
                                        int expert, bool all_layers) {
    for (const int layer : model.moe_layers)
        if (all_layers || layer == block) overrides.disabled.erase({layer, expert});
    return overrides;
}

}  // namespace moe::gui
