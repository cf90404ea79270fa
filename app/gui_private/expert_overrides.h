// Editing the routing overrides from a heatmap's context menu: disable or enable one expert in
// one MoE layer or in all of them, never leaving a layer fewer experts than it routes to.
#pragma once

#include "engine/engine.h"

namespace moe::gui {

// The experts each token is routed to under `overrides` (1 in dense mode: any one will do).
int routedPerToken(const moe::RoutingOverrides& overrides, const moe::ModelInfo& model);
// Whether one more expert can be disabled in MoE block `block`.
bool canDisableOneMore(const moe::RoutingOverrides& overrides, const moe::ModelInfo& model, int block);
// `expert` disabled in `block`, or in every MoE block that can spare it when all_layers.
moe::RoutingOverrides withExpertDisabled(moe::RoutingOverrides overrides, const moe::ModelInfo& model, int block,
                                         int expert, bool all_layers);
// `expert` enabled again in `block`, or in every block when all_layers.
moe::RoutingOverrides withExpertEnabled(moe::RoutingOverrides overrides, const moe::ModelInfo& model, int block,
                                        int expert, bool all_layers);

}  // namespace moe::gui
