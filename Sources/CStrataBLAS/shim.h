// Shim for Debian's OpenBLAS (CBLAS) and LAPACKE. Not an API: only StrataLinearAlgebra imports it.
#ifndef STRATA_CBLAS_SHIM_H
#define STRATA_CBLAS_SHIM_H

#include <cblas.h>
#include <lapacke.h>

// Declared by OpenBLAS's cblas.h; repeated so a generic cblas.h still exposes thread control.
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
// The name of the kernel set OpenBLAS chose at load time ("Haswell", "SkylakeX", "Prescott", ...).
char *openblas_get_corename(void);

#endif
