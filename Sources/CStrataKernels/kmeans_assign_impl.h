// The assignment kernels for one precision. Included by kmeans_assign.c once per precision with:
//   T                   the scalar type; SUFFIX f32 or f64
//   V, LANES            the AVX2 vector type and its lanes
//   TILE_ROWS, GROUP    rows per register tile and vectors of centers per step; TILE_ROWS·GROUP
//                       accumulators stay in registers (12 of the 16 ymm registers)
//   VLOADU, VSTOREU, VSET1, VFMA, VMIN, VCMPEQ_MASK (lane bits), VSPREAD_MIN (the minimum in all
//                       lanes), VFIRST (lane 0)   the AVX2 operations
// Every function name goes through NAME(...), so each inclusion defines its own set.

#define NAME3(a, b) a##_##b
#define NAME2(a, b) NAME3(a, b)
#define NAME(name) NAME2(name, SUFFIX)

static inline ptrdiff_t NAME(padded_centers)(ptrdiff_t k) { return (k + LANES - 1) / LANES * LANES; }

ptrdiff_t NAME(strata_kmeans_packed_count)(ptrdiff_t k, ptrdiff_t d) {
    return (d + 1) * NAME(padded_centers)(k);
}

ptrdiff_t NAME(strata_kmeans_scratch_count)(ptrdiff_t k) { return NAME(padded_centers)(k); }

void NAME(strata_kmeans_pack)(const T *centers, ptrdiff_t k, ptrdiff_t d, T *packed) {
    const ptrdiff_t kp = NAME(padded_centers)(k);
    for (ptrdiff_t j = 0; j < d; j++) {
        for (ptrdiff_t c = 0; c < kp; c++) packed[j * kp + c] = c < k ? -2 * centers[c * d + j] : 0;
    }
    T *norms = packed + d * kp;
    for (ptrdiff_t c = 0; c < kp; c++) {
        T norm = 0;
        if (c < k) {
            for (ptrdiff_t j = 0; j < d; j++) norm += centers[c * d + j] * centers[c * d + j];
        }
        norms[c] = c < k ? norm : (T)INFINITY;
    }
}

/// Moves a row whose label changed between the Double sums: `w·x` leaves `previous` (when it was a label:
/// `0 <= previous < k`) and joins `label`. The products of Float values are exact in Double, so the sums stay
/// those of their rows up to Double rounding however many iterations they are carried.
static inline void NAME(move_row)(const T *row, ptrdiff_t d, T weight, int32_t previous, int32_t label,
                                  double *delta_sums, ptrdiff_t k) {
    const double w = (double)weight;
    double *to = delta_sums + (ptrdiff_t)label * d;
    if (previous >= 0 && previous < k) {
        double *from = delta_sums + (ptrdiff_t)previous * d;
        for (ptrdiff_t j = 0; j < d; j++) {
            const double value = w * (double)row[j];
            from[j] -= value;
            to[j] += value;
        }
    } else {
        for (ptrdiff_t j = 0; j < d; j++) to[j] += w * (double)row[j];
    }
}

/// Adds `w·‖x − c_label‖²` for row `i` (`x` is the row) to `inertia`: the exact inertia, computed directly.
static inline void NAME(add_exact_portable)(const T *row, ptrdiff_t d, const T *centers, int32_t label,
                                            const T *weights, ptrdiff_t i, double *inertia) {
    const T *center = centers + (ptrdiff_t)label * d;
    T squared = 0;
    for (ptrdiff_t j = 0; j < d; j++) { const T diff = row[j] - center[j]; squared += diff * diff; }
    *inertia += weights ? (double)weights[i] * (double)squared : (double)squared;
}

