// Looks tensors up by role, checks shape and type against what the architecture expects,
// and reports expected vs actual in the error.
#pragma once

#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "gguf/gguf_file.h"
#include "models/tensor_names.h"
#include "quant/matmul.h"

namespace moe {

// A weight tensor in the mapped file. 2-D: [cols, rows]; 3-D experts: [cols, rows, n_expert].
struct Weight {
    const gguf::TensorInfo* info = nullptr;
    bool grouped = false;  // its rows stored in groups (quant/row_groups.h)

    explicit operator bool() const { return info != nullptr; }
    GgmlType type() const { return info->type; }
    int64_t cols() const { return info->ne[0]; }
    int64_t rows() const { return info->ne[1]; }
    size_t row_stride() const { return row_bytes(info->type, info->ne[0]); }
    uint64_t bytes() const { return info ? info->nbytes : 0; }
    // The whole 2-D matrix, or slab `slab` of a 3-D tensor (expert or head).
    WeightMatrix matrix(int64_t slab = 0) const;
    // Rows [first, first + count) of slab `slab`, as a matrix of `count` rows (whole groups when
    // the rows are stored in groups).
    WeightMatrix row_range(int64_t first, int64_t count, int64_t slab = 0) const;
};

class TensorLoader {
public:
    // group_rows: LoadOptions::group_rows.
    TensorLoader(const gguf::GgufFile& file, bool group_rows) : file_(file), may_group_(group_rows) {}

    bool has(TensorRole role, int layer = -1) const;
    // A matrix/3-D weight with exactly the shape `ne`; throws EngineError otherwise, or when
    // the type has no kernels. Optional tensors that are absent return an empty Weight.
    Weight weight(TensorRole role, int layer, const std::vector<int64_t>& ne, bool required = true);
    // A 1-D F32/F16/BF16 vector of length n, converted to F32 (norm gains, biases).
    std::vector<float> vector(TensorRole role, int layer, int64_t n, bool required = true);
    // Every element of a tensor of shape `ne`, converted to F32 (per-expert biases).
    std::vector<float> values(TensorRole role, int layer, const std::vector<int64_t>& ne, bool required = true);

    // Elements of every tensor handed out, for the parameter counts.
    const std::set<const gguf::TensorInfo*>& used() const { return used_; }
    // Tensors whose rows it stored in groups.
    size_t grouped_count() const { return grouped_.size(); }

private:
    const gguf::TensorInfo* find(TensorRole role, int layer, bool required) const;
    // Stores the tensor's rows in groups where that pays (copied weights, a role only multiplied
    // whole, kernels for its type); whether they are.
    bool group_rows(TensorRole role, const gguf::TensorInfo& info, bool first_use);
    const gguf::GgufFile& file_;
    bool may_group_;
    std::set<const gguf::TensorInfo*> used_, grouped_;
};

std::string shape_string(const std::vector<int64_t>& ne);

}  // namespace moe
