// The bounded Lloyd assignment pass for one precision (declared in include/kmeans_bounds.h). Included by
// kmeans_assign.c right after kmeans_assign_impl.h, with the same macros, so it calls that file's
// `tile_nearest`, `row_values_portable`, `record_block` and `record_row_portable`: a row's label comes from
// the very arithmetic of the plain pass, and rows are recorded into the sums in the same chunks and order.
//
// Bounds (Hamerly 2010, kept as one number per row): `gaps[i]` is a lower bound on `l − u`, where `u` bounds
// the distance from row i to its labelled center from above and `l` the distance to every other center from
// below. When the centers move by `δ_c`, `u` grows by at most `δ_a` and `l` shrinks by at most `max_{j≠a} δ_j`,
// so the gap shrinks by at most their sum. A row may keep its label without a distance computed only when
// the plain pass would certainly pick the same label from its rounded values `f_c = ‖c‖² − 2 x·c`: with
// `|f_c − (‖x − c‖² − ‖x‖²)| ≤ E` for every center, `f_j − f_a ≥ l² − u² − 2E ≥ gap² − 2E`, so a gap above
// `sqrt(2E)` makes `f_a` the unique minimum (see docs/kmeans.md, "Exact bounds", for E).

#define NAME3(a, b) a##_##b
#define NAME2(a, b) NAME3(a, b)
#define NAME(name) NAME2(name, SUFFIX)

/// `v` as a float no greater than it (the gaps are lower bounds and must stay so when stored).
static inline __attribute__((always_inline)) float NAME(gap_down)(double v) {
    v = v > 3.4028234663852886e38 ? 3.4028234663852886e38 : v;  // FLT_MAX; NaN stays NaN
    return (float)(v - fabs(v) * 0x1p-23 - 0x1p-140);
}

/// The gap of a computed row from its two lowest values `f1` (its label's) and `f2` and its `‖x‖²` (`xx`, in
/// the working precision, within `γ_d` of the true one): `sqrt(f₂ + xx − M) − sqrt(f₁ + xx + M)`, each term
/// rounded the safe way, with the margin `M = 2κ (xx + max‖c‖²) ≥ κ (‖x‖ + max‖c‖)²`. −∞ (computed again next
/// pass) when a value is not finite; +∞ for one center (nothing to compete with).
static inline __attribute__((always_inline)) float NAME(new_gap)(T f1_value, T f2_value, T xx_value, ptrdiff_t k,
                                                                  const strata_kmeans_bounds_step *step,
                                                                  double *max_row_norm_squared) {
    const double f1 = (double)f1_value, f2 = (double)f2_value, xx = (double)xx_value;
    if (xx > *max_row_norm_squared) *max_row_norm_squared = xx;
    if (k == 1) return (float)INFINITY;
    if (!(fabs(f1) + fabs(f2) + xx < INFINITY)) return -(float)INFINITY;  // NaN fails too
    const double margin = 2 * step->kappa * (xx + step->center_norm_max * step->center_norm_max) + step->absolute_margin;
    const double slack = 0x1p-50 * (fabs(f1) + fabs(f2) + xx + margin);
    const double upper_squared = f1 + xx + margin + slack;
    const double lower_squared = f2 + xx - margin - slack;
    const double upper = sqrt(upper_squared > 0 ? upper_squared : 0) * (1 + 0x1p-50);
    const double lower = lower_squared > 0 ? sqrt(lower_squared) * (1 - 0x1p-50) : 0;
    return NAME(gap_down)(lower - upper - 0x1p-50 * (lower + upper));
}

/// `‖x‖²` of a row in the working precision (four running sums), for the portable path.
static inline T NAME(row_norm_squared_portable)(const T *row, ptrdiff_t d) {
    T part[4] = {0, 0, 0, 0};
    ptrdiff_t j = 0;
    for (; j + 4 <= d; j += 4) {
        for (int q = 0; q < 4; q++) part[q] += row[j + q] * row[j + q];
    }
    for (; j < d; j++) part[0] += row[j] * row[j];
    return (part[0] + part[1]) + (part[2] + part[3]);
}

