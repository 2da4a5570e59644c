// Fused k-means assignment kernels: distances ‖c‖² − 2 x·c from register tiles (no packing of X, no GEMM
// call per chunk), the first minimum per row, and the per-cluster sums, in one pass over each row.
// The AVX2/FMA path is compiled with a per-function target attribute and chosen at run time, so the
// binary still runs on x86-64 CPUs without AVX2 (they take the portable path).
#include "CStrataKernels.h"

#include <math.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#define STRATA_KERNELS_X86 1
#include <immintrin.h>
#define STRATA_AVX2 __attribute__((target("avx2,fma")))
#else
#define STRATA_KERNELS_X86 0
#endif

static int detected = -1;  // -1 unknown, 0 portable, 1 AVX2 + FMA

int strata_kernels_use_avx2(void) {
#if STRATA_KERNELS_X86
    int value = __atomic_load_n(&detected, __ATOMIC_RELAXED);
    if (value < 0) {
        value = strata_cpu_vector_level() >= 1 ? 1 : 0;
        __atomic_store_n(&detected, value, __ATOMIC_RELAXED);
    }
    return value;
#else
    return 0;
#endif
}

#if STRATA_KERNELS_X86
// The minimum of all lanes, in every lane.
STRATA_AVX2 static inline __m256 strata_spread_min_ps(__m256 v) {
    v = _mm256_min_ps(v, _mm256_permute2f128_ps(v, v, 1));
    v = _mm256_min_ps(v, _mm256_shuffle_ps(v, v, _MM_SHUFFLE(1, 0, 3, 2)));
    return _mm256_min_ps(v, _mm256_shuffle_ps(v, v, _MM_SHUFFLE(2, 3, 0, 1)));
}

// The sums of the lanes of a and of b, by horizontal additions.
STRATA_AVX2 static inline void strata_pair_sum_ps(__m256 a, __m256 b, float *sum_a, float *sum_b) {
    const __m256 v = _mm256_hadd_ps(_mm256_hadd_ps(a, b), _mm256_hadd_ps(a, b));  // a b a b | a b a b halves
    const __m128 w = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    *sum_a = _mm_cvtss_f32(w);
    *sum_b = _mm_cvtss_f32(_mm_shuffle_ps(w, w, 1));
}

STRATA_AVX2 static inline void strata_pair_sum_pd(__m256d a, __m256d b, double *sum_a, double *sum_b) {
    const __m256d v = _mm256_hadd_pd(a, b);  // a b | a b halves
    const __m128d w = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
    *sum_a = _mm_cvtsd_f64(w);
    *sum_b = _mm_cvtsd_f64(_mm_unpackhi_pd(w, w));
}

STRATA_AVX2 static inline __m256d strata_spread_min_pd(__m256d v) {
    v = _mm256_min_pd(v, _mm256_permute2f128_pd(v, v, 1));
    return _mm256_min_pd(v, _mm256_shuffle_pd(v, v, 0x5));
}
#endif

// Float: 8 lanes; a tile is 6 rows × 2 vectors (16 centers) = 12 accumulators.
#define T float
#define BITS uint32_t
#define EXPONENT 0x7F800000u
#define SUFFIX f32
#define LANES 8
#define TILE_ROWS 6
#define GROUP 2
#if STRATA_KERNELS_X86
#define V __m256
#define VLOADU _mm256_loadu_ps
#define VSTOREU _mm256_storeu_ps
#define VSET1 _mm256_set1_ps
#define VFMA _mm256_fmadd_ps
#define VADD _mm256_add_ps
#define VSUB _mm256_sub_ps
#define VMIN _mm256_min_ps
#define VCMPEQ_MASK(a, b) _mm256_movemask_ps(_mm256_cmp_ps((a), (b), _CMP_EQ_OQ))
#define VSPREAD_MIN strata_spread_min_ps
#define VPAIR_SUM strata_pair_sum_ps
#define VFIRST _mm256_cvtss_f32
#endif
#include "kmeans_assign_impl.h"
#include "kmeans_bounds_impl.h"
#include "kmeans_seeding_impl.h"
#undef T
#undef BITS
#undef EXPONENT
#undef SUFFIX
#undef LANES
#undef TILE_ROWS
#undef GROUP
#undef V
#undef VLOADU
#undef VSTOREU
#undef VSET1
#undef VFMA
#undef VADD
#undef VSUB
#undef VMIN
#undef VCMPEQ_MASK
#undef VSPREAD_MIN
#undef VPAIR_SUM
#undef VFIRST

// Double: 4 lanes; a tile is 3 rows × 4 vectors (16 centers) = 12 accumulators.
#define T double
#define BITS uint64_t
#define EXPONENT 0x7FF0000000000000ull
#define SUFFIX f64
#define LANES 4
#define TILE_ROWS 3
#define GROUP 4
#if STRATA_KERNELS_X86
#define V __m256d
#define VLOADU _mm256_loadu_pd
#define VSTOREU _mm256_storeu_pd
#define VSET1 _mm256_set1_pd
#define VFMA _mm256_fmadd_pd
#define VADD _mm256_add_pd
#define VSUB _mm256_sub_pd
#define VMIN _mm256_min_pd
#define VCMPEQ_MASK(a, b) _mm256_movemask_pd(_mm256_cmp_pd((a), (b), _CMP_EQ_OQ))
#define VSPREAD_MIN strata_spread_min_pd
#define VPAIR_SUM strata_pair_sum_pd
#define VFIRST _mm256_cvtsd_f64
#endif
#include "kmeans_assign_impl.h"
#include "kmeans_bounds_impl.h"
#include "kmeans_seeding_impl.h"
