// The bounded Lloyd assignment pass (kmeans_bounds_impl.h). Included by CStrataKernels.h; not an API.
#ifndef STRATA_C_KERNELS_BOUNDS_H
#define STRATA_C_KERNELS_BOUNDS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// What a bounded pass needs to know about the move of the centers since the pass that left the gaps.
typedef struct {
    /// For each center `a` (`k` entries), how much the gap of a row labelled `a` can have shrunk: an upper
    /// bound on `‖a' − a‖ + max_{j≠a} ‖j' − j‖` over the centers' moves. NULL: there are no gaps yet (every row is
    /// computed, as on a run's first step).
    const double *gap_shrink;
    /// A row whose shrunk gap exceeds this keeps its label without a distance computed: above it, rounding in
    /// `‖c‖² − 2 x·c` cannot make another center's value as low as the label's.
    double skip_threshold;
    /// The rounding coefficient κ of the margin `κ (‖x‖ + center_norm_max)² + absolute_margin` by which a new
    /// gap is narrowed (see docs/kmeans.md, "Exact bounds").
    double kappa;
    /// At least the largest center norm.
    double center_norm_max;
    /// Covers underflow: a few times the smallest subnormal of the working precision.
    double absolute_margin;
} strata_kmeans_bounds_step;

/// What a bounded pass over a range of rows adds up.
typedef struct {
    /// Rows whose label differs from the one `labels` held before.
    int64_t changed_labels;
    /// Rows whose distances to every center were computed (the others kept their label on their gap).
    int64_t computed_rows;
    /// The largest `‖x‖²` (in Double) among the computed rows.
    double max_row_norm_squared;
} strata_kmeans_bounds_totals;

/// Elements of the `scratch` argument of `strata_kmeans_bounded_assign_*` for `k` centers of `d` features.
ptrdiff_t strata_kmeans_bounded_scratch_count_f32(ptrdiff_t k, ptrdiff_t d);
ptrdiff_t strata_kmeans_bounded_scratch_count_f64(ptrdiff_t k, ptrdiff_t d);

/// A Lloyd assignment pass like `strata_kmeans_assign_*` (same `packed` centers, labels, sums, sum deltas,
/// chunk sums, cluster weights and portable switch; no inertia) that skips the rows whose label is known.
///
/// `gaps[i]` is a lower bound on `(distance from row i to its second-nearest center) − (distance to its
/// labelled one)` for the centers of the previous pass. A row whose gap, shrunk by `step->gap_shrink[label]`,
/// exceeds `step->skip_threshold` keeps its label and stores the shrunk gap (rounded down); every other row
/// (and every row when `gap_shrink` is NULL or its label is not a cluster) gets its values `‖c‖² − 2 x·c`
/// from the very arithmetic of `strata_kmeans_assign_*` (the same tile function, or the same portable loop),
/// hence the same label, and a new gap from its two lowest values narrowed by the rounding margin. The
/// labels are then recorded as that pass records them (same chunks, same order), so labels, sums, weights and
/// changed-label counts equal that pass's bit for bit.
void strata_kmeans_bounded_assign_f32(const float *x, ptrdiff_t rows, ptrdiff_t d, const float *packed, ptrdiff_t k,
                                      const float *weights, int32_t *labels, float *gaps,
                                      const strata_kmeans_bounds_step *step, double *sums, int sum_deltas,
                                      float *chunk_sums, ptrdiff_t chunk_rows, double *cluster_weights, float *scratch,
                                      strata_kmeans_bounds_totals *totals, int portable);
void strata_kmeans_bounded_assign_f64(const double *x, ptrdiff_t rows, ptrdiff_t d, const double *packed, ptrdiff_t k,
                                      const double *weights, int32_t *labels, float *gaps,
                                      const strata_kmeans_bounds_step *step, double *sums, int sum_deltas,
                                      double *chunk_sums, ptrdiff_t chunk_rows, double *cluster_weights, double *scratch,
                                      strata_kmeans_bounds_totals *totals, int portable);

#ifdef __cplusplus
}
#endif

#endif
