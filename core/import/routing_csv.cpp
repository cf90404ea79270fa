#include "import/routing_csv.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <deque>
#include <map>
#include <memory>
#include <vector>

#include "trace/routing_trace.h"

namespace moe::import {

using analysis::ExpertId;
using analysis::RoutingTable;

namespace {

constexpr size_t kBlock = 1 << 22;

// RFC 4180 records of a file, read block by block. Field views stay valid until the next call.
class CsvRecords {
public:
    CsvRecords(const std::string& path, const TraceReadOptions& options) : path_(path), options_(options) {
        file_.reset(std::fopen(path.c_str(), "rb"));
        if (!file_) throw TraceError("cannot open '" + path + "': " + std::strerror(errno));
        std::fseek(file_.get(), 0, SEEK_END);
        size_ = static_cast<uint64_t>(std::max(0L, std::ftell(file_.get())));
        std::fseek(file_.get(), 0, SEEK_SET);
    }

    // False at the end of the file. Blank lines are skipped.
    bool next(std::vector<std::string_view>& fields) {
        while (true) {
            size_t end = 0;
            int lines = 0;
            if (parse(fields, end, lines)) {
                pos_ = end;
                line_ = next_line_;
                next_line_ += lines;
                if (fields.size() == 1 && fields[0].empty()) continue;
                return true;
            }
            if (eof_) {
                if (pos_ >= buffer_.size()) return false;
                fail(next_line_, "a quoted field is not closed before the end of the file");
            }
            refill();
        }
    }

    int64_t line() const { return line_; }
    [[noreturn]] void fail(int64_t line, const std::string& problem) const {
        throw TraceError(path_ + ":" + std::to_string(line) + ": " + problem);
    }

private:
    void refill() {
        buffer_.erase(0, pos_);
        pos_ = 0;
        const size_t kept = buffer_.size();
        // A small file gets a small buffer: the rest of it, plus one byte to see its end.
        const size_t want = size_ > done_ ? static_cast<size_t>(std::min<uint64_t>(kBlock, size_ - done_ + 1)) : kBlock;
        buffer_.resize(kept + want);
        const size_t got = std::fread(buffer_.data() + kept, 1, want, file_.get());
        buffer_.resize(kept + got);
        if (got < want) {
            if (std::ferror(file_.get())) throw TraceError("cannot read '" + path_ + "': " + std::strerror(errno));
            eof_ = true;
        }
        done_ += got;
        if (options_.progress && !options_.progress(size_ ? static_cast<double>(done_) / static_cast<double>(size_) : 1.0))
            throw ReadCancelled();
    }

    // Parses the record at pos_; false when the buffer ends before it does (and more may come).
    bool parse(std::vector<std::string_view>& fields, size_t& end, int& lines) {
        fields.clear();
        const std::string_view data(buffer_);
        size_t p = pos_;
        if (p >= data.size()) return false;
        while (true) {
            const size_t index = fields.size();
            if (data[p] == '"') {
                if (quoted_.size() <= index) quoted_.resize(index + 1);
                std::string& text = quoted_[index];
                text.clear();
                size_t i = p + 1;
                while (true) {
                    const size_t quote = data.find('"', i);
                    if (quote == std::string_view::npos || quote + 1 >= data.size()) {
                        if (!eof_ || quote == std::string_view::npos) return false;
                    }
                    const std::string_view chunk = data.substr(i, quote - i);
                    lines += static_cast<int>(std::count(chunk.begin(), chunk.end(), '\n'));
                    text.append(chunk);
                    if (quote + 1 < data.size() && data[quote + 1] == '"') {
                        text += '"';
                        i = quote + 2;
                        continue;
                    }
                    p = quote + 1;
                    break;
                }
                fields.emplace_back(text);
                if (p < data.size() && data[p] == '\r' && p + 1 < data.size() && data[p + 1] == '\n') ++p;
                if (p < data.size() && data[p] != ',' && data[p] != '\n')
                    fail(next_line_ + lines, "text after the closing quote of field " + std::to_string(index + 1));
            } else {
                size_t i = p;
                while (i < data.size() && data[i] != ',' && data[i] != '\n') ++i;
                if (i == data.size() && !eof_) return false;
                size_t stop = i;
                if ((i == data.size() || data[i] == '\n') && stop > p && data[stop - 1] == '\r') --stop;
                fields.push_back(data.substr(p, stop - p));
                p = i;
            }
            if (p >= data.size()) {
                if (!eof_) return false;
                end = p;
                lines += 1;
                return true;
            }
            if (data[p] == '\n') {
                end = p + 1;
                lines += 1;
                return true;
            }
            ++p;  // the comma
            if (p >= data.size()) {
                if (!eof_) return false;
                fields.emplace_back();
                end = p;
                lines += 1;
                return true;
            }
        }
    }

