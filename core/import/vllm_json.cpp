#include "import/vllm_json.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <streambuf>

namespace moe::import {

using analysis::ExpertId;
using analysis::RoutingTable;

namespace {

constexpr const char* kMissingHint =
    "has no routed experts (start vLLM with --enable-return-routed-experts and save the whole response)";

// Hands the file to the parser in 1 MiB blocks (a smaller file in one) and reports progress
// per block.
class ProgressBuffer : public std::streambuf {
public:
    ProgressBuffer(const std::string& path, const ReadProgress& progress) : file_(path, std::ios::binary), progress_(progress) {
        if (!file_) throw std::runtime_error(path + ": cannot open the file");
        file_.seekg(0, std::ios::end);
        const double size = static_cast<double>(file_.tellg());  // -1 when unknown (a pipe)
        file_.seekg(0);
        total_ = std::max(1.0, size);
        block_.resize(size > 0 ? static_cast<size_t>(std::min<double>(1 << 20, size + 1)) : size_t{1} << 20);
    }

protected:
    int_type underflow() override {
        if (gptr() < egptr()) return traits_type::to_int_type(*gptr());
        file_.read(block_.data(), static_cast<std::streamsize>(block_.size()));
        const auto n = static_cast<size_t>(file_.gcount());
        if (n == 0) return traits_type::eof();
        done_ += static_cast<double>(n);
        if (progress_ && !progress_(std::min(1.0, done_ / total_))) throw ReadCancelled();
        setg(block_.data(), block_.data(), block_.data() + n);
        return traits_type::to_int_type(*gptr());
    }

private:
    std::ifstream file_;
    const ReadProgress& progress_;
    std::vector<char> block_;
    double total_ = 1, done_ = 0;
};

// A [tokens, layers, k] array of ids, checked as it arrives.
struct RoutedIds {
    bool present = false;
    std::vector<ExpertId> ids;
    uint64_t tokens = 0;
    int layers = -1, k = -1;
    int layers_in_token = 0, ids_in_layer = 0;
};

struct Choice {
    int64_t index = 0;
    RoutedIds routed;
    bool has_token_ids = false;
    std::vector<int32_t> token_ids;
};

class ResponseHandler : public nlohmann::json_sax<nlohmann::json> {
public:
    std::string model, error;
    RoutedIds prompt_routed;
    bool has_prompt_ids = false;
    std::vector<int32_t> prompt_ids;
    std::vector<Choice> choices;
    int largest_id = -1;

