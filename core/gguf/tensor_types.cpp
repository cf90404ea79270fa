#include "gguf/tensor_types.h"

#include <array>
#include <stdexcept>

namespace moe {

namespace {

// Indexed by ggml type id (reference §4.1). Removed ids (4, 5, 31-33, 36-38) stay empty, as do ids
// newer than MXFP4, which no file we load uses.
constexpr size_t kTypeCount = 40;

constexpr std::array<TypeTraits, kTypeCount> make_type_table() {
    std::array<TypeTraits, kTypeCount> t{};
    auto set = [&t](GgmlType type, const char* name, int64_t block_size, int64_t type_size) {
        t[static_cast<size_t>(type)] = {name, block_size, type_size};
    };
    set(GgmlType::F32, "f32", 1, 4);
    set(GgmlType::F16, "f16", 1, 2);
    set(GgmlType::Q4_0, "q4_0", 32, 18);
    set(GgmlType::Q4_1, "q4_1", 32, 20);
    set(GgmlType::Q5_0, "q5_0", 32, 22);
    set(GgmlType::Q5_1, "q5_1", 32, 24);
    set(GgmlType::Q8_0, "q8_0", 32, 34);
    set(GgmlType::Q8_1, "q8_1", 32, 36);
    set(GgmlType::Q2_K, "q2_K", 256, 84);
    set(GgmlType::Q3_K, "q3_K", 256, 110);
    set(GgmlType::Q4_K, "q4_K", 256, 144);
    set(GgmlType::Q5_K, "q5_K", 256, 176);
    set(GgmlType::Q6_K, "q6_K", 256, 210);
    set(GgmlType::Q8_K, "q8_K", 256, 292);
    set(GgmlType::IQ2_XXS, "iq2_xxs", 256, 66);
    set(GgmlType::IQ2_XS, "iq2_xs", 256, 74);
    set(GgmlType::IQ3_XXS, "iq3_xxs", 256, 98);
    set(GgmlType::IQ1_S, "iq1_s", 256, 50);
    set(GgmlType::IQ4_NL, "iq4_nl", 32, 18);
    set(GgmlType::IQ3_S, "iq3_s", 256, 110);
    set(GgmlType::IQ2_S, "iq2_s", 256, 82);
    set(GgmlType::IQ4_XS, "iq4_xs", 256, 136);
    set(GgmlType::I8, "i8", 1, 1);
    set(GgmlType::I16, "i16", 1, 2);
    set(GgmlType::I32, "i32", 1, 4);
    set(GgmlType::I64, "i64", 1, 8);
    set(GgmlType::F64, "f64", 1, 8);
    set(GgmlType::IQ1_M, "iq1_m", 256, 56);
    set(GgmlType::BF16, "bf16", 1, 2);
    set(GgmlType::TQ1_0, "tq1_0", 256, 54);
    set(GgmlType::TQ2_0, "tq2_0", 256, 66);
    set(GgmlType::MXFP4, "mxfp4", 32, 17);
    return t;
}

constexpr std::array<TypeTraits, kTypeCount> kTypeTable = make_type_table();

}  // namespace

const TypeTraits* type_traits(uint32_t type_id) {
    if (type_id >= kTypeTable.size() || kTypeTable[type_id].block_size == 0) return nullptr;
    return &kTypeTable[type_id];
}

std::string type_name(uint32_t type_id) {
    const TypeTraits* traits = type_traits(type_id);
    return traits ? traits->name : "type " + std::to_string(type_id);
}

size_t row_bytes(GgmlType type, int64_t n) {
    const TypeTraits* traits = type_traits(static_cast<uint32_t>(type));
    if (!traits) throw std::invalid_argument("row_bytes: unknown " + type_name(type));
    if (n < 0 || n % traits->block_size != 0) {
        throw std::invalid_argument("row_bytes: " + std::to_string(n) + " values of " + traits->name +
                                    " is not a whole number of " + std::to_string(traits->block_size) +
                                    "-value blocks");
    }
    return static_cast<size_t>(n / traits->block_size * traits->type_size);
}

}  // namespace moe