    struct Closer {
        void operator()(std::FILE* f) const { std::fclose(f); }
    };
    std::string path_;
    const TraceReadOptions& options_;
    std::unique_ptr<std::FILE, Closer> file_;
    uint64_t size_ = 0, done_ = 0;
    std::string buffer_;
    size_t pos_ = 0;
    bool eof_ = false;
    // Unquoted text of quoted fields, by field index. A deque, so growing it for a later field
    // keeps the views of the record's earlier quoted fields valid (a vector moved them).
    std::deque<std::string> quoted_;
    int64_t line_ = 0, next_line_ = 1;
};

struct Columns {
    int step = -1, pos = -1, token_id = -1, token_text = -1, layer = -1, rank = -1, expert = -1;
    int weight = -1, prob = -1, score = -1, doc = -1, domain = -1;
    size_t count = 0;
};

Columns find_columns(const std::vector<std::string_view>& header, const CsvRecords& records) {
    Columns c;
    c.count = header.size();
    const std::pair<const char*, int*> names[] = {
        {"step", &c.step},     {"pos", &c.pos},       {"token_id", &c.token_id}, {"token_text", &c.token_text},
        {"layer", &c.layer},   {"rank", &c.rank},     {"expert", &c.expert},     {"weight", &c.weight},
        {"prob", &c.prob},     {"score", &c.score},   {"doc", &c.doc},           {"domain", &c.domain}};
    for (size_t i = 0; i < header.size(); ++i)
        for (const auto& [name, index] : names)
            if (header[i] == name) *index = static_cast<int>(i);
    std::string missing;
    for (const char* required : {"step", "pos", "token_id", "layer", "rank", "expert"})
        for (const auto& [name, index] : names)
            if (std::strcmp(name, required) == 0 && *index < 0) missing += std::string(missing.empty() ? "" : ", ") + name;
    if (!missing.empty())
        records.fail(records.line(), "missing column(s) " + missing +
                                         " (expected step,pos,token_id,token_text,layer,rank,expert,weight,prob,score)");
    return c;
}

// One routing row, parsed.
struct Row {
    int64_t step = 0, pos = 0, token_id = 0;
    int layer = 0, rank = 0, expert = 0;
    float weight = 0;
    int64_t line = 0;
};

// Collects the rows of one token and appends the finished token to the table.
class TokenAssembler {
public:
    TokenAssembler(RoutingTable& table, const CsvRecords& records, bool has_weights)
        : table_(table), records_(records), has_weights_(has_weights) {}

    bool empty() const { return !open_; }

    void start(const Row& row, std::string text, std::string_view doc, std::string_view domain) {
        open_ = true;
        first_ = row;
        text_ = std::move(text);
        if (doc != doc_) ++document_;
        doc_ = doc;
        domain_ = domain;
        for (auto& [layer, slots] : by_layer_) slots.clear();
    }

    void add(const Row& row) {
        auto found = by_layer_.find(row.layer);
        if (found == by_layer_.end()) {
            if (locked_) {
                std::string known;
                for (const auto& [layer, slots] : by_layer_) known += (known.empty() ? "" : ", ") + std::to_string(layer);
                records_.fail(row.line, "layer " + std::to_string(row.layer) +
                                            " is not among the MoE layers of the first token (" + known + ")");
            }
            found = by_layer_.emplace(row.layer, std::vector<Row>{}).first;
        }
        found->second.push_back(row);
    }

