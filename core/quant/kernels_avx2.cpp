// AVX2/FMA/F16C kernels: 8 floats per vector.
// Must precede the includes so that the intrinsics get the same options:
// - no contraction of separate multiplies and adds into FMAs: dequantized values must round
//   exactly like the scalar reference;
// - no modref / pure-const inference: GCC 12.2 -O1+ gets the side effects of a function wrong
//   when it stores into two arrays of one struct in a loop, and then deletes the stores or the
//   whole call. Minimal case: `struct D { signed char q[256]; float s[16]; };` and
//   `void f(D* d, int c) { for (int i = 0; i < c; ++i) { d->q[32 * i] = 1; d->s[2 * i + 1] = 1; } }`:
//   after `D d{}; f(&d, 1);` GCC 12.2 -O2 reads d.s[1] as 0.
#pragma GCC optimize("fp-contract=off", "no-ipa-modref", "no-ipa-pure-const")

#include "quant/kernel_table.h"

#if defined(__x86_64__)
#include "quant/mxfp4.h"
#include "quant/simd_kernels.h"
#include "quant/simd_int8_kernels.h"

namespace moe::quant::detail {
namespace {

struct Avx2 {
    using F = __m256;
    static constexpr int kWidth = 8;
    // GEMM micro tile: 4 rows × 2 activations = 8 accumulators + 6 operands in 16 registers.
    static constexpr int kGemmRows = 4;
    static constexpr int kGemmActs = 2;

    static F zero() { return _mm256_setzero_ps(); }
    static F set1(float v) { return _mm256_set1_ps(v); }
    static F load(const float* p) { return _mm256_loadu_ps(p); }
    static void store(float* p, F v) { _mm256_storeu_ps(p, v); }
    static F add(F a, F b) { return _mm256_add_ps(a, b); }
    static F sub(F a, F b) { return _mm256_sub_ps(a, b); }
    static F mul(F a, F b) { return _mm256_mul_ps(a, b); }
    static F fmadd(F a, F b, F c) { return _mm256_fmadd_ps(a, b, c); }
    static F fmsub(F a, F b, F c) { return _mm256_fmsub_ps(a, b, c); }
    static float reduce(F v) {
        __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
        s = _mm_add_ps(s, _mm_movehl_ps(s, s));
        s = _mm_add_ss(s, _mm_movehdup_ps(s));
        return _mm_cvtss_f32(s);
    }
    static F from_i8(const int8_t* q) {
        return _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(q))));
    }
    static __m256i dot_i8(__m256i w, __m256i x) {
        const __m256i pairs = _mm256_maddubs_epi16(_mm256_sign_epi8(w, w), _mm256_sign_epi8(x, w));
        return _mm256_madd_epi16(pairs, _mm256_set1_epi16(1));
    }
    static __m256i dot_u8(__m256i u, __m256i x) { return _mm256_madd_epi16(_mm256_maddubs_epi16(u, x), _mm256_set1_epi16(1)); }
    static __m256i madd_acc(__m256i acc, __m256i a, __m256i b) { return _mm256_add_epi32(acc, _mm256_madd_epi16(a, b)); }
    template <class Element>
    static F load_as_f32(const Element* p) {
        if constexpr (std::is_same_v<Element, float>) {
            return _mm256_loadu_ps(p);
        } else {
            const __m128i bits = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
            if constexpr (std::is_same_v<Element, uint16_t>) return _mm256_cvtph_ps(bits);
            else return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(bits), 16));
        }
    }
};

}  // namespace

const KernelTable* avx2_kernels() {
    static const KernelTable table = [] {
        KernelTable t = make_simd_table<Avx2>("avx2");
        add_int8_kernels<Avx2>(t);
        t.types[static_cast<uint32_t>(GgmlType::MXFP4)] = *mxfp4_avx2_kernels();
        return t;
    }();
    return &table;
}

}  // namespace moe::quant::detail

#else

namespace moe::quant::detail {
const KernelTable* avx2_kernels() { return nullptr; }
}  // namespace moe::quant::detail

#endif
