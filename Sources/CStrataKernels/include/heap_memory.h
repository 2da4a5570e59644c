// The C library's heap, where Swift cannot reach it (malloc.h is not in Swift's Glibc module).
#ifndef STRATA_HEAP_MEMORY_H
#define STRATA_HEAP_MEMORY_H

#ifdef __cplusplus
extern "C" {
#endif

/// Returns the heap's free memory to the system (glibc's `malloc_trim(0)`: the top of the heap and every free
/// page inside it); 1 when some was returned, 0 when none was, or on a C library without it.
int strata_heap_release_free(void);

#ifdef __cplusplus
}
#endif

#endif
