/**
 * @file scratch.h
 * @brief The private directory a fuzz target writes its files in, removed when the process ends.
 */
#ifndef TSCNS_FUZZ_SCRATCH_H
#define TSCNS_FUZZ_SCRATCH_H

/**
 * Make a new directory /tmp/tscns-fuzz-@p name-XXXXXX (mode 0700) and remove it with all it
 * holds at exit. Returns its path; aborts when it cannot be made.
 */
const char *fuzz_scratch_dir(const char *name);

/** Remove @p path and everything below it; 0 on success. */
int fuzz_remove_tree(const char *path);

#endif
