// Expert pruning (`moescope-cli prune`): a copy of a GGUF model that keeps, in every MoE layer,
// the M experts a routing profile found most loaded. Expert tensors, their biases, the
// selection bias and the router rows are sliced along the expert dimension; everything else
// is copied byte for byte.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace moe {

// Metadata the pruned file carries: per MoE layer the original ids of the kept experts, in
// the order they now take (ascending), as an INT32 array; and the original expert count.
std::string pruned_kept_experts_key(int layer);  // "moescope.pruned.kept_experts.<layer>"
inline constexpr const char* kPrunedFromExpertCountKey = "moescope.pruned.source_expert_count";

// Expert loads per MoE block index from a `profile --json` file: `n_expert` and
// `layers[].{layer, load}`. Throws EngineError naming the file and the problem.
struct ExpertLoads {
    int n_expert = 0;
    std::map<int, std::vector<double>> by_layer;  // block index -> (n_expert) load
};
ExpertLoads read_expert_loads(const std::string& profile_path);

// The `keep` experts with the largest load (ties to the lower id), in ascending id order.
std::vector<int> most_loaded_experts(const std::vector<double>& load, int keep);

struct PruneResult {
    int n_expert_before = 0, n_expert_after = 0;
    int n_used_before = 0, n_used_after = 0;
    std::map<int, std::vector<int>> kept;  // block index -> kept original ids
    int tensors_sliced = 0;
};

// Writes the pruned model to `output_path` atomically. Throws EngineError when keep is not in
// 1..n_expert, the profile does not match the model (expert count, a MoE layer missing), the
// model groups its experts (DeepSeek-V3's group-limited routing needs whole groups), or an
// expert tensor's last dimension is not the expert count.
PruneResult prune_experts(const std::string& model_path, const ExpertLoads& loads, int keep,
                          const std::string& output_path);

}  // namespace moe
