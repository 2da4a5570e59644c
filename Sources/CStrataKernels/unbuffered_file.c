#define _GNU_SOURCE
#include "unbuffered_file.h"

#include <fcntl.h>

int strata_open_unbuffered(const char *path, int flags, unsigned int mode) {
#if defined(O_DIRECT)
    return open(path, flags | O_DIRECT, (mode_t)mode);
#else
    return open(path, flags, (mode_t)mode);
#endif
}

int strata_stop_unbuffered(int descriptor) {
    int flags = fcntl(descriptor, F_GETFL);
    if (flags < 0) return -1;
#if defined(O_DIRECT)
    flags &= ~O_DIRECT;
#endif
    return fcntl(descriptor, F_SETFL, flags);
}

int strata_is_unbuffered(int descriptor) {
    int flags = fcntl(descriptor, F_GETFL);
    if (flags < 0) return -1;
#if defined(O_DIRECT)
    return (flags & O_DIRECT) != 0;
#else
    return 0;
#endif
}