    bool null() override { return !capturing() || fail_value("null"); }
    bool boolean(bool) override { return !capturing() || fail_value("true/false"); }
    bool number_integer(number_integer_t v) override { return number(v); }
    bool number_unsigned(number_unsigned_t v) override {
        return number(v > static_cast<uint64_t>(INT64_MAX) ? INT64_MAX : static_cast<int64_t>(v));
    }
    bool number_float(number_float_t, const string_t&) override { return !capturing() || fail_value("a non-integer"); }
    bool string(string_t& value) override {
        if (capturing()) return fail_value("a string");
        if (stack_.size() == 1 && stack_[0].key == "model") model = value;
        return true;
    }
    bool binary(binary_t&) override { return !capturing() || fail_value("binary data"); }
    bool start_object(std::size_t) override {
        if (capturing()) return fail_value("an object");
        if (in_choices()) choices.emplace_back();
        stack_.push_back({false, {}});
        return true;
    }
    bool key(string_t& name) override {
        stack_.back().key = name;
        return true;
    }
    bool end_object() override {
        stack_.pop_back();
        return true;
    }
    bool start_array(std::size_t) override {
        if (capturing()) {
            stack_.push_back({true, {}});
            if (depth() > 3 || ids_target_) return fail_value("an array nested too deep");
            return true;
        }
        const std::string parent_key = stack_.empty() || stack_.back().array ? "" : stack_.back().key;
        if (stack_.size() == 1) {
            if (parent_key == "prompt_routed_experts") begin_routed(prompt_routed, "prompt_routed_experts");
            if (parent_key == "prompt_token_ids") begin_ids(prompt_ids, has_prompt_ids, "prompt_token_ids");
        } else if (in_choice_object()) {
            Choice& choice = choices.back();
            const std::string where = "choices[" + std::to_string(choices.size() - 1) + "].";
            if (parent_key == "routed_experts") begin_routed(choice.routed, where + "routed_experts");
            if (parent_key == "token_ids") begin_ids(choice.token_ids, choice.has_token_ids, where + "token_ids");
        }
        stack_.push_back({true, {}});
        if (capturing()) capture_base_ = stack_.size();
        return true;
    }
    bool end_array() override {
        if (routed_target_) {
            RoutedIds& r = *routed_target_;
            if (depth() == 3) {
                if (r.k < 0) r.k = r.ids_in_layer;
                if (r.ids_in_layer != r.k || r.k == 0)
                    return fail(place() + " has " + std::to_string(r.ids_in_layer) + " experts where earlier layers have " +
                                std::to_string(r.k) + " (shapes disagree)");
                ++r.layers_in_token;
                r.ids_in_layer = 0;
            } else if (depth() == 2) {
                if (r.layers < 0) r.layers = r.layers_in_token;
                if (r.layers_in_token != r.layers || r.layers == 0)
                    return fail(place() + " has " + std::to_string(r.layers_in_token) + " MoE layers where earlier tokens have " +
                                std::to_string(r.layers) + " (shapes disagree)");
                ++r.tokens;
                r.layers_in_token = 0;
            }
        }
        stack_.pop_back();
        if (capturing() && stack_.size() < capture_base_) routed_target_ = nullptr, ids_target_ = nullptr;
        return true;
    }
    bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& e) override {
        std::string what = e.what();
        const size_t bracket = what.find("] ");
        error = "invalid JSON: " + (bracket == std::string::npos ? what : what.substr(bracket + 2));
        return false;
    }

private:
    struct Frame {
        bool array;
        std::string key;  // objects: the key whose value is being read
    };
    std::vector<Frame> stack_;
    RoutedIds* routed_target_ = nullptr;
    std::vector<int32_t>* ids_target_ = nullptr;
    std::string target_name_;
    size_t capture_base_ = 0;  // stack size just inside the captured array

    bool capturing() const { return routed_target_ || ids_target_; }
    size_t depth() const { return stack_.size() - capture_base_ + 1; }  // 1 = the captured array itself
    bool in_choices() const { return stack_.size() == 2 && stack_[1].array && stack_[0].key == "choices"; }
    bool in_choice_object() const {
        return stack_.size() == 3 && stack_[1].array && !stack_[2].array && stack_[0].key == "choices";
    }

    void begin_routed(RoutedIds& target, const std::string& name) {
        target = RoutedIds{};
        target.present = true;
        routed_target_ = &target;
        target_name_ = name;
    }
    void begin_ids(std::vector<int32_t>& target, bool& present, const std::string& name) {
        target.clear();
        present = true;
        ids_target_ = &target;
        target_name_ = name;
    }
    std::string place() const {
        const RoutedIds& r = *routed_target_;
        return target_name_ + " at token " + std::to_string(r.tokens) + ", MoE layer " + std::to_string(r.layers_in_token);
    }
    bool fail(const std::string& message) {
        error = message;
        return false;
    }
    bool fail_value(const std::string& what) {
        return fail(target_name_ + " holds " + what + " where " +
                    (ids_target_ ? "token ids are expected" : "expert ids [tokens, moe_layers, top_k] are expected"));
    }
    bool number(int64_t value) {
        if (ids_target_) {
            if (depth() != 1) return fail_value("a nested array");
            if (value < 0 || value > INT32_MAX)
                return fail(target_name_ + " holds the invalid token id " + std::to_string(value));
            ids_target_->push_back(static_cast<int32_t>(value));
            return true;
        }
        if (!routed_target_) {
            if (in_choice_object() && stack_.back().key == "index") choices.back().index = value;
            return true;
        }
        if (depth() != 3) return fail_value("a number");
        if (value < 0) return fail(place() + " holds the negative expert id " + std::to_string(value));
        if (value > analysis::kLargestInferredExpertId)
            return fail(place() + " holds expert " + std::to_string(value) + ", above the largest supported id");
        RoutedIds& r = *routed_target_;
        if (std::find(r.ids.end() - r.ids_in_layer, r.ids.end(), value) != r.ids.end())
            return fail(place() + " chooses expert " + std::to_string(value) + " twice");
        r.ids.push_back(static_cast<ExpertId>(value));
        ++r.ids_in_layer;
        largest_id = std::max(largest_id, static_cast<int>(value));
        return true;
    }
};

// Appends `n` tokens of a run to the table.
void append_tokens(RoutingTable& table, const RoutedIds& routed, const std::vector<int32_t>* ids, uint32_t sequence,
                   int32_t first_position) {
    table.experts.insert(table.experts.end(), routed.ids.begin(), routed.ids.end());
    for (uint64_t t = 0; t < routed.tokens; ++t) {
        table.token_ids.push_back(ids ? (*ids)[t] : -1);
        table.positions.push_back(first_position + static_cast<int32_t>(t));
        table.sequences.push_back(sequence);
    }
}

}  // namespace

