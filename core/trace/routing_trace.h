// The routing trace: what the router of every MoE layer did for every evaluated token.
// Produced by the forward pass through TraceObserver; nothing is gathered when no observer is set.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace moe {

struct LayerRouting {
    int layer = 0;                // block index (dense layers have no entry)
    std::vector<float> probs;     // (n_expert) gating output before bias, group mask, renorm, scale
    std::vector<float> scores;    // (n_expert) selection scores (probs + bias; -inf where masked)
    std::vector<int> experts;     // (k) chosen experts, rank 0 = highest selection score
    std::vector<float> weights;   // (k) factor applied to each chosen expert's output
    float shared_gate = std::numeric_limits<float>::quiet_NaN();  // qwen2moe σ(w·x), else NaN
    double time_ms = 0;           // wall time of the whole block (attention + FFN)
};

struct TokenTrace {
    int step = 0;          // index of this evaluation in the run (prompt tokens first)
    int pos = 0;           // position in the sequence
    int32_t token_id = 0;  // the token evaluated at `pos` (model input)
    std::string text;      // its raw bytes (may be a partial UTF-8 character)
    bool is_prompt = false;
    // Which run, document or window the token belongs to, and its domain label ("" none), for
    // the analysis: consecutive tokens pair up only within one sequence (see core/analysis).
    int sequence = 0;
    std::string domain;
    std::vector<LayerRouting> moe_layers;  // MoE layers in block order
    std::vector<double> layer_time_ms;     // (n_layer) wall time per block, dense ones included
    double total_ms = 0;   // wall time of this token; a batched prompt splits its time evenly
    // Work per token: what this token actually used vs a dense model running every expert.
    double flops_used = 0, flops_dense = 0;
    double weight_bytes_used = 0, weight_bytes_dense = 0;
};

class TraceObserver {
public:
    virtual ~TraceObserver() = default;
    virtual void on_token(const TokenTrace& trace) = 0;
};

// The routing CSV shared by `moescope-cli run --routing-csv` and the app's export:
// step,pos,token_id,token_text,layer,rank,expert,weight,prob,score
std::string routing_csv_header();                      // the header line, with '\n'
void append_routing_csv(std::string& out, const TokenTrace& trace);  // one row per layer × chosen expert
// `profile`'s CSV: the ten columns, then the document index and its domain (empty when none).
std::string routing_csv_header_with_documents();
void append_routing_csv(std::string& out, const TokenTrace& trace, int doc, const std::string& domain);
// token_text's bytes made valid UTF-8: a byte outside a valid UTF-8 sequence (a byte-fallback
// token's partial character) becomes \xNN (two upper-case hex digits), and '\' becomes "\\".
std::string escape_token_text(const std::string& bytes);
// RFC 4180 quoting: fields with a comma, quote, CR or LF are quoted, quotes doubled.
std::string csv_escape(const std::string& field);
// Floats with %.9g, which round-trips float32.
std::string format_float(double v);

}  // namespace moe