#if STRATA_KERNELS_X86
/// ``add_exact_portable`` with the row's squared distance in vector lanes (then summed across lanes), so
/// the additions over the features do not wait on each other.
static inline __attribute__((always_inline)) STRATA_AVX2 void NAME(add_exact_avx2)(
    const T *row, ptrdiff_t d, const T *centers, int32_t label, const T *weights, ptrdiff_t i, double *inertia) {
    const T *center = centers + (ptrdiff_t)label * d;
    V acc0 = VSET1(0), acc1 = VSET1(0);
    ptrdiff_t j = 0;
    for (; j + 2 * LANES <= d; j += 2 * LANES) {
        const V a = VSUB(VLOADU(row + j), VLOADU(center + j));
        const V b = VSUB(VLOADU(row + j + LANES), VLOADU(center + j + LANES));
        acc0 = VFMA(a, a, acc0);
        acc1 = VFMA(b, b, acc1);
    }
    for (; j + LANES <= d; j += LANES) {
        const V a = VSUB(VLOADU(row + j), VLOADU(center + j));
        acc0 = VFMA(a, a, acc0);
    }
    T lanes[LANES];
    VSTOREU(lanes, VADD(acc0, acc1));
    T squared = 0;
    for (int lane = 0; lane < LANES; lane++) squared += lanes[lane];
    for (; j < d; j++) { const T diff = row[j] - center[j]; squared += diff * diff; }
    *inertia += weights ? (double)weights[i] * (double)squared : (double)squared;
}
#endif

/// Moves a changed row's weight between the clusters: the weight half of ``move_row``.
static inline void NAME(move_weight)(double weight, int32_t previous, int32_t label, double *cluster_weights,
                                     ptrdiff_t k) {
    if (previous >= 0 && previous < k) cluster_weights[previous] -= weight;
    cluster_weights[label] += weight;
}

/// Everything a row contributes once its label is known. With `delta_sums` (the pass carries sums), only a
/// row whose label changed moves between the Double sums and the cluster weights; otherwise every row adds
/// `w·x` to the chunk sums of `label` and `w` to its weight.
static inline void NAME(record_row_portable)(const T *row, ptrdiff_t d, T weight, T best, int32_t label,
                                             int32_t *label_slot, T *chunk_sums, double *delta_sums, ptrdiff_t k,
                                             double *cluster_weights, strata_kmeans_assign_totals *totals) {
    const int32_t previous = *label_slot;
    if (previous != label) {
        totals->changed_labels += 1;
        if (delta_sums) {
            NAME(move_row)(row, d, weight, previous, label, delta_sums, k);
            NAME(move_weight)((double)weight, previous, label, cluster_weights, k);
        }
    }
    *label_slot = label;
    totals->inertia_without_row_norms += (double)weight * (double)best;
    if (!delta_sums) cluster_weights[label] += (double)weight;
    if (chunk_sums) {
        T *target = chunk_sums + (ptrdiff_t)label * d;
        for (ptrdiff_t j = 0; j < d; j++) target[j] += weight * row[j];
    }
}

static void NAME(fold_chunk)(double *sums, T *chunk_sums, ptrdiff_t count) {
    for (ptrdiff_t index = 0; index < count; index++) {
        sums[index] += (double)chunk_sums[index];
        chunk_sums[index] = 0;
    }
}

/// The portable path's `‖c‖² − 2 x·c` of one row for the `k` centers, into `dist` (the bounded pass uses it too,
/// so both take their labels from the same arithmetic).
static inline void NAME(row_values_portable)(const T *row, ptrdiff_t d, const T *packed, ptrdiff_t kp, const T *norms,
                                             ptrdiff_t k, T *dist) {
    for (ptrdiff_t c = 0; c < k; c++) dist[c] = norms[c];
    for (ptrdiff_t j = 0; j < d; j++) {
        const T xj = row[j], *column = packed + j * kp;
        for (ptrdiff_t c = 0; c < k; c++) dist[c] += xj * column[c];
    }
}

