// The CPU's vector extensions, as the compiler's run-time checks see them (they include the OS's support).
#ifndef STRATA_CPU_FEATURES_H
#define STRATA_CPU_FEATURES_H

#ifdef __cplusplus
extern "C" {
#endif

/// 2 when the CPU (and the OS) supports AVX-512 F, CD, BW, DQ and VL (what OpenBLAS's SkylakeX kernels use),
/// 1 when it supports AVX2 and FMA (its Haswell kernels), 0 otherwise or off x86-64.
int strata_cpu_vector_level(void);

#ifdef __cplusplus
}
#endif

#endif