/// The lowest of `values[0..<k]` but `values[label]`.
static inline T NAME(second_lowest_portable)(const T *values, ptrdiff_t k, int32_t label) {
    T second = (T)INFINITY;
    for (ptrdiff_t c = 0; c < k; c++) {
        const T value = c == label ? (T)INFINITY : values[c];
        second = value < second ? value : second;
    }
    return second;
}

/// Whether row `i` keeps its label `previous` on its gap; stores the shrunk gap when it does.
static inline __attribute__((always_inline)) int NAME(keeps_label)(int32_t previous, ptrdiff_t k, float *gap, const strata_kmeans_bounds_step *step) {
    if (!step->gap_shrink || previous < 0 || previous >= k) return 0;
    const double shrunk = (double)*gap - step->gap_shrink[previous];
    if (!(shrunk > step->skip_threshold)) return 0;
    *gap = NAME(gap_down)(shrunk);
    return 1;
}

ptrdiff_t NAME(strata_kmeans_bounded_scratch_count)(ptrdiff_t k, ptrdiff_t d) {
    (void)d;
    return TILE_ROWS * NAME(padded_centers)(k);
}

/// The portable bounded pass: `assign_portable` with the rows that keep their label skipped.
static void NAME(bounded_portable)(const T *x, ptrdiff_t rows, ptrdiff_t d, const T *packed, ptrdiff_t k,
                                   const T *weights, int32_t *labels, float *gaps, const strata_kmeans_bounds_step *step,
                                   double *sums, int sum_deltas, T *chunk_sums, ptrdiff_t chunk_rows,
                                   double *cluster_weights, T *dist, strata_kmeans_bounds_totals *totals) {
    double *delta_sums = sum_deltas ? sums : NULL;
    if (sum_deltas) sums = NULL;
    const ptrdiff_t kp = NAME(padded_centers)(k);
    const T *norms = packed + d * kp;
    strata_kmeans_assign_totals recorded = {0, 0, 0};
    ptrdiff_t since_fold = 0;
    for (ptrdiff_t i = 0; i < rows; i++) {
        const T *row = x + i * d;
        int32_t label = labels[i];
        T best = 0;
        if (!NAME(keeps_label)(label, k, gaps + i, step)) {
            NAME(row_values_portable)(row, d, packed, kp, norms, k, dist);
            best = dist[0];
            label = 0;
            for (ptrdiff_t c = 1; c < k; c++) {
                if (dist[c] < best) { best = dist[c]; label = (int32_t)c; }
            }
            gaps[i] = NAME(new_gap)(best, NAME(second_lowest_portable)(dist, k, label),
                                    NAME(row_norm_squared_portable)(row, d), k, step, &totals->max_row_norm_squared);
            totals->computed_rows += 1;
        }
        NAME(record_row_portable)(row, d, weights ? weights[i] : 1, best, label, labels + i, sums ? chunk_sums : NULL,
                                  delta_sums, k, cluster_weights, &recorded);
        if (sums && ++since_fold == chunk_rows) { NAME(fold_chunk)(sums, chunk_sums, k * d); since_fold = 0; }
    }
    if (sums && since_fold > 0) NAME(fold_chunk)(sums, chunk_sums, k * d);
    totals->changed_labels += recorded.changed_labels;
}

#if STRATA_KERNELS_X86