    void finish() {
        if (!open_) return;
        open_ = false;
        if (!locked_) {
            locked_ = true;
            for (const auto& [layer, slots] : by_layer_) table_.layers.push_back(layer);
        }
        int widest = table_.max_k;
        for (auto& [layer, slots] : by_layer_) {
            if (slots.empty())
                records_.fail(first_.line, "step " + std::to_string(first_.step) + " has no rows for layer " + std::to_string(layer));
            std::sort(slots.begin(), slots.end(), [](const Row& a, const Row& b) { return a.rank < b.rank; });
            for (size_t i = 0; i < slots.size(); ++i) {
                if (slots[i].rank != static_cast<int>(i))
                    records_.fail(slots[i].line, "step " + std::to_string(first_.step) + " layer " + std::to_string(layer) +
                                                     ": rank " + std::to_string(slots[i].rank) +
                                                     (i > 0 && slots[i].rank == slots[i - 1].rank ? " appears twice"
                                                                                                  : " follows a missing rank"));
                for (size_t j = 0; j < i; ++j)
                    if (slots[j].expert == slots[i].expert)
                        records_.fail(slots[i].line, "step " + std::to_string(first_.step) + " layer " + std::to_string(layer) +
                                                         ": expert " + std::to_string(slots[i].expert) + " is chosen twice");
            }
            widest = std::max(widest, static_cast<int>(slots.size()));
        }
        analysis::set_max_k(table_, widest);
        table_.token_ids.push_back(static_cast<int32_t>(first_.token_id));
        table_.positions.push_back(static_cast<int32_t>(first_.pos));
        table_.sequences.push_back(splitter_.next(document_, first_.pos));
        table_.texts.push_back(std::move(text_));
        table_.domains.push_back(domain_index());
        for (const auto& [layer, slots] : by_layer_)
            for (int i = 0; i < table_.max_k; ++i) {
                const bool used = i < static_cast<int>(slots.size());
                table_.experts.push_back(used ? static_cast<ExpertId>(slots[static_cast<size_t>(i)].expert) : analysis::kNoExpert);
                if (has_weights_) table_.weights.push_back(used ? slots[static_cast<size_t>(i)].weight : 0.0f);
            }
    }

    bool same_token(const Row& row, std::string_view doc) const { return open_ && row.step == first_.step && doc == doc_; }

private:
    int16_t domain_index() {
        if (domain_.empty()) return -1;
        auto& names = table_.domain_names;
        const auto found = std::find(names.begin(), names.end(), domain_);
        if (found != names.end()) return static_cast<int16_t>(found - names.begin());
        names.emplace_back(domain_);
        return static_cast<int16_t>(names.size() - 1);
    }

