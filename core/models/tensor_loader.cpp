#include "models/tensor_loader.h"

#include <stdexcept>

#include "models/model_options.h"
#include "quant/quant.h"
#include "quant/row_groups.h"

namespace moe {

std::string shape_string(const std::vector<int64_t>& ne) {
    std::string s = "[";
    for (size_t i = 0; i < ne.size(); ++i) s += (i ? ", " : "") + std::to_string(ne[i]);
    return s + "]";
}

WeightMatrix Weight::matrix(int64_t slab) const { return row_range(0, rows(), slab); }

WeightMatrix Weight::row_range(int64_t first, int64_t count, int64_t slab) const {
    WeightMatrix m;
    m.type = info->type;
    m.cols = cols();
    m.rows = count;
    m.row_stride = row_stride();
    m.data = info->data + (static_cast<size_t>(slab) * rows() + first) * m.row_stride;
    m.grouped = grouped;
    m.gemm_rounding = info->n_dims == 2 && info->ne[1] % 8 == 0;
    if (grouped && (first % quant::kGroupRows != 0 || count % quant::kGroupRows != 0))
        throw std::logic_error(info->name + ": rows stored in groups are taken 16 at a time");
    return m;
}

const gguf::TensorInfo* TensorLoader::find(TensorRole role, int layer, bool required) const {
    const std::string name = tensor_name(role, layer);
    const gguf::TensorInfo* info = file_.find_tensor(name);
    if (!info && required)
        throw EngineError(file_.path() + ": required tensor '" + name + "' is missing");
    return info;
}

bool TensorLoader::has(TensorRole role, int layer) const { return find(role, layer, false) != nullptr; }

Weight TensorLoader::weight(TensorRole role, int layer, const std::vector<int64_t>& ne, bool required) {
    const gguf::TensorInfo* info = find(role, layer, required);
    if (!info) return {};
    std::vector<int64_t> actual(info->ne, info->ne + std::max<uint32_t>(info->n_dims, 1));
    std::vector<int64_t> expected = ne;
    while (actual.size() > expected.size() && actual.back() == 1) actual.pop_back();
    if (actual != expected)
        throw EngineError(file_.path() + ": tensor '" + info->name + "' has shape " + shape_string(actual) +
                          ", expected " + shape_string(expected));
    if (!quant::is_supported(info->type))
        throw EngineError(file_.path() + ": tensor '" + info->name + "' has type " + type_name(info->type) +
                          ", which MoEScope cannot compute (supported: f32, f16, bf16, q8_0, q4_0, q4_1, "
                          "q5_0, q5_1, q2_K, q3_K, q4_K, q5_K, q6_K)");
    const bool first_use = used_.insert(info).second;
    return Weight{info, group_rows(role, *info, first_use)};
}

bool TensorLoader::group_rows(TensorRole role, const gguf::TensorInfo& info, bool first_use) {
    if (grouped_.count(&info)) return true;
    const int64_t rows = info.n_elements() / info.ne[0];
    uint8_t* const data = file_.copied_tensor_data(info);
    // Grouped once, on first use: a tensor handed out before keeps the layout it was handed out with.
    if (!may_group_ || !first_use || !data || !rows_may_be_grouped(role) || !quant::groups_pay(info.type, info.ne[1])) return false;
    quant::group_rows(info.type, data, rows, info.ne[0]);
    grouped_.insert(&info);
    return true;
}

std::vector<float> TensorLoader::vector(TensorRole role, int layer, int64_t n, bool required) {
    return values(role, layer, {n}, required);
}

std::vector<float> TensorLoader::values(TensorRole role, int layer, const std::vector<int64_t>& ne, bool required) {
    Weight w = weight(role, layer, ne, required);
    if (!w) return {};
    const int64_t rows = w.info->n_elements() / w.cols();
    std::vector<float> out(static_cast<size_t>(w.info->n_elements()));
    for (int64_t r = 0; r < rows; ++r)
        quant::dequantize_row(w.type(), w.info->data + r * w.row_stride(), &out[static_cast<size_t>(r * w.cols())], w.cols());
    return out;
}

}  // namespace moe