/// The portable path: one row at a time, distances accumulated over the features in `dist`.
static void NAME(assign_portable)(const T *x, ptrdiff_t rows, ptrdiff_t d, const T *packed, ptrdiff_t k,
                                  const T *weights, int32_t *labels, double *sums, int sum_deltas, T *chunk_sums,
                                  ptrdiff_t chunk_rows, double *cluster_weights, const T *exact_centers, T *dist,
                                  strata_kmeans_assign_totals *totals) {
    double *delta_sums = sum_deltas ? sums : NULL;
    if (sum_deltas) sums = NULL;  // no full sums: only the rows that change label touch the sums
    const ptrdiff_t kp = NAME(padded_centers)(k);
    const T *norms = packed + d * kp;
    ptrdiff_t since_fold = 0;
    for (ptrdiff_t i = 0; i < rows; i++) {
        const T *row = x + i * d;
        NAME(row_values_portable)(row, d, packed, kp, norms, k, dist);
        T best = dist[0];
        int32_t label = 0;
        for (ptrdiff_t c = 1; c < k; c++) {
            if (dist[c] < best) { best = dist[c]; label = (int32_t)c; }
        }
        NAME(record_row_portable)(row, d, weights ? weights[i] : 1, best, label, labels + i,
                                  sums ? chunk_sums : NULL, delta_sums, k, cluster_weights, totals);
        if (exact_centers) NAME(add_exact_portable)(row, d, exact_centers, label, weights, i, &totals->exact_inertia);
        if (sums && ++since_fold == chunk_rows) { NAME(fold_chunk)(sums, chunk_sums, k * d); since_fold = 0; }
    }
    if (sums && since_fold > 0) NAME(fold_chunk)(sums, chunk_sums, k * d);
}

#if STRATA_KERNELS_X86

/// One step of ``tile_nearest``: centers `c ..< c + NV·LANES` (`NV` vectors, a constant at each call) for the
/// tile's `R` rows, in one pass over the features with the `R·NV` accumulators in registers.
///
/// Each row's running best is updated from the accumulators without a store: the step's minimum is spread to
/// all lanes, the first lane equal to it gives the index, and the step replaces the best only when strictly
/// lower, so ties go to the lower center index. Every center's value is the same chain of operations whatever
/// the step that holds it (`‖c‖²`, then one FMA per feature in order), so how the centers are grouped into
/// steps changes no value and no label.
static inline __attribute__((always_inline)) STRATA_AVX2 void NAME(tile_step)(
    const T *const *row, ptrdiff_t d, const T *packed, ptrdiff_t kp, ptrdiff_t c, const int R, const int NV, T *best,
    int32_t *label, T *values) {
    const T *norms = packed + d * kp;
    V acc[TILE_ROWS][GROUP];
    for (int g = 0; g < NV; g++) {
        const V norm = VLOADU(norms + c + g * LANES);
        for (int r = 0; r < R; r++) acc[r][g] = norm;
    }
    for (ptrdiff_t j = 0; j < d; j++) {
        V center[GROUP];
        for (int g = 0; g < NV; g++) center[g] = VLOADU(packed + j * kp + c + g * LANES);
        for (int r = 0; r < R; r++) {
            const V xb = VSET1(row[r][j]);
            for (int g = 0; g < NV; g++) acc[r][g] = VFMA(xb, center[g], acc[r][g]);
        }
    }
    if (values) {
        for (int r = 0; r < R; r++) {
            for (int g = 0; g < NV; g++) VSTOREU(values + r * kp + c + g * LANES, acc[r][g]);
        }
    }
    for (int r = 0; r < R; r++) {
        V low = acc[r][0];
        for (int g = 1; g < NV; g++) low = VMIN(low, acc[r][g]);
        low = VSPREAD_MIN(low);
        uint32_t mask = 0;
        for (int g = 0; g < NV; g++) mask |= (uint32_t)VCMPEQ_MASK(acc[r][g], low) << (g * LANES);
        const T value = VFIRST(low);
        const int32_t index = (int32_t)c + (int32_t)__builtin_ctz(mask);
        const int lower = value < best[r];
        best[r] = lower ? value : best[r];
        label[r] = lower ? index : label[r];
    }
}

