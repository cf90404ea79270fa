// AVX-512 (F/BW/VL/DQ) kernels: 16 floats per vector; the block decoders stay 256-bit.
// Must precede the includes so that the intrinsics get the same options:
// - no contraction of separate multiplies and adds into FMAs: dequantized values must round
//   exactly like the scalar reference;
// - no modref / pure-const inference: GCC 12.2 -O1+ gets the side effects of a function wrong
//   when it stores into two arrays of one struct in a loop, and then deletes the stores or the
//   whole call. Minimal case: `struct D { signed char q[256]; float s[16]; };` and
//   `void f(D* d, int c) { for (int i = 0; i < c; ++i) { d->q[32 * i] = 1; d->s[2 * i + 1] = 1; } }`:
//   after `D d{}; f(&d, 1);` GCC 12.2 -O2 reads d.s[1] as 0.
#pragma GCC optimize("fp-contract=off", "no-ipa-modref", "no-ipa-pure-const")
// GCC 12's avx512fintrin.h self-initialises its "undefined" vectors (GCC bug 105593).
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include "quant/kernel_table.h"

#if defined(__x86_64__)
#include "quant/simd_kernels.h"

namespace moe::quant::detail {
namespace {

struct Avx512 {
    using F = __m512;
    static constexpr int kWidth = 16;
    // GEMM micro tile: 4 rows × 4 activations = 16 accumulators + 8 operands in 32 registers.
    static constexpr int kGemmRows = 4;
    static constexpr int kGemmActs = 4;

    static F zero() { return _mm512_setzero_ps(); }
    static F set1(float v) { return _mm512_set1_ps(v); }
    static F load(const float* p) { return _mm512_loadu_ps(p); }
    static void store(float* p, F v) { _mm512_storeu_ps(p, v); }
    static F add(F a, F b) { return _mm512_add_ps(a, b); }
    static F sub(F a, F b) { return _mm512_sub_ps(a, b); }
    static F mul(F a, F b) { return _mm512_mul_ps(a, b); }
    static F fmadd(F a, F b, F c) { return _mm512_fmadd_ps(a, b, c); }
    static F fmsub(F a, F b, F c) { return _mm512_fmsub_ps(a, b, c); }
    static float reduce(F v) { return _mm512_reduce_add_ps(v); }
    static F from_i8(const int8_t* q) {
        return _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_load_si128(reinterpret_cast<const __m128i*>(q))));
    }
    template <class Element>
    static F load_as_f32(const Element* p) {
        if constexpr (std::is_same_v<Element, float>) {
            return _mm512_loadu_ps(p);
        } else {
            const __m256i bits = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
            if constexpr (std::is_same_v<Element, uint16_t>) return _mm512_cvtph_ps(bits);
            else return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(bits), 16));
        }
    }
};

}  // namespace

const KernelTable* avx512_kernels() {
    static const KernelTable table = make_simd_table<Avx512>("avx512");
    return &table;
}

}  // namespace moe::quant::detail

#else

namespace moe::quant::detail {
const KernelTable* avx512_kernels() { return nullptr; }
}  // namespace moe::quant::detail

#endif
