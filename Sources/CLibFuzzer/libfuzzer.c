#include "CLibFuzzer.h"

#include <stdio.h>
#include <stdlib.h>

// libFuzzer's archive also holds its own main(), which calls this symbol, and the linker pulls
// it in while `main` (SwiftPM's alias for `<module>_main`) is still undefined, so the symbol
// must exist. The target's main runs instead and hands its own callback to
// LLVMFuzzerRunDriver; reaching this means the wrong main ran. Weak: a target may define its own.
__attribute__((weak)) int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    (void)data;
    (void)size;
    fputs("libFuzzer's own main ran instead of the target's; see Sources/FuzzSupport\n", stderr);
    abort();
}