    RoutingTable& table_;
    const CsvRecords& records_;
    bool has_weights_;
    bool open_ = false, locked_ = false;
    Row first_;
    std::string text_, doc_, domain_;
    int64_t document_ = 0;
    std::map<int, std::vector<Row>> by_layer_;
    analysis::SequenceSplitter splitter_;
};

template <typename T>
T parse_number(std::string_view field, const char* column, const CsvRecords& records, const char* kind) {
    T value{};
    const auto [end, error] = std::from_chars(field.data(), field.data() + field.size(), value);
    if (error != std::errc() || end != field.data() + field.size() || field.empty())
        records.fail(records.line(), std::string("column '") + column + "': '" + std::string(field) + "' is not " + kind);
    return value;
}

int64_t parse_integer(std::string_view field, const char* column, const CsvRecords& records) {
    return parse_number<int64_t>(field, column, records, "an integer");
}

float parse_real(std::string_view field, const char* column, const CsvRecords& records) {
    // from_chars does not take inf/nan spelled as format_float writes them.
    if (field == "inf") return INFINITY;
    if (field == "-inf") return -INFINITY;
    if (field == "nan") return NAN;
    return parse_number<float>(field, column, records, "a number");
}

int parse_bounded(std::string_view field, const char* column, const CsvRecords& records, int64_t limit) {
    const int64_t value = parse_integer(field, column, records);
    if (value < 0 || value >= limit)
        records.fail(records.line(), std::string("column '") + column + "': " + std::to_string(value) +
                                         " is outside 0.." + std::to_string(limit - 1));
    return static_cast<int>(value);
}

int hex_digit(char ch) {
    if (ch >= '0' && ch <= '9') return ch - '0';
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
    return -1;
}

}  // namespace

std::string decode_token_text(std::string_view field) {
    std::string out;
    out.reserve(field.size());
    for (size_t i = 0; i < field.size(); ++i) {
        if (field[i] == '\\' && i + 1 < field.size()) {
            if (field[i + 1] == '\\') {
                out += '\\';
                ++i;
                continue;
            }
            if (field[i + 1] == 'x' && i + 3 < field.size() && hex_digit(field[i + 2]) >= 0 && hex_digit(field[i + 3]) >= 0) {
                out += static_cast<char>(hex_digit(field[i + 2]) * 16 + hex_digit(field[i + 3]));
                i += 3;
                continue;
            }
        }
        out += field[i];
    }
    return out;
}

bool looks_like_routing_csv(std::string_view first_bytes) { return first_bytes.substr(0, 5) == "step,"; }

RoutingTable read_routing_csv(const std::string& path, const TraceReadOptions& options) {
    CsvRecords records(path, options);
    std::vector<std::string_view> fields;
    if (!records.next(fields)) throw TraceError(path + ": empty file, expected the routing CSV header");
    const Columns columns = find_columns(fields, records);

    RoutingTable table;
    table.max_k = 1;
    TokenAssembler token(table, records, columns.weight >= 0);
    constexpr int64_t kLayerLimit = 1 << 20;
    const int64_t expert_limit = options.n_expert > 0 ? options.n_expert : analysis::kLargestInferredExpertId + 1;
    int max_expert = -1;
    while (records.next(fields)) {
        if (fields.size() != columns.count)
            records.fail(records.line(), std::to_string(fields.size()) + " fields, the header has " + std::to_string(columns.count));
        Row row;
        row.line = records.line();
        row.step = parse_integer(fields[static_cast<size_t>(columns.step)], "step", records);
        row.pos = parse_integer(fields[static_cast<size_t>(columns.pos)], "pos", records);
        row.token_id = parse_integer(fields[static_cast<size_t>(columns.token_id)], "token_id", records);
        if (row.token_id < -1 || row.token_id > INT32_MAX)
            records.fail(row.line, "column 'token_id': " + std::to_string(row.token_id) + " is not a token id");
        if (row.pos < 0 || row.pos > INT32_MAX) records.fail(row.line, "column 'pos': " + std::to_string(row.pos) + " is out of range");
        row.layer = parse_bounded(fields[static_cast<size_t>(columns.layer)], "layer", records, kLayerLimit);
        row.rank = parse_bounded(fields[static_cast<size_t>(columns.rank)], "rank", records, analysis::kMaxExperts);
        const int64_t expert = parse_integer(fields[static_cast<size_t>(columns.expert)], "expert", records);
        if (expert < 0 || expert >= expert_limit)
            records.fail(row.line, "expert " + std::to_string(expert) + " is out of range: " +
                                       (options.n_expert > 0 ? "the model has " + std::to_string(options.n_expert) + " experts"
                                                             : "ids must be below " + std::to_string(expert_limit)));
        row.expert = static_cast<int>(expert);
        max_expert = std::max(max_expert, row.expert);
        if (columns.weight >= 0) row.weight = parse_real(fields[static_cast<size_t>(columns.weight)], "weight", records);
        if (columns.prob >= 0) parse_real(fields[static_cast<size_t>(columns.prob)], "prob", records);
        if (columns.score >= 0) parse_real(fields[static_cast<size_t>(columns.score)], "score", records);
        const std::string_view doc = columns.doc >= 0 ? fields[static_cast<size_t>(columns.doc)] : std::string_view();
        if (!token.same_token(row, doc)) {
            token.finish();
            const std::string_view domain = columns.domain >= 0 ? fields[static_cast<size_t>(columns.domain)] : std::string_view();
            token.start(row, columns.token_text >= 0 ? decode_token_text(fields[static_cast<size_t>(columns.token_text)]) : "",
                        doc, domain);
        }
        token.add(row);
    }
    token.finish();
    if (table.token_count() == 0) throw TraceError(path + ": no routing rows after the header");
    table.n_expert = options.n_expert > 0 ? options.n_expert : max_expert + 1;
    if (std::none_of(table.domains.begin(), table.domains.end(), [](int16_t d) { return d >= 0; })) table.domains.clear();
    return table;
}

std::string routing_csv_of_table(const RoutingTable& table) {
    std::string out = routing_csv_header();
    const size_t layers = table.layers.size();
    const auto n_expert = static_cast<size_t>(table.n_expert);
    for (size_t t = 0; t < table.token_count(); ++t) {
        const std::string text = table.texts.empty() ? "" : table.texts[t];
        const std::string prefix = std::to_string(t) + "," + std::to_string(table.positions[t]) + "," +
                                   std::to_string(table.token_ids[t]) + "," + csv_escape(escape_token_text(text)) + ",";
        for (size_t l = 0; l < layers; ++l) {
            const ExpertId* set = table.chosen(t, static_cast<int>(l));
            const size_t slot0 = (t * layers + l) * static_cast<size_t>(table.max_k);
            for (int rank = 0; rank < table.set_size(t, static_cast<int>(l)); ++rank) {
                const float weight = table.weights.empty() ? NAN : table.weights[slot0 + static_cast<size_t>(rank)];
                const float prob = table.probs.empty() ? NAN : table.probs[(t * layers + l) * n_expert + set[rank]];
                out += prefix + std::to_string(table.layers[l]) + "," + std::to_string(rank) + "," + std::to_string(set[rank]) +
                       "," + format_float(weight) + "," + format_float(prob) + ",nan\n";
            }
        }
    }
    return out;
}

}  // namespace moe::import
