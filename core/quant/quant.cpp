// Public entry points: F16/BF16 conversions and run-time dispatch to the best kernel table.
#include "quant/quant.h"

#include <bit>
#include <cmath>
#include <stdexcept>

#include "quant/kernel_table.h"

#if defined(__x86_64__)
#include <cpuid.h>
#endif

namespace moe::quant {

namespace detail {
namespace {

#if defined(__x86_64__)
// clang before 15 rejects __builtin_cpu_supports("f16c"): ask CPUID (leaf 1, ECX) directly.
bool cpu_has_f16c() {
    unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
    return __get_cpuid(1, &eax, &ebx, &ecx, &edx) && (ecx & bit_F16C) != 0;
}
#endif

bool cpu_has(const std::string& isa) {
#if defined(__x86_64__)
    if (isa == "avx512") {
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
               __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
               __builtin_cpu_supports("avx512vnni") && avx512_kernels() != nullptr;
    }
    if (isa == "avx2") {
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
               cpu_has_f16c() && avx2_kernels() != nullptr;
    }
#endif
    return isa == "scalar";
}

const KernelTable* table_for(const std::string& isa) {
    if (!cpu_has(isa)) return nullptr;
    if (isa == "avx512") return avx512_kernels();
    if (isa == "avx2") return avx2_kernels();
    return &reference_kernels();
}

const KernelTable* best_table() {
    for (const char* isa : {"avx512", "avx2"}) {
        if (const KernelTable* t = table_for(isa)) return t;
    }
    return &reference_kernels();
}

// Initialised on first use, so kernels called from other files' static initialisers still work.
const KernelTable*& active_table() {
    static const KernelTable* table = best_table();
    return table;
}

}  // namespace

const KernelTable& active_kernels() { return *active_table(); }

const TypeKernels& kernels_for(const KernelTable& table, GgmlType type) {
    if (!is_supported(type)) throw std::invalid_argument("quant: no kernels for type " + type_name(type));
    return table.types[static_cast<uint32_t>(type)];
}

}  // namespace detail

using detail::kernels_for;

namespace {

detail::DotQ8Fn integer_kernel(const detail::KernelTable& table, GgmlType type) {
    const detail::DotQ8Fn dot = kernels_for(table, type).dot_q8;
    if (!dot) throw std::invalid_argument("quant: " + type_name(type) + " takes F32 activations");
    return dot;
}

}  // namespace

bool is_supported(GgmlType type) {
    const auto id = static_cast<uint32_t>(type);
    return id < detail::kTypeSlots && detail::reference_kernels().types[id].dequantize != nullptr;
}

const char* active_isa() { return detail::active_kernels().isa; }

bool force_isa(const std::string& isa) {
    const detail::KernelTable* table = detail::table_for(isa);
    if (!table) return false;
    detail::active_table() = table;
    return true;
}

float fp16_to_fp32(uint16_t h) {
    const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
    const uint32_t exponent = (h >> 10) & 0x1Fu;
    const uint32_t mantissa = h & 0x3FFu;
    if (exponent == 0) {
        // zero or subnormal: mantissa · 2^-24, exact in F32
        const float magnitude = static_cast<float>(mantissa) * 0x1p-24f;
        return std::bit_cast<float>(std::bit_cast<uint32_t>(magnitude) | sign);
    }
    if (exponent == 0x1F) return std::bit_cast<float>(sign | 0x7F800000u | mantissa << 13);  // inf, NaN
    return std::bit_cast<float>(sign | (exponent + (127 - 15)) << 23 | mantissa << 13);
}

uint16_t fp32_to_fp16(float f) {
    const uint32_t bits = std::bit_cast<uint32_t>(f);
    const auto sign = static_cast<uint16_t>((bits >> 16) & 0x8000u);
    const uint32_t magnitude = bits & 0x7FFFFFFFu;
    if (magnitude > 0x7F800000u) return sign | 0x7E00u | ((magnitude >> 13) & 0x3FFu);  // NaN stays quiet NaN
    if (magnitude >= 0x477FF000u) return sign | 0x7C00u;  // >= 65520 rounds to infinity
    if (magnitude >= 0x38800000u) {                       // normal in F16 (>= 2^-14)
        // Round to nearest even on the 13 dropped mantissa bits; a carry correctly bumps the exponent.
        const uint32_t rounded = magnitude + 0xFFFu + ((magnitude >> 13) & 1u);
        return sign | static_cast<uint16_t>((rounded - ((127u - 15u) << 23)) >> 13);
    }
    // Subnormal in F16: count units of 2^-24 (the scaling is exact; nearbyint rounds half to even).
    const float units = std::nearbyint(std::bit_cast<float>(magnitude) * 0x1p24f);
    return sign | static_cast<uint16_t>(units);
}

float bf16_to_fp32(uint16_t h) { return std::bit_cast<float>(static_cast<uint32_t>(h) << 16); }

uint16_t fp32_to_bf16(float f) {
    const uint32_t bits = std::bit_cast<uint32_t>(f);
    if ((bits & 0x7FFFFFFFu) > 0x7F800000u) return static_cast<uint16_t>((bits >> 16) | 0x40u);  // quiet NaN
    return static_cast<uint16_t>((bits + 0x7FFFu + ((bits >> 16) & 1u)) >> 16);
}

void dequantize_row(GgmlType type, const void* src, float* dst, int64_t n) {
    kernels_for(detail::active_kernels(), type).dequantize(src, dst, n);
}

void dequantize_row_reference(GgmlType type, const void* src, float* dst, int64_t n) {
    kernels_for(detail::reference_kernels(), type).dequantize(src, dst, n);
}

float dot_row(GgmlType type, const void* row, const float* x, int64_t n) {
    return kernels_for(detail::active_kernels(), type).dot(row, x, n);
}

void gemm_f32(const float* w, int64_t ldw, int64_t n_rows, int64_t cols, const float* x, int64_t ldx, int64_t n,
              float* y, int64_t ldy) {
    detail::active_kernels().gemm_f32(w, ldw, n_rows, cols, x, ldx, n, y, ldy);
}

float dot_row_reference(GgmlType type, const void* row, const float* x, int64_t n) {
    return kernels_for(detail::reference_kernels(), type).dot(row, x, n);
}

float dot_row_q8(GgmlType type, const void* row, const QuantizedRow& x, int64_t n) {
    return integer_kernel(detail::active_kernels(), type)(row, x, n);
}

float dot_row_q8_reference(GgmlType type, const void* row, const QuantizedRow& x, int64_t n) {
    return integer_kernel(detail::reference_kernels(), type)(row, x, n);
}

void dot_rows_q8(GgmlType type, const void* rows, size_t stride, int64_t count, const QuantizedRow& x, int64_t n,
                 float* out) {
    const detail::DotQ8Fn dot = integer_kernel(detail::active_kernels(), type);
    const auto* first = static_cast<const uint8_t*>(rows);
    if (const detail::DotQ8RowsFn kernel = kernels_for(detail::active_kernels(), type).dot_q8_rows) {
        kernel(first, stride, count, x, n, out);
        return;
    }
    for (int64_t r = 0; r < count; ++r) out[r] = dot(first + r * stride, x, n);
}

void dot_tile_q8(GgmlType type, const void* rows, size_t stride, const QuantizedRow* x, int64_t n, float* out) {
    (void)integer_kernel(detail::active_kernels(), type);  // throws for types that take F32 activations
    kernels_for(detail::active_kernels(), type).dot_q8_tile(static_cast<const uint8_t*>(rows), stride, x, n, out, kTileRows);
}

}  // namespace moe::quant
