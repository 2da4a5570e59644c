// Fused k-means kernels with an AVX2/FMA path chosen at run time and a portable fallback.
// Not an API: only StrataLinearAlgebra (and StrataData, for direct writes) imports this module (see README.md beside it).
#ifndef STRATA_C_KERNELS_H
#define STRATA_C_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#include "kmeans_bounds.h"
#include "kmeans_seeding.h"
#include "heap_memory.h"
#include "unbuffered_file.h"
#include "cpu_features.h"

#ifdef __cplusplus
extern "C" {
#endif

/// How many elements `strata_kmeans_pack_*` writes for `k` centers of `d` features: the centers transposed
/// and scaled by -2 (`d` rows of `k` rounded up to the vector width), then the `k` (rounded up) squared norms.
ptrdiff_t strata_kmeans_packed_count_f32(ptrdiff_t k, ptrdiff_t d);
ptrdiff_t strata_kmeans_packed_count_f64(ptrdiff_t k, ptrdiff_t d);

/// Packs row-major `k×d` centers for the assignment kernels: `packed[j·kp + c] = -2·centers[c·d + j]`
/// (zero for the padding centers `c >= k`), then `‖c‖²` for each center (+infinity for the padding, so it
/// never wins). `packed` holds `strata_kmeans_packed_count_*(k, d)` elements.
void strata_kmeans_pack_f32(const float *centers, ptrdiff_t k, ptrdiff_t d, float *packed);
void strata_kmeans_pack_f64(const double *centers, ptrdiff_t k, ptrdiff_t d, double *packed);

/// What one assignment pass over a range of rows adds up (beyond the labels and per-cluster arrays).
typedef struct {
    /// Σ wᵢ (‖c‖² − 2 xᵢ·c) for each row's nearest center c.
    double inertia_without_row_norms;
    /// Rows whose label differs from the one `labels` held before.
    int64_t changed_labels;
    /// Σ wᵢ ‖xᵢ − c‖² computed directly, for the rows' new labels (only when `exact_centers` is given).
    double exact_inertia;
} strata_kmeans_assign_totals;

/// One fused Lloyd assignment pass over `rows` consecutive rows of `x` (row-major, `d` columns): for each
/// row the nearest center by `‖c‖² − 2 x·c` (the first minimum: ties go to the lower center index), written
/// to `labels`; `w · minimum` summed into the totals and `w` into `cluster_weights[label]`. When `sums` is
/// not NULL, `w · x` is added to that cluster's row of `sums` (`k×d`, Double), first in the working
/// precision in `chunk_sums` (`k×d`, zero on entry and on return) for `chunk_rows` rows at a time.
/// With `sum_deltas` nonzero and `sums` not NULL, `sums` and `cluster_weights` instead receive only the
/// changes of an incremental update: for each row whose label differs from the one `labels` held before
/// (`-1`, or any value outside `0..<k`, is no cluster), `w · x` and `w` leave the old cluster and join the
/// new one, in Double (`chunk_sums` is not used); rows that keep their label add nothing.
/// With `exact_centers` (the centers, row-major `k×d`; NULL: none), each row's `w ‖x − c_label‖²` is added to
/// the totals' `exact_inertia` in row order, as `strata_kmeans_exact_inertia_*` would for the new labels.
/// `weights` (NULL: all ones) and `labels` are indexed like the rows.
/// No allocation; `scratch` holds `strata_kmeans_scratch_count_*(k)` elements. `portable` nonzero takes the
/// portable loops even where AVX2 and FMA exist (tests check both paths).
void strata_kmeans_assign_f32(const float *x, ptrdiff_t rows, ptrdiff_t d, const float *packed, ptrdiff_t k,
                              const float *weights, int32_t *labels, double *sums, int sum_deltas, float *chunk_sums,
                              ptrdiff_t chunk_rows, double *cluster_weights, const float *exact_centers, float *scratch,
                              strata_kmeans_assign_totals *totals, int portable);
void strata_kmeans_assign_f64(const double *x, ptrdiff_t rows, ptrdiff_t d, const double *packed, ptrdiff_t k,
                              const double *weights, int32_t *labels, double *sums, int sum_deltas, double *chunk_sums,
                              ptrdiff_t chunk_rows, double *cluster_weights, const double *exact_centers, double *scratch,
                              strata_kmeans_assign_totals *totals, int portable);

/// Elements of the `scratch` argument of `strata_kmeans_assign_*` for `k` centers.
ptrdiff_t strata_kmeans_scratch_count_f32(ptrdiff_t k);
ptrdiff_t strata_kmeans_scratch_count_f64(ptrdiff_t k);

/// `Σ wᵢ ‖xᵢ − c_{labels[i]}‖²` over `rows` rows (`weights` NULL: all ones), each row's squared distance
/// summed in the working precision over the features and the rows' terms in double.
double strata_kmeans_exact_inertia_f32(const float *x, ptrdiff_t rows, ptrdiff_t d, const float *centers,
                                       const int32_t *labels, const float *weights, int portable);
double strata_kmeans_exact_inertia_f64(const double *x, ptrdiff_t rows, ptrdiff_t d, const double *centers,
                                       const int32_t *labels, const double *weights, int portable);

/// The index of the first NaN or infinite element among `count`, or -1 when all are finite.
ptrdiff_t strata_first_nonfinite_f32(const float *values, ptrdiff_t count);
ptrdiff_t strata_first_nonfinite_f64(const double *values, ptrdiff_t count);

/// 1 when this CPU runs the AVX2/FMA path, 0 when it takes the portable one.
int strata_kernels_use_avx2(void);

#ifdef __cplusplus
}
#endif

#endif
