/* The libFuzzer entry point every tests/fuzz/fuzz_<target>.c defines. The same object links
 * either with libFuzzer (-fsanitize=fuzzer, OL_FUZZ builds) or with replay_main.c, which runs
 * the checked-in corpus as an ordinary test in every build. */
#ifndef OL_FUZZ_H
#define OL_FUZZ_H

#include <stddef.h>
#include <stdint.h>

/* Must return 0. Any crash, sanitizer report or abort() is a finding. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
