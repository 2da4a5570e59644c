// Opening a file for writes around the page cache, where Swift cannot name the flag (O_DIRECT needs
// _GNU_SOURCE, which Swift's Glibc module does not define).
#ifndef STRATA_UNBUFFERED_FILE_H
#define STRATA_UNBUFFERED_FILE_H

#ifdef __cplusplus
extern "C" {
#endif

/// `open(path, flags | O_DIRECT, mode)` where the C library has `O_DIRECT`, else `open(path, flags, mode)`;
/// -1 with `errno` set on failure (EINVAL where the file system does not take direct I/O).
int strata_open_unbuffered(const char *path, int flags, unsigned int mode);

/// Turns direct I/O off on an open descriptor (`fcntl` `F_SETFL` without `O_DIRECT`); 0, or -1 with `errno`.
int strata_stop_unbuffered(int descriptor);

/// Whether the descriptor has direct I/O on: 1, 0, or -1 with `errno`.
int strata_is_unbuffered(int descriptor);

#ifdef __cplusplus
}
#endif

#endif