RoutingTable read_vllm_response(const std::string& path, const ReadProgress& progress) {
    ProgressBuffer buffer(path, progress);
    std::istream in(&buffer);
    ResponseHandler handler;
    if (!nlohmann::json::sax_parse(in, &handler)) throw std::runtime_error(path + ": " + handler.error);

    std::vector<Choice*> routed_choices;
    for (Choice& choice : handler.choices)
        if (choice.routed.present) routed_choices.push_back(&choice);
    const RoutedIds& prompt = handler.prompt_routed;
    if (!prompt.present && routed_choices.empty()) throw std::runtime_error(path + ": " + kMissingHint);
    if (!routed_choices.empty() && routed_choices.size() != handler.choices.size())
        throw std::runtime_error(path + ": some choices have routed_experts and others do not");

    // Every array must agree on [*, moe_layers, top_k] (empty ones say nothing).
    int layers = -1, k = -1;
    auto check_shape = [&](const RoutedIds& r, const std::string& name) {
        if (r.tokens == 0) return;
        if (layers < 0) layers = r.layers, k = r.k;
        if (r.layers != layers || r.k != k)
            throw std::runtime_error(path + ": " + name + " has " + std::to_string(r.layers) + " MoE layers × top-" +
                                     std::to_string(r.k) + ", but another array has " + std::to_string(layers) +
                                     " × top-" + std::to_string(k) + " (shapes disagree)");
    };
    auto check_ids = [&](bool present, const std::vector<int32_t>& ids, const RoutedIds& r, const std::string& name) {
        if (present && r.present && ids.size() != r.tokens)
            throw std::runtime_error(path + ": " + name + " has " + std::to_string(ids.size()) + " ids but its routed experts have " +
                                     std::to_string(r.tokens) + " tokens (shapes disagree)");
    };
    if (prompt.present) check_shape(prompt, "prompt_routed_experts");
    check_ids(handler.has_prompt_ids, handler.prompt_ids, prompt, "prompt_token_ids");
    for (size_t i = 0; i < handler.choices.size(); ++i) {
        const Choice& choice = handler.choices[i];
        check_shape(choice.routed, "choices[" + std::to_string(i) + "].routed_experts");
        check_ids(choice.has_token_ids, choice.token_ids, choice.routed, "choices[" + std::to_string(i) + "].token_ids");
    }
    if (layers < 0) throw std::runtime_error(path + ": its routed experts are empty (no tokens)");

    RoutingTable table;
    table.model = handler.model;
    table.max_k = k;
    table.n_expert = handler.largest_id + 1;
    for (int l = 0; l < layers; ++l) table.layers.push_back(l);
    std::stable_sort(routed_choices.begin(), routed_choices.end(),
                     [](const Choice* a, const Choice* b) { return a->index < b->index; });
    const std::vector<int32_t>* prompt_ids = handler.has_prompt_ids ? &handler.prompt_ids : nullptr;
    const auto prompt_length = static_cast<int32_t>(prompt.present ? prompt.tokens : handler.prompt_ids.size());
    if (routed_choices.empty()) append_tokens(table, prompt, prompt_ids, 0, 0);
    for (size_t run = 0; run < routed_choices.size(); ++run) {
        const Choice& choice = *routed_choices[run];
        if (prompt.present) append_tokens(table, prompt, prompt_ids, static_cast<uint32_t>(run), 0);
        append_tokens(table, choice.routed, choice.has_token_ids ? &choice.token_ids : nullptr, static_cast<uint32_t>(run),
                      prompt_length);
    }
    return table;
}

}  // namespace moe::import
