// The CPU's vector extensions, as the compiler's run-time checks see them (they include the OS's support).
#ifndef STRATA_CPU_FEATURES_H
#define STRATA_CPU_FEATURES_H

#ifdef __cplusplus
extern "C" {
#endif

/// 1 when the CPU (and the OS) supports AVX2 and FMA (what the fused k-means kernels and OpenBLAS's Haswell
/// kernels use), 2 when it also supports AVX-512 F, CD, BW, DQ and VL (OpenBLAS's SkylakeX kernels), 0 otherwise
/// or off x86. Every run-time CPU check of the package is this one.
int strata_cpu_vector_level(void);

#ifdef __cplusplus
}
#endif

#endif
