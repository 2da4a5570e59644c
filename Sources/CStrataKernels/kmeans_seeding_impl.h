// The k-means++ seeding pass for one precision (declared in include/kmeans_seeding.h). Included by
// kmeans_assign.c right after kmeans_assign_impl.h, with the same macros, so it uses that file's `two_dots`,
// `dot_portable` and `seeding_distance`: every distance is the very value the older two-pass kernels computed.
//
// One greedy step needs, for each candidate, `Σ w · min(closest, d(x, candidate))`, and then the closest
// distances lowered to the chosen candidate's, from which the next step draws. The older kernels read X twice
// per step (the candidates, then the update). This pass reads it once: it first applies the update of the
// previous step's chosen center (`pending`), then sums the candidates; the sums are kept per block of rows,
// so the next step finds a drawn target's block from the chosen candidate's block sums and recomputes the
// values of that block alone (`strata_kmeans_seeding_values_*`, same arithmetic) to find the row.

#define NAME3(a, b) a##_##b
#define NAME2(a, b) NAME3(a, b)
#define NAME(name) NAME2(name, SUFFIX)

#if STRATA_KERNELS_X86
/// ``two_dots`` for two rows at once: `row0·a`, `row0·b`, `row1·a` and `row1·b`, each with the very operations
/// of ``dot_lanes`` and ``two_dots`` (two running vector sums, the same tail, one horizontal reduction per row),
/// so each value is bit for bit what ``two_dots`` gives; only the four dots' FMA chains run side by side, where
/// one row's two dots left the FMA units waiting on each other's latency.
static inline __attribute__((always_inline)) STRATA_AVX2 void NAME(two_dots_two_rows)(
    const T *row0, const T *row1, const T *a, const T *b, ptrdiff_t d, T *a0, T *b0, T *a1, T *b1) {
    V s0a0 = VSET1(0), s1a0 = VSET1(0), s0b0 = VSET1(0), s1b0 = VSET1(0);
    V s0a1 = VSET1(0), s1a1 = VSET1(0), s0b1 = VSET1(0), s1b1 = VSET1(0);
    ptrdiff_t j = 0;
    for (; j + 2 * LANES <= d; j += 2 * LANES) {
        const V x0 = VLOADU(row0 + j), x0h = VLOADU(row0 + j + LANES), x1 = VLOADU(row1 + j), x1h = VLOADU(row1 + j + LANES);
        const V ca = VLOADU(a + j), cah = VLOADU(a + j + LANES), cb = VLOADU(b + j), cbh = VLOADU(b + j + LANES);
        s0a0 = VFMA(x0, ca, s0a0);
        s1a0 = VFMA(x0h, cah, s1a0);
        s0b0 = VFMA(x0, cb, s0b0);
        s1b0 = VFMA(x0h, cbh, s1b0);
        s0a1 = VFMA(x1, ca, s0a1);
        s1a1 = VFMA(x1h, cah, s1a1);
        s0b1 = VFMA(x1, cb, s0b1);
        s1b1 = VFMA(x1h, cbh, s1b1);
    }
    for (; j + LANES <= d; j += LANES) {
        const V x0 = VLOADU(row0 + j), x1 = VLOADU(row1 + j), ca = VLOADU(a + j), cb = VLOADU(b + j);
        s0a0 = VFMA(x0, ca, s0a0);
        s0b0 = VFMA(x0, cb, s0b0);
        s0a1 = VFMA(x1, ca, s0a1);
        s0b1 = VFMA(x1, cb, s0b1);
    }
    T rest_a0 = 0, rest_b0 = 0, rest_a1 = 0, rest_b1 = 0;
    for (ptrdiff_t q = j; q < d; q++) rest_a0 += row0[q] * a[q];
    for (ptrdiff_t q = j; q < d; q++) rest_b0 += row0[q] * b[q];
    for (ptrdiff_t q = j; q < d; q++) rest_a1 += row1[q] * a[q];
    for (ptrdiff_t q = j; q < d; q++) rest_b1 += row1[q] * b[q];
    VPAIR_SUM(VADD(s0a0, s1a0), VADD(s0b0, s1b0), a0, b0);
    VPAIR_SUM(VADD(s0a1, s1a1), VADD(s0b1, s1b1), a1, b1);
    *a0 += rest_a0;
    *b0 += rest_b0;
    *a1 += rest_a1;
    *b1 += rest_b1;
}

