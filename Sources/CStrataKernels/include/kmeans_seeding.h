#ifndef STRATA_KMEANS_SEEDING_H
#define STRATA_KMEANS_SEEDING_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// The largest block of rows whose sums the seeding pass keeps apart (its `‖x‖²` stay on the stack).
#define STRATA_KMEANS_SEEDING_BLOCK_MAX 256

/// One greedy k-means++ step over `rows` rows, in blocks of `block_rows` (at most
/// STRATA_KMEANS_SEEDING_BLOCK_MAX; `blocks` = ⌈rows / block_rows⌉): first lowers `closest[i]` to
/// `max(‖xᵢ‖² − 2 xᵢ·p + ‖p‖², 0)` for the `pending` center `p` (none when NULL), then writes per block
/// `b` into `block_sums[b]` the sum of `wᵢ closestᵢ` and into `block_sums[(c + 1)·blocks + b]` the sum of
/// `wᵢ min(closestᵢ, dᵢ(c))` for each of the `m` candidates (`m×d`, with their norms). Each row's value is the
/// working-precision product `wᵢ · distance`, added in double in row order (`weights` NULL: all ones).
void strata_kmeans_seeding_pass_f32(const float *x, ptrdiff_t rows, ptrdiff_t d, const float *pending, float pending_norm,
                                    const float *candidates, const float *candidate_norms, ptrdiff_t m, float *closest,
                                    const float *weights, ptrdiff_t block_rows, double *block_sums, int portable);
void strata_kmeans_seeding_pass_f64(const double *x, ptrdiff_t rows, ptrdiff_t d, const double *pending, double pending_norm,
                                    const double *candidates, const double *candidate_norms, ptrdiff_t m, double *closest,
                                    const double *weights, ptrdiff_t block_rows, double *block_sums, int portable);

/// The values the seeding pass adds up, row by row, into `values`: `wᵢ min(closestᵢ, dᵢ(center))`, or
/// `wᵢ closestᵢ` when `center` is NULL; the same arithmetic as `strata_kmeans_seeding_pass_*` on the same path.
void strata_kmeans_seeding_values_f32(const float *x, ptrdiff_t rows, ptrdiff_t d, const float *center, float center_norm,
                                      const float *closest, const float *weights, double *values, int portable);
void strata_kmeans_seeding_values_f64(const double *x, ptrdiff_t rows, ptrdiff_t d, const double *center, double center_norm,
                                      const double *closest, const double *weights, double *values, int portable);

#ifdef __cplusplus
}
#endif

#endif