/// For `R` consecutive rows, the nearest center by `‖c‖² − 2 x·c` (the first minimum) and that minimum.
///
/// Centers go in steps of `GROUP` vectors (`tile_step`), the last step taking the vectors left, 1 to `GROUP`,
/// in one pass too: taken one vector at a time, as before, a step has only `R` accumulators, whose FMA chains
/// wait on each other's latency (k = 10 in Double, three vectors, took three such passes over the features).
/// Padding centers hold +infinity. With `values` (NULL at the plain pass's calls, so the stores compile away
/// there), every row's `kp` values `‖c‖² − 2 x·c` are stored too (row `r` at `values + r·kp`): the bounded pass
/// (kmeans_bounds_impl.h) takes its labels from this same arithmetic and its second-nearest distance from the
/// stored values. With `rows_at` (NULL at the plain pass's calls), row `r` is read at `rows_at[r]` instead of
/// `x + r·d`.
static inline __attribute__((always_inline)) STRATA_AVX2 void NAME(tile_nearest)(
    const T *x, ptrdiff_t d, const T *packed, ptrdiff_t kp, const int R, T *best, int32_t *label, T *values,
    const T *const *rows_at) {
    const T *row[TILE_ROWS];
    for (int r = 0; r < R; r++) row[r] = rows_at ? rows_at[r] : x + r * d;
    for (int r = 0; r < R; r++) { best[r] = (T)INFINITY; label[r] = 0; }
    ptrdiff_t c = 0;
    for (; c + GROUP * LANES <= kp; c += GROUP * LANES) NAME(tile_step)(row, d, packed, kp, c, R, GROUP, best, label, values);
    switch ((kp - c) / LANES) {
    case 0: break;
    case 1: NAME(tile_step)(row, d, packed, kp, c, R, 1, best, label, values); break;
#if GROUP > 2
    case 2: NAME(tile_step)(row, d, packed, kp, c, R, 2, best, label, values); break;
    case 3: NAME(tile_step)(row, d, packed, kp, c, R, 3, best, label, values); break;
#endif
    default: __builtin_unreachable();
    }
}

/// Rows per block: the tiles of a block write their minima and labels to arrays on the stack, which
/// ``record_block`` then reads. Recording a block at a time (labels compared eight at a time, no per-row
/// weight update when sums are carried) measured 7–11% faster than recording each row after its tile.
enum { NAME(block_rows) = TILE_ROWS * 16 };
/// How far ahead of its tile a block prefetches X, in tiles (8: 5–8% faster than none on 1M×32 Float rows,
/// 2 workers, in one pass; 4 to 20 tiles measured alike).
enum { NAME(prefetch_tiles) = 8 };