/// Computes the rows `pending[0..<count]` of a window (offsets from `block`, a row pointer) with
/// `tile_nearest` in whole tiles of rows read where they are, the last tile filled up with its last row again
/// (each row's arithmetic does not depend on its neighbours in the tile; one-row tiles are latency-bound,
/// several times slower per row). Writes their minima, labels and gaps.
static inline __attribute__((always_inline)) STRATA_AVX2 void NAME(compute_pending)(
    const T *block, float *block_gaps, const int32_t *pending, ptrdiff_t count, ptrdiff_t d, const T *packed,
    ptrdiff_t k, const strata_kmeans_bounds_step *step, T *best, int32_t *label, T *values,
    double *max_row_norm_squared) {
    const ptrdiff_t kp = NAME(padded_centers)(k);
    T tile_best[TILE_ROWS];
    int32_t tile_label[TILE_ROWS];
    const T *rows[TILE_ROWS];
    for (ptrdiff_t p = 0; p < count; p += TILE_ROWS) {
        const ptrdiff_t used = count - p < TILE_ROWS ? count - p : TILE_ROWS;
        for (int q = 0; q < TILE_ROWS; q++) rows[q] = block + pending[p + (q < used ? q : used - 1)] * d;
        NAME(tile_nearest)(NULL, d, packed, kp, TILE_ROWS, tile_best, tile_label, values, rows);
        for (ptrdiff_t q = 0; q < used; q++) {
            const int32_t r = pending[p + q];
            best[r] = tile_best[q];
            label[r] = tile_label[q];
            // The second-lowest value in vector lanes: the label's lane set to +∞, then the minimum of all.
            T *row_values = values + q * kp;
            row_values[tile_label[q]] = (T)INFINITY;
            V low = VLOADU(row_values);
            for (ptrdiff_t c = LANES; c < kp; c += LANES) low = VMIN(low, VLOADU(row_values + c));
            // ‖x‖² in vector lanes (each lane's sum and the lane total within γ_d, as the portable sum).
            V squares = VSET1(0);
            ptrdiff_t j = 0;
            for (; j + LANES <= d; j += LANES) {
                const V part = VLOADU(rows[q] + j);
                squares = VFMA(part, part, squares);
            }
            T lane[LANES];
            VSTOREU(lane, squares);
            T xx = 0;
            for (int l = 0; l < LANES; l++) xx += lane[l];
            for (; j < d; j++) xx += rows[q][j] * rows[q][j];
            block_gaps[r] = NAME(new_gap)(tile_best[q], VFIRST(VSPREAD_MIN(low)), xx, k, step, max_row_norm_squared);
        }
    }
}

/// Rows decided before their pending rows are computed: a window spans several blocks, so that the rows left
/// to compute fill whole tiles (a block of 96 rows in a late step holds only a few).
enum { NAME(window_rows) = NAME(block_rows) * 8 };

/// `assign_avx2_body` with the rows that keep their label skipped: same chunks (whole tiles), same blocks,
/// the same `record_block` (a kept row's label equals the buffer's, so it counts as unchanged and, with
/// full sums, is added as in the plain pass). The minima passed to `record_block` are 0 for kept rows: this
/// pass reports no inertia.
static inline __attribute__((always_inline)) STRATA_AVX2 void NAME(bounded_avx2_body)(
    const T *x, ptrdiff_t rows, ptrdiff_t d, const T *packed, ptrdiff_t k, const int weighted, const T *weights,
    int32_t *labels, float *gaps, const strata_kmeans_bounds_step *step, double *sums, int sum_deltas, T *chunk_sums,
    ptrdiff_t chunk_rows, double *cluster_weights, T *scratch, strata_kmeans_bounds_totals *totals) {
    double *delta_sums = sum_deltas ? sums : NULL;
    if (sum_deltas) sums = NULL;
    T *block_sums = sums ? chunk_sums : NULL;
    T *values = scratch;
    const ptrdiff_t row_bytes = d * (ptrdiff_t)sizeof(T);
    int64_t changed_labels = 0, computed_rows = 0;
    double lanes[4] = {0, 0, 0, 0}, no_inertia = 0;
    T best[NAME(window_rows)];
    int32_t label[NAME(window_rows)], pending[NAME(window_rows)];
    ptrdiff_t i = 0;
    while (i < rows) {
        const ptrdiff_t chunk_end = rows - i > chunk_rows ? i + chunk_rows : rows;
        while (i < chunk_end) {
            const ptrdiff_t window_end = chunk_end - i > NAME(window_rows) ? i + NAME(window_rows) : chunk_end;
            const ptrdiff_t count = window_end - i;
            ptrdiff_t waiting = 0;
            for (ptrdiff_t r = 0; r < count; r++) {
                label[r] = labels[i + r];
                best[r] = 0;
                if (!NAME(keeps_label)(label[r], k, gaps + i + r, step)) {
                    pending[waiting++] = (int32_t)r;
                    // Fetched while the rest of the window is decided: the rows to compute are scattered,
                    // which the hardware prefetcher does not follow.
                    const char *row = (const char *)(x + (i + r) * d);
                    for (ptrdiff_t byte = 0; byte < row_bytes; byte += 64) __builtin_prefetch(row + byte, 0, 3);
                }
            }
            NAME(compute_pending)(x + i * d, gaps + i, pending, waiting, d, packed, k, step, best, label, values,
                                  &totals->max_row_norm_squared);
            computed_rows += waiting;
            // Recorded in the plain pass's blocks (the order of rows is what the sums depend on).
            for (ptrdiff_t start = 0; start < count; start += NAME(block_rows)) {
                const ptrdiff_t size = count - start < NAME(block_rows) ? count - start : NAME(block_rows);
                NAME(record_block)(x + (i + start) * d, size, d, weighted, weighted ? weights + i + start : NULL,
                                   best + start, label + start, labels + i + start, block_sums, delta_sums, k,
                                   cluster_weights, NULL, &changed_labels, lanes, &no_inertia);
            }
            i = window_end;
        }
        if (sums) NAME(fold_chunk)(sums, chunk_sums, k * d);
    }
    totals->changed_labels += changed_labels;
    totals->computed_rows += computed_rows;
}

