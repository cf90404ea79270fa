#include "import/npz_trace.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <memory>
#include <optional>
#include <stdexcept>

#include "import/npy.h"
#include "import/zip_archive.h"
#include "util/atomic_file.h"

namespace moe::import {

using analysis::ExpertId;
using analysis::RoutingTable;

namespace {

[[noreturn]] void fail(const std::string& where, const std::string& problem) {
    throw std::runtime_error(where + " " + problem);
}

struct OpenArray {
    std::unique_ptr<ByteStream> in;
    NpyHeader header;
    std::string where;  // "PATH: 'name'"
};

// Counts bytes decoded against the total to read and asks `progress` whether to go on.
class ProgressMeter {
public:
    ProgressMeter(const ReadProgress& progress, uint64_t total) : progress_(progress), total_(std::max<uint64_t>(total, 1)) {}
    void advance(uint64_t bytes) {
        done_ += bytes;
        if (progress_ && !progress_(std::min(1.0, static_cast<double>(done_) / static_cast<double>(total_))))
            throw ReadCancelled();
    }

private:
    const ReadProgress& progress_;
    uint64_t total_, done_ = 0;
};

// Every element the header declares must be in the bytes that follow it; checked before the
// reader sizes anything by the shape (a 100-byte file may declare terabytes).
void check_data_fits(const OpenArray& a) {
    const uint64_t left = a.in->bytes_left(), item = static_cast<uint64_t>(a.header.item_size);
    if (item > 0 && a.header.count() > left / item)
        fail(a.where, "has shape " + a.header.shape_text() + " of '" + a.header.descr + "' but only " +
                          std::to_string(left) + " bytes of data follow (truncated or corrupt file)");
}

void expect_shape(const OpenArray& a, const std::vector<uint64_t>& shape, const std::string& meaning) {
    if (a.header.shape != shape) {
        NpyHeader expected;
        expected.shape = shape;
        fail(a.where, "has shape " + a.header.shape_text() + ", expected " + expected.shape_text() + " " + meaning);
    }
}

int64_t read_scalar_int(OpenArray& a) {
    if (a.header.count() != 1) fail(a.where, "has shape " + a.header.shape_text() + ", expected a single number");
    int64_t value = 0;
    read_npy_ints(*a.in, a.header, a.where, [&](const int64_t* v, size_t) { value = v[0]; });
    return value;
}

// Streams ids straight into the 2-byte table, checking each; n_expert < 0 means "not known
// yet": the largest id is tracked instead.
void read_experts(OpenArray& a, RoutingTable& table, int n_expert, ProgressMeter& meter) {
    const uint64_t count = a.header.count();
    table.experts.resize(count);
    const uint64_t per_token = static_cast<uint64_t>(table.layers.size()) * static_cast<uint64_t>(table.max_k);
    const int64_t limit = n_expert > 0 ? n_expert : analysis::kLargestInferredExpertId + 1;
    int64_t largest = -1;
    uint64_t at = 0;
    read_npy_ints(*a.in, a.header, a.where, [&](const int64_t* values, size_t n) {
        for (size_t i = 0; i < n; ++i) {
            const int64_t id = values[i];
            const uint64_t index = at + i;
            const auto place = [&] {
                return "at token " + std::to_string(index / per_token) + ", MoE layer " +
                       std::to_string(index % per_token / static_cast<uint64_t>(table.max_k));
            };
            if (id < 0 || id >= limit) {
                if (id < 0) fail(a.where, "holds the negative expert id " + std::to_string(id) + " " + place());
                fail(a.where, "holds expert " + std::to_string(id) + " " + place() +
                                  (n_expert > 0 ? ", but n_experts is " + std::to_string(n_expert)
                                                : ", above the largest supported id"));
            }
            // The earlier slots of this chosen set are already in the table.
            const uint64_t set_start = index - index % static_cast<uint64_t>(table.max_k);
            for (uint64_t j = set_start; j < index; ++j)
                if (table.experts[j] == id) fail(a.where, "chooses expert " + std::to_string(id) + " twice " + place());
            largest = std::max(largest, id);
            table.experts[index] = static_cast<ExpertId>(id);
        }
        at += n;
        meter.advance(n * static_cast<uint64_t>(a.header.item_size));
    });
    table.n_expert = n_expert > 0 ? n_expert : static_cast<int>(largest + 1);
}

void read_floats(OpenArray& a, std::vector<float>& out, ProgressMeter& meter) {
    out.clear();
    out.reserve(a.header.count());  // not resize: a zero fill first would touch every page twice
    read_npy_floats(*a.in, a.header, a.where, [&](const float* values, size_t n) {
        out.insert(out.end(), values, values + n);
        meter.advance(n * static_cast<uint64_t>(a.header.item_size));
    });
}

std::vector<int64_t> read_int_vector(OpenArray& a, uint64_t length, const std::string& meaning) {
    expect_shape(a, {length}, meaning);
    std::vector<int64_t> out;
    out.reserve(length);
    read_npy_ints(*a.in, a.header, a.where, [&](const int64_t* v, size_t n) { out.insert(out.end(), v, v + n); });
    return out;
}

// Runs, token ids, positions and layers, checked against the experts' shape.
void read_token_axes(const std::function<std::optional<OpenArray>(const char*)>& open, RoutingTable& table,
                     uint64_t tokens, uint64_t moe_layers) {
    table.layers.resize(moe_layers);
    for (uint64_t l = 0; l < moe_layers; ++l) table.layers[l] = static_cast<int>(l);
    if (auto a = open("layers")) {
        const auto layers = read_int_vector(*a, moe_layers, "[moe_layers]");
        for (uint64_t l = 0; l < moe_layers; ++l) {
            if (layers[l] < 0 || layers[l] > 1000000 || (l > 0 && layers[l] <= layers[l - 1]))
                fail(a->where, "must hold ascending block indices >= 0 (entry " + std::to_string(l) + " is " +
                                   std::to_string(layers[l]) + ")");
            table.layers[l] = static_cast<int>(layers[l]);
        }
    }

    std::vector<int64_t> starts{0};
    if (auto a = open("seq_starts")) {
        if (a->header.shape.size() != 1 || a->header.shape[0] == 0)
            fail(a->where, "has shape " + a->header.shape_text() + ", expected [runs] with runs >= 1");
        starts = read_int_vector(*a, a->header.shape[0], "[runs]");
        for (size_t r = 0; r < starts.size(); ++r)
            if ((r == 0 && starts[r] != 0) || (r > 0 && starts[r] <= starts[r - 1]) ||
                (tokens > 0 && starts[r] >= static_cast<int64_t>(tokens)))
                fail(a->where, "must start at 0 and ascend below the token count " + std::to_string(tokens) +
                                   " (entry " + std::to_string(r) + " is " + std::to_string(starts[r]) + ")");
    }
    table.sequences.resize(tokens);
    table.positions.resize(tokens);
    size_t run = 0;
    for (uint64_t t = 0; t < tokens; ++t) {
        while (run + 1 < starts.size() && static_cast<int64_t>(t) >= starts[run + 1]) ++run;
        table.sequences[t] = static_cast<uint32_t>(run);
        table.positions[t] = static_cast<int32_t>(static_cast<int64_t>(t) - starts[run]);
    }
    if (auto a = open("positions")) {
        const auto positions = read_int_vector(*a, tokens, "[tokens]");
        for (uint64_t t = 0; t < tokens; ++t) {
            if (positions[t] < 0 || positions[t] > std::numeric_limits<int32_t>::max())
                fail(a->where, "holds the invalid position " + std::to_string(positions[t]) + " at token " + std::to_string(t));
            table.positions[t] = static_cast<int32_t>(positions[t]);
        }
    }

    table.token_ids.assign(tokens, -1);
    if (auto a = open("token_ids")) {
        const auto ids = read_int_vector(*a, tokens, "[tokens]");
        for (uint64_t t = 0; t < tokens; ++t) {
            if (ids[t] < -1 || ids[t] > std::numeric_limits<int32_t>::max())
                fail(a->where, "holds the invalid token id " + std::to_string(ids[t]) + " at token " + std::to_string(t));
            table.token_ids[t] = static_cast<int32_t>(ids[t]);
        }
    }
    if (auto a = open("token_texts")) {
        expect_shape(*a, {tokens}, "[tokens]");
        table.texts = read_npy_strings(*a->in, a->header, a->where);
    }
}

void check_experts_shape(const OpenArray& a) {
    const auto& shape = a.header.shape;
    if (shape.size() != 3 || shape[0] == 0 || shape[1] == 0 || shape[2] == 0 || shape[1] > 100000 || shape[2] > 4096)
        fail(a.where, "has shape " + a.header.shape_text() +
                          ", expected experts [tokens, moe_layers, k] with tokens, moe_layers, k >= 1");
}

}  // namespace

RoutingTable read_npz_trace(const std::string& path, const ReadProgress& progress) {
    ZipReader zip(path);
    auto open = [&](const char* name) -> std::optional<OpenArray> {
        const ZipEntry* entry = zip.find(std::string(name) + ".npy");
        if (!entry) return std::nullopt;
        OpenArray a{zip.open(*entry), {}, path + ": '" + name + "'"};
        a.header = read_npy_header(*a.in, a.where);
        check_data_fits(a);
        return a;
    };
    auto experts = open("experts");
    if (!experts) throw std::runtime_error(path + ": has no 'experts' array (the one required entry)");
    check_experts_shape(*experts);
    const uint64_t tokens = experts->header.shape[0], moe_layers = experts->header.shape[1], k = experts->header.shape[2];

    RoutingTable table;
    table.max_k = static_cast<int>(k);
    read_token_axes(open, table, tokens, moe_layers);

    int n_expert = -1;
    if (auto a = open("n_experts")) {
        const int64_t n = read_scalar_int(*a);
        if (n < 1 || n >= analysis::kMaxExperts)
            fail(a->where, "is " + std::to_string(n) + ", expected 1.." + std::to_string(analysis::kMaxExperts - 1));
        n_expert = static_cast<int>(n);
    }
    auto probs = open("probs");
    if (probs) {
        if (probs->header.shape.size() != 3 || probs->header.shape[2] == 0 || probs->header.shape[2] >= analysis::kMaxExperts)
            fail(probs->where, "has shape " + probs->header.shape_text() + ", expected [tokens, moe_layers, n_experts]");
        if (n_expert < 0) n_expert = static_cast<int>(probs->header.shape[2]);
        expect_shape(*probs, {tokens, moe_layers, static_cast<uint64_t>(n_expert)}, "[tokens, moe_layers, n_experts]");
    }
    auto weights = open("weights");
    if (weights) expect_shape(*weights, experts->header.shape, "(the shape of 'experts')");
    if (auto a = open("model")) {
        const auto texts = read_npy_strings(*a->in, a->header, a->where);
        if (texts.size() != 1) fail(a->where, "has shape " + a->header.shape_text() + ", expected a single string");
        table.model = texts[0];
    }

    auto bytes_of = [](const std::optional<OpenArray>& a) { return a ? a->header.count() * a->header.item_size : 0; };
    ProgressMeter meter(progress, bytes_of(experts) + bytes_of(weights) + bytes_of(probs));
    read_experts(*experts, table, n_expert, meter);
    if (weights) read_floats(*weights, table.weights, meter);
    if (probs) read_floats(*probs, table.probs, meter);
    return table;
}

RoutingTable read_npy_trace(const std::string& path, const ReadProgress& progress) {
    OpenArray a{std::make_unique<FileByteStream>(path), {}, path + ":"};
    a.header = read_npy_header(*a.in, path);
    check_data_fits(a);
    check_experts_shape(a);
    RoutingTable table;
    table.max_k = static_cast<int>(a.header.shape[2]);
    read_token_axes([](const char*) { return std::optional<OpenArray>(); }, table, a.header.shape[0], a.header.shape[1]);
    ProgressMeter meter(progress, a.header.count() * a.header.item_size);
    read_experts(a, table, -1, meter);
    return table;
}

namespace {

template <typename T>
std::string raw_bytes(const std::vector<T>& values) {
    return std::string(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(T));
}

template <typename Out, typename In>
std::string narrowed(const std::vector<In>& values) {
    std::vector<Out> out(values.begin(), values.end());
    return raw_bytes(out);
}

// UTF-8 to NumPy's <U (UTF-32LE) for the model name; invalid bytes become U+FFFD.
std::string utf32_bytes(const std::string& text, size_t& chars) {
    std::vector<uint32_t> codes;
    for (size_t i = 0; i < text.size();) {
        const auto c = static_cast<unsigned char>(text[i]);
        const int length = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        uint32_t code = length == 1 ? c : length == 2 ? (c & 0x1F) : length == 3 ? (c & 0x0F) : (c & 0x07);
        bool valid = length > 0 && i + static_cast<size_t>(length) <= text.size();
        for (int j = 1; valid && j < length; ++j) {
            const auto next = static_cast<unsigned char>(text[i + static_cast<size_t>(j)]);
            valid = (next >> 6) == 2;
            code = (code << 6) | (next & 0x3F);
        }
        codes.push_back(valid ? code : 0xFFFD);
        i += valid ? static_cast<size_t>(length) : 1;
    }
    chars = std::max<size_t>(codes.size(), 1);
    codes.resize(chars, 0);
    return raw_bytes(codes);
}

}  // namespace

std::string npz_trace_bytes(const RoutingTable& table, bool compress) {
    const uint64_t tokens = table.token_count(), moe_layers = table.layers.size(), k = static_cast<uint64_t>(table.max_k);
    if (std::find(table.experts.begin(), table.experts.end(), analysis::kNoExpert) != table.experts.end())
        throw std::invalid_argument("a chosen set is smaller than k: .npz has no padding for it");
    ZipWriter zip;
    auto add = [&](const char* name, std::string_view descr, const std::vector<uint64_t>& shape, const std::string& data) {
        zip.add(std::string(name) + ".npy", npy_bytes(descr, shape, data), compress);
    };
    if (table.n_expert <= 32768) add("experts", "<i2", {tokens, moe_layers, k}, raw_bytes(table.experts));
    else add("experts", "<i4", {tokens, moe_layers, k}, narrowed<int32_t>(table.experts));
    if (!table.weights.empty()) add("weights", "<f4", {tokens, moe_layers, k}, raw_bytes(table.weights));
    if (!table.probs.empty())
        add("probs", "<f4", {tokens, moe_layers, static_cast<uint64_t>(table.n_expert)}, raw_bytes(table.probs));
    add("token_ids", "<i4", {tokens}, raw_bytes(table.token_ids));
    add("positions", "<i4", {tokens}, raw_bytes(table.positions));
    // |S pads with NUL bytes and NumPy (like read_npz_trace) strips them when reading, so a
    // text's own trailing NULs cannot be stored: they are dropped, and the file holds what it
    // reads back as (token_ids stay the exact reference).
    std::vector<std::string_view> texts(table.texts.begin(), table.texts.end());
    for (std::string_view& text : texts)
        while (!text.empty() && text.back() == '\0') text.remove_suffix(1);
    const bool has_texts = std::any_of(texts.begin(), texts.end(), [](std::string_view t) { return !t.empty(); });
    if (has_texts) {
        size_t width = 1;
        for (std::string_view text : texts) width = std::max(width, text.size());
        std::string data(tokens * width, '\0');
        for (size_t t = 0; t < tokens; ++t) std::memcpy(data.data() + t * width, texts[t].data(), texts[t].size());
        add("token_texts", "|S" + std::to_string(width), {tokens}, data);
    }
    add("layers", "<i4", {moe_layers}, narrowed<int32_t>(table.layers));
    std::vector<int32_t> starts;
    for (size_t t = 0; t < tokens; ++t)
        if (t == 0 || table.sequences[t] != table.sequences[t - 1]) starts.push_back(static_cast<int32_t>(t));
    if (starts.empty()) starts.push_back(0);
    add("seq_starts", "<i4", {starts.size()}, raw_bytes(starts));
    add("n_experts", "<i8", {}, narrowed<int64_t>(std::vector<int>{table.n_expert}));
    if (!table.model.empty()) {
        size_t chars = 0;
        const std::string data = utf32_bytes(table.model, chars);
        add("model", "<U" + std::to_string(chars), {}, data);
    }
    return zip.finish();
}

void write_npz_trace(const std::string& path, const RoutingTable& table, bool compress) {
    write_file_atomically(path, npz_trace_bytes(table, compress));
}

}  // namespace moe::import