/// Records a block of `count` rows whose minima `best` and nearest centers `label` are known.
///
/// Labels are compared with the buffer's eight at a time; a changed row counts in `changed_labels` and,
/// when the pass carries sums (`delta_sums`), moves between the Double sums and the cluster weights. The
/// minima are summed in four Double lanes (row `r` in lane `r % 4`). Without carried sums every row adds its
/// weight, and with `chunk_sums` its `w·x`. `weighted` is a constant at each call: without weights the sums
/// take plain additions, which leave the FMA units to the distances. With `exact_centers` (row-major `k×d`),
/// each row's `w·‖x − c_label‖²` is added to `exact_inertia`, in row order.
static inline __attribute__((always_inline)) STRATA_AVX2 void NAME(record_block)(
    const T *x, ptrdiff_t count, ptrdiff_t d, const int weighted, const T *weights, const T *best,
    const int32_t *label, int32_t *labels, T *chunk_sums, double *delta_sums, ptrdiff_t k, double *cluster_weights,
    const T *exact_centers, int64_t *changed_labels, double *lanes, double *exact_inertia) {
    ptrdiff_t r = 0;
    for (; r < count; r += 8) {
        unsigned changed;
        if (r + 8 <= count) {
            const __m256i now = _mm256_loadu_si256((const __m256i *)(label + r));
            const __m256i before = _mm256_loadu_si256((const __m256i *)(labels + r));
            changed = ~(unsigned)_mm256_movemask_ps(_mm256_castsi256_ps(_mm256_cmpeq_epi32(now, before))) & 0xffu;
        } else {
            changed = 0;
            for (ptrdiff_t q = 0; r + q < count; q++) changed |= (unsigned)(label[r + q] != labels[r + q]) << q;
        }
        while (changed) {
            const ptrdiff_t i = r + __builtin_ctz(changed);
            changed &= changed - 1;
            *changed_labels += 1;
            if (delta_sums) {
                const T weight = weighted ? weights[i] : 1;
                NAME(move_row)(x + i * d, d, weight, labels[i], label[i], delta_sums, k);
                NAME(move_weight)((double)weight, labels[i], label[i], cluster_weights, k);
            }
        }
    }
    memcpy(labels, label, (size_t)count * sizeof *labels);
    for (r = 0; r < count; r++) lanes[r & 3] += weighted ? (double)weights[r] * (double)best[r] : (double)best[r];
    if (exact_centers) {
        for (r = 0; r < count; r++) NAME(add_exact_avx2)(x + r * d, d, exact_centers, label[r], weights, r, exact_inertia);
    }
    if (delta_sums) return;
    for (r = 0; r < count; r++) cluster_weights[label[r]] += weighted ? (double)weights[r] : 1.0;
    if (!chunk_sums) return;
    for (r = 0; r < count; r++) {
        T *target = chunk_sums + (ptrdiff_t)label[r] * d;
        const T *row = x + r * d;
        ptrdiff_t j = 0;
        if (weighted) {
            const V w = VSET1(weights[r]);
            for (; j + LANES <= d; j += LANES) VSTOREU(target + j, VFMA(w, VLOADU(row + j), VLOADU(target + j)));
            for (; j < d; j++) target[j] += weights[r] * row[j];
        } else {
            for (; j + LANES <= d; j += LANES) VSTOREU(target + j, VADD(VLOADU(row + j), VLOADU(target + j)));
            for (; j < d; j++) target[j] += row[j];
        }
    }
}