static STRATA_AVX2 void NAME(bounded_avx2)(const T *x, ptrdiff_t rows, ptrdiff_t d, const T *packed, ptrdiff_t k,
                                           const T *weights, int32_t *labels, float *gaps,
                                           const strata_kmeans_bounds_step *step, double *sums, int sum_deltas,
                                           T *chunk_sums, ptrdiff_t chunk_rows, double *cluster_weights, T *scratch,
                                           strata_kmeans_bounds_totals *totals) {
    if (weights) {
        NAME(bounded_avx2_body)(x, rows, d, packed, k, 1, weights, labels, gaps, step, sums, sum_deltas, chunk_sums,
                                chunk_rows, cluster_weights, scratch, totals);
    } else {
        NAME(bounded_avx2_body)(x, rows, d, packed, k, 0, weights, labels, gaps, step, sums, sum_deltas, chunk_sums,
                                chunk_rows, cluster_weights, scratch, totals);
    }
}

#endif

void NAME(strata_kmeans_bounded_assign)(const T *x, ptrdiff_t rows, ptrdiff_t d, const T *packed, ptrdiff_t k,
                                        const T *weights, int32_t *labels, float *gaps,
                                        const strata_kmeans_bounds_step *step, double *sums, int sum_deltas,
                                        T *chunk_sums, ptrdiff_t chunk_rows, double *cluster_weights, T *scratch,
                                        strata_kmeans_bounds_totals *totals, int portable) {
    // The same normalization of the arguments as strata_kmeans_assign_*, so chunks fall on the same rows.
    if (chunk_rows < 1) chunk_rows = 1;
    if (!sums) sum_deltas = 0;
#if STRATA_KERNELS_X86
    if (!portable && strata_kernels_use_avx2()) {
        const ptrdiff_t tiled_chunk = chunk_rows < TILE_ROWS ? TILE_ROWS : chunk_rows / TILE_ROWS * TILE_ROWS;
        NAME(bounded_avx2)(x, rows, d, packed, k, weights, labels, gaps, step, sums, sum_deltas, chunk_sums, tiled_chunk,
                           cluster_weights, scratch, totals);
        return;
    }
#endif
    NAME(bounded_portable)(x, rows, d, packed, k, weights, labels, gaps, step, sums, sum_deltas, chunk_sums, chunk_rows,
                           cluster_weights, scratch, totals);
}

#undef NAME
#undef NAME2
#undef NAME3