static STRATA_AVX2 void NAME(seeding_pass_avx2)(const T *x, ptrdiff_t rows, ptrdiff_t d, const T *pending, T pending_norm,
                                                const T *candidates, const T *candidate_norms, ptrdiff_t m, T *closest,
                                                const T *weights, ptrdiff_t block_rows, ptrdiff_t blocks, double *block_sums) {
    T norms[STRATA_KMEANS_SEEDING_BLOCK_MAX];
    for (ptrdiff_t block = 0; block < blocks; block++) {
        const ptrdiff_t start = block * block_rows;
        const ptrdiff_t count = rows - start < block_rows ? rows - start : block_rows;
        const T *chunk = x + start * d;
        T *near = closest + start;
        const T *w = weights ? weights + start : NULL;
        // The pending center's update, and each row's ‖x‖² (paired with the pending dot, or the first candidate's).
        double updated = 0;
        for (ptrdiff_t r = 0; r < count; r++) {
            const T *row = chunk + r * d;
            T dot;
            NAME(two_dots)(row, row, row, pending ? pending : row, d, norms + r, &dot);
            if (pending) near[r] = NAME(seeding_distance)(norms[r], dot, pending_norm, near[r]);
            updated += (double)(w ? w[r] * near[r] : near[r]);
        }
        block_sums[block] = updated;
        for (ptrdiff_t c = 0; c < m; c += 2) {
            const int pair = c + 1 < m;
            const T *a = candidates + c * d, *b = pair ? a + d : a;
            double to_a = 0, to_b = 0;
            ptrdiff_t r = 0;
            // Two rows at a time (the same values, added in the same row order, as one at a time).
            for (; r + 2 <= count; r += 2) {
                T dot_a[2], dot_b[2];
                NAME(two_dots_two_rows)(chunk + r * d, chunk + (r + 1) * d, a, b, d, &dot_a[0], &dot_b[0], &dot_a[1], &dot_b[1]);
                for (int q = 0; q < 2; q++) {
                    const T lowered_a = NAME(seeding_distance)(norms[r + q], dot_a[q], candidate_norms[c], near[r + q]);
                    to_a += (double)(w ? w[r + q] * lowered_a : lowered_a);
                    if (pair) {
                        const T lowered_b = NAME(seeding_distance)(norms[r + q], dot_b[q], candidate_norms[c + 1], near[r + q]);
                        to_b += (double)(w ? w[r + q] * lowered_b : lowered_b);
                    }
                }
            }
            for (; r < count; r++) {
                const T *row = chunk + r * d;
                T dot_a, dot_b;
                NAME(two_dots)(row, a, row, b, d, &dot_a, &dot_b);
                const T lowered_a = NAME(seeding_distance)(norms[r], dot_a, candidate_norms[c], near[r]);
                to_a += (double)(w ? w[r] * lowered_a : lowered_a);
                if (pair) {
                    const T lowered_b = NAME(seeding_distance)(norms[r], dot_b, candidate_norms[c + 1], near[r]);
                    to_b += (double)(w ? w[r] * lowered_b : lowered_b);
                }
            }
            block_sums[(c + 1) * blocks + block] = to_a;
            if (pair) block_sums[(c + 2) * blocks + block] = to_b;
        }
    }
}

static STRATA_AVX2 void NAME(seeding_values_avx2)(const T *x, ptrdiff_t rows, ptrdiff_t d, const T *center, T center_norm,
                                                  const T *closest, const T *weights, double *values) {
    for (ptrdiff_t r = 0; r < rows; r++) {
        T lowered = closest[r];
        if (center) {
            const T *row = x + r * d;
            T norm, dot;
            NAME(two_dots)(row, row, row, center, d, &norm, &dot);
            lowered = NAME(seeding_distance)(norm, dot, center_norm, closest[r]);
        }
        values[r] = (double)(weights ? weights[r] * lowered : lowered);
    }
}
#endif

void NAME(strata_kmeans_seeding_pass)(const T *x, ptrdiff_t rows, ptrdiff_t d, const T *pending, T pending_norm,
                                      const T *candidates, const T *candidate_norms, ptrdiff_t m, T *closest,
                                      const T *weights, ptrdiff_t block_rows, double *block_sums, int portable) {
    if (rows <= 0) return;
    if (block_rows < 1) block_rows = 1;
    if (block_rows > STRATA_KMEANS_SEEDING_BLOCK_MAX) block_rows = STRATA_KMEANS_SEEDING_BLOCK_MAX;
    const ptrdiff_t blocks = (rows + block_rows - 1) / block_rows;
#if STRATA_KERNELS_X86
    if (!portable && strata_kernels_use_avx2()) {
        NAME(seeding_pass_avx2)(x, rows, d, pending, pending_norm, candidates, candidate_norms, m, closest, weights,
                                block_rows, blocks, block_sums);
        return;
    }
#endif
    for (ptrdiff_t block = 0; block < blocks; block++) {
        const ptrdiff_t start = block * block_rows;
        const ptrdiff_t end = rows - start < block_rows ? rows : start + block_rows;
        for (ptrdiff_t c = 0; c <= m; c++) block_sums[c * blocks + block] = 0;
        for (ptrdiff_t i = start; i < end; i++) {
            const T *row = x + i * d;
            const T norm = NAME(dot_portable)(row, row, d);
            const T weight = weights ? weights[i] : 1;
            if (pending) closest[i] = NAME(seeding_distance)(norm, NAME(dot_portable)(row, pending, d), pending_norm, closest[i]);
            block_sums[block] += (double)(weights ? weight * closest[i] : closest[i]);
            for (ptrdiff_t c = 0; c < m; c++) {
                const T lowered = NAME(seeding_distance)(norm, NAME(dot_portable)(row, candidates + c * d, d),
                                                         candidate_norms[c], closest[i]);
                block_sums[(c + 1) * blocks + block] += (double)(weights ? weight * lowered : lowered);
            }
        }
    }
}

void NAME(strata_kmeans_seeding_values)(const T *x, ptrdiff_t rows, ptrdiff_t d, const T *center, T center_norm,
                                        const T *closest, const T *weights, double *values, int portable) {
#if STRATA_KERNELS_X86
    if (!portable && strata_kernels_use_avx2()) {
        NAME(seeding_values_avx2)(x, rows, d, center, center_norm, closest, weights, values);
        return;
    }
#endif
    for (ptrdiff_t r = 0; r < rows; r++) {
        T lowered = closest[r];
        if (center) {
            const T *row = x + r * d;
            lowered = NAME(seeding_distance)(NAME(dot_portable)(row, row, d), NAME(dot_portable)(row, center, d),
                                             center_norm, closest[r]);
        }
        values[r] = (double)(weights ? weights[r] * lowered : lowered);
    }
}

#undef NAME
#undef NAME2
#undef NAME3
