#ifndef STRATA_FUZZ_DRIVER_H
#define STRATA_FUZZ_DRIVER_H

#include <stddef.h>
#include <stdint.h>

/// libFuzzer's entry for programs that have their own `main`: runs the fuzzer with the command line and
/// the function under test (see https://llvm.org/docs/LibFuzzer.html#using-libfuzzer-as-a-library).
/// SwiftPM links every executable target with its own `main` (an alias of `<Module>_main`), so the
/// targets call this from that function instead of relying on libFuzzer's `main`.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*UserCb)(const uint8_t *Data, size_t Size));

#endif