static inline __attribute__((always_inline)) STRATA_AVX2 void NAME(assign_avx2_body)(
    const T *x, ptrdiff_t rows, ptrdiff_t d, const T *packed, ptrdiff_t k, const int weighted, const T *weights,
    int32_t *labels, double *sums, int sum_deltas, T *chunk_sums, ptrdiff_t chunk_rows, double *cluster_weights,
    const T *exact_centers, strata_kmeans_assign_totals *totals) {
    const ptrdiff_t kp = NAME(padded_centers)(k);
    double *delta_sums = sum_deltas ? sums : NULL;
    if (sum_deltas) sums = NULL;  // no full sums: only the rows that change label touch the sums
    T *block_sums = sums ? chunk_sums : NULL;
    const ptrdiff_t tile_bytes = TILE_ROWS * d * (ptrdiff_t)sizeof(T);
    int64_t changed_labels = totals->changed_labels;
    double lanes[4] = {0, 0, 0, 0};
    double exact_inertia = totals->exact_inertia;
    T best[NAME(block_rows)];
    int32_t label[NAME(block_rows)];
    ptrdiff_t i = 0;
    while (i < rows) {
        // A chunk of whole blocks of whole tiles (its Float sums are folded into Double after it).
        const ptrdiff_t chunk_end = rows - i > chunk_rows ? i + chunk_rows : rows;
        while (i < chunk_end) {
            const ptrdiff_t block_end = chunk_end - i > NAME(block_rows) ? i + NAME(block_rows) : chunk_end;
            ptrdiff_t r = i;
            for (; r + TILE_ROWS <= block_end; r += TILE_ROWS) {
                if (r + (NAME(prefetch_tiles) + 1) * TILE_ROWS <= rows) {
                    const char *ahead = (const char *)(x + (r + NAME(prefetch_tiles) * TILE_ROWS) * d);
                    for (ptrdiff_t byte = 0; byte < tile_bytes; byte += 64) __builtin_prefetch(ahead + byte, 0, 3);
                }
                NAME(tile_nearest)(x + r * d, d, packed, kp, TILE_ROWS, best + (r - i), label + (r - i), NULL, NULL);
            }
            for (; r < block_end; r++) NAME(tile_nearest)(x + r * d, d, packed, kp, 1, best + (r - i), label + (r - i), NULL, NULL);
            NAME(record_block)(x + i * d, block_end - i, d, weighted, weighted ? weights + i : NULL, best, label,
                               labels + i, block_sums, delta_sums, k, cluster_weights, exact_centers, &changed_labels,
                               lanes, &exact_inertia);
            i = block_end;
        }
        if (sums) NAME(fold_chunk)(sums, chunk_sums, k * d);
    }
    totals->changed_labels = changed_labels;
    totals->exact_inertia = exact_inertia;
    totals->inertia_without_row_norms += (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
}

static STRATA_AVX2 void NAME(assign_avx2)(const T *x, ptrdiff_t rows, ptrdiff_t d, const T *packed, ptrdiff_t k,
                                          const T *weights, int32_t *labels, double *sums, int sum_deltas, T *chunk_sums,
                                          ptrdiff_t chunk_rows, double *cluster_weights, const T *exact_centers,
                                          strata_kmeans_assign_totals *totals) {
    if (weights) {
        NAME(assign_avx2_body)(x, rows, d, packed, k, 1, weights, labels, sums, sum_deltas, chunk_sums, chunk_rows,
                               cluster_weights, exact_centers, totals);
    } else {
        NAME(assign_avx2_body)(x, rows, d, packed, k, 0, weights, labels, sums, sum_deltas, chunk_sums, chunk_rows,
                               cluster_weights, exact_centers, totals);
    }
}

#endif

void NAME(strata_kmeans_assign)(const T *x, ptrdiff_t rows, ptrdiff_t d, const T *packed, ptrdiff_t k,
                                const T *weights, int32_t *labels, double *sums, int sum_deltas, T *chunk_sums,
                                ptrdiff_t chunk_rows, double *cluster_weights, const T *exact_centers, T *scratch,
                                strata_kmeans_assign_totals *totals, int portable) {
    if (chunk_rows < 1) chunk_rows = 1;
    if (!sums) sum_deltas = 0;  // deltas are of sums: without them every row adds its weight
#if STRATA_KERNELS_X86
    if (!portable && strata_kernels_use_avx2()) {
        // Chunks hold whole tiles, so rows are grouped the same way whatever the chunk size.
        const ptrdiff_t tiled_chunk = chunk_rows < TILE_ROWS ? TILE_ROWS : chunk_rows / TILE_ROWS * TILE_ROWS;
        NAME(assign_avx2)(x, rows, d, packed, k, weights, labels, sums, sum_deltas, chunk_sums, tiled_chunk, cluster_weights,
                          exact_centers, totals);
        return;
    }
#endif
    NAME(assign_portable)(x, rows, d, packed, k, weights, labels, sums, sum_deltas, chunk_sums, chunk_rows, cluster_weights,
                          exact_centers, scratch, totals);
}

#if STRATA_KERNELS_X86
static STRATA_AVX2 double NAME(exact_inertia_avx2)(const T *x, ptrdiff_t rows, ptrdiff_t d, const T *centers,
                                                  const int32_t *labels, const T *weights) {
    double inertia = 0;
    for (ptrdiff_t i = 0; i < rows; i++) NAME(add_exact_avx2)(x + i * d, d, centers, labels[i], weights, i, &inertia);
    return inertia;
}
#endif

double NAME(strata_kmeans_exact_inertia)(const T *x, ptrdiff_t rows, ptrdiff_t d, const T *centers,
                                         const int32_t *labels, const T *weights, int portable) {
#if STRATA_KERNELS_X86
    if (!portable && strata_kernels_use_avx2()) return NAME(exact_inertia_avx2)(x, rows, d, centers, labels, weights);
#endif
    double inertia = 0;
    for (ptrdiff_t i = 0; i < rows; i++) NAME(add_exact_portable)(x + i * d, d, centers, labels[i], weights, i, &inertia);
    return inertia;
}

/// `a·b` over `d` elements with four running sums (element `j` in sum `j % 4`), as the Swift loops of the
/// GEMM paths.
static inline T NAME(dot_portable)(const T *a, const T *b, ptrdiff_t d) {
    T sums[4] = {0, 0, 0, 0};
    ptrdiff_t j = 0;
    for (; j + 4 <= d; j += 4) {
        for (int q = 0; q < 4; q++) sums[q] += a[j + q] * b[j + q];
    }
    for (; j < d; j++) sums[0] += a[j] * b[j];
    return (sums[0] + sums[1]) + (sums[2] + sums[3]);
}

/// The k-means++ distance `max(‖x‖² − 2 x·c + ‖c‖², 0)` (scikit-learn's form), lowered to `closest`.
static inline T NAME(seeding_distance)(T norm, T dot, T center_norm, T closest) {
    T distance = norm - 2 * dot + center_norm;
    distance = distance > 0 ? distance : 0;
    return closest < distance ? closest : distance;
}

#if STRATA_KERNELS_X86
/// `a·b` over `d` elements as a vector of partial sums, plus the scalar sum of the elements past the last
/// whole vector.
static inline __attribute__((always_inline)) STRATA_AVX2 void NAME(dot_lanes)(const T *a, const T *b, ptrdiff_t d,
                                                                             V *lanes, T *tail) {
    V s0 = VSET1(0), s1 = VSET1(0);
    ptrdiff_t j = 0;
    for (; j + 2 * LANES <= d; j += 2 * LANES) {
        s0 = VFMA(VLOADU(a + j), VLOADU(b + j), s0);
        s1 = VFMA(VLOADU(a + j + LANES), VLOADU(b + j + LANES), s1);
    }
    for (; j + LANES <= d; j += LANES) s0 = VFMA(VLOADU(a + j), VLOADU(b + j), s0);
    T rest = 0;
    for (; j < d; j++) rest += a[j] * b[j];
    *lanes = VADD(s0, s1);
    *tail = rest;
}

/// Two dot products, `a·b` and `c·e`, with one horizontal reduction for both.
static inline __attribute__((always_inline)) STRATA_AVX2 void NAME(two_dots)(const T *a, const T *b, const T *c,
                                                                            const T *e, ptrdiff_t d, T *first,
                                                                            T *second) {
    V first_lanes, second_lanes;
    T first_tail, second_tail;
    NAME(dot_lanes)(a, b, d, &first_lanes, &first_tail);
    NAME(dot_lanes)(c, e, d, &second_lanes, &second_tail);
    VPAIR_SUM(first_lanes, second_lanes, first, second);
    *first += first_tail;
    *second += second_tail;
}

#endif

/// Blocks of 256 elements are checked without branches (the exponent field all ones means NaN or infinity),
/// which the compiler vectorizes; only a flagged block is scanned element by element.
static inline BITS NAME(bits_of)(const T *value) {
    BITS bits;
    memcpy(&bits, value, sizeof bits);  // not a pointer cast: that would break C's aliasing rules
    return bits;
}

ptrdiff_t NAME(strata_first_nonfinite)(const T *values, ptrdiff_t count) {
    ptrdiff_t start = 0;
    while (start < count) {
        const ptrdiff_t end = count - start > 256 ? start + 256 : count;
        BITS flagged = 0;
        for (ptrdiff_t index = start; index < end; index++) {
            flagged |= (BITS)((NAME(bits_of)(values + index) & EXPONENT) == EXPONENT);
        }
        if (flagged) {
            for (ptrdiff_t index = start; index < end; index++) {
                if ((NAME(bits_of)(values + index) & EXPONENT) == EXPONENT) return index;
            }
        }
        start = end;
    }
    return -1;
}

#undef NAME
#undef NAME2
#undef NAME3
