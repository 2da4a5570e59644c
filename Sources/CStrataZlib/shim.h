// Shim for Debian's zlib (gzip-compressed FHIR bulk files). Not an API: only StrataData imports it.
#ifndef STRATA_ZLIB_SHIM_H
#define STRATA_ZLIB_SHIM_H

#include <zlib.h>

#endif
