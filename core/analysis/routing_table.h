// A routing trace as a table: for every evaluated token, the experts each MoE layer chose.
// Every trace source produces one (the live TokenTrace stream, the routing CSV, .npz, vLLM
// response JSON) and the analysis reads it, so all sources give the same numbers.
// Expert ids take 2 bytes each: a 100k-token × 61-layer × top-8 trace is about 100 MB.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace moe::analysis {

using ExpertId = uint16_t;
constexpr ExpertId kNoExpert = 0xFFFF;  // an unused slot of a chosen set smaller than max_k
constexpr int kMaxExperts = 0xFFFF;     // ids must be below this (and below n_expert)
// The largest id a reader accepts when the trace does not give n_expert: n_expert becomes the
// largest id + 1, which must stay below kMaxExperts.
constexpr int kLargestInferredExpertId = kMaxExperts - 2;

struct RoutingTable {
    int n_expert = 0;          // routed experts per MoE layer
    int max_k = 0;             // slots per (token, layer); sets smaller than this end in kNoExpert
    std::vector<int> layers;   // (moe_layers) block index of each MoE layer, ascending
    std::string model;         // model name or file, when the source says

    // Per token, in evaluation order. `sequence` ids grow; two consecutive rows are a
    // consecutive pair only when their sequence ids are equal (one run, document or window).
    std::vector<int32_t> token_ids;     // (tokens) -1 when the source has no ids
    std::vector<int32_t> positions;     // (tokens)
    std::vector<uint32_t> sequences;    // (tokens)
    std::vector<std::string> texts;     // (tokens) raw token bytes, or empty when unknown
    std::vector<int16_t> domains;       // (tokens) index into domain_names, -1 none; or empty
    std::vector<std::string> domain_names;

    // (tokens, moe_layers, max_k) chosen experts in rank order (rank 0 first).
    std::vector<ExpertId> experts;
    // (tokens, moe_layers, max_k) output weights, or empty when the source has none.
    std::vector<float> weights;
    // (tokens, moe_layers, n_expert) full router probabilities, or empty when unknown
    // (imported traces usually have only the chosen ids).
    std::vector<float> probs;

    size_t token_count() const { return token_ids.size(); }
    int layer_count() const { return static_cast<int>(layers.size()); }
    // The chosen set of (token, layer): max_k slots, trailing kNoExpert when smaller.
    const ExpertId* chosen(size_t token, int layer) const {
        return experts.data() + (token * layers.size() + static_cast<size_t>(layer)) * static_cast<size_t>(max_k);
    }
    // The number of experts in a chosen set (its slots before the first kNoExpert).
    int set_size(size_t token, int layer) const {
        const ExpertId* set = chosen(token, layer);
        int size = 0;
        while (size < max_k && set[size] != kNoExpert) ++size;
        return size;
    }
};

// Assigns sequence ids the way every source must: a new sequence starts wherever the document
// (or run) changes or the position is not the previous token's position + 1.
class SequenceSplitter {
public:
    uint32_t next(int64_t document, int64_t pos) {
        if (started_ && (document != document_ || pos != pos_ + 1)) ++sequence_;
        started_ = true;
        document_ = document;
        pos_ = pos;
        return sequence_;
    }

private:
    bool started_ = false;
    int64_t document_ = 0, pos_ = 0;
    uint32_t sequence_ = 0;
};

// Throws std::invalid_argument naming the first inconsistency (array sizes, expert ids
// >= n_expert, empty or repeated sets, sequence ids going down).
void check_table(const RoutingTable& table);

// Appends `added` after `into` (a new sequence, a new run); both must have the same experts
// and MoE layers. The chosen sets are re-laid out when max_k differs.
void append_table(RoutingTable& into, RoutingTable added);

// Changes the slots per (token, layer) to max_k (>= every set's size), keeping the sets.
void set_max_k(RoutingTable& table, int max_k);

}  // namespace moe::analysis
