/* The fuzz targets' private directories: one per process, gone when it ends. */
#define _XOPEN_SOURCE 700 /* nftw */
#include "scratch.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>

static char dir[64];

static int remove_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(p);
}

int fuzz_remove_tree(const char *path)
{
    return nftw(path, remove_one, 8, FTW_DEPTH | FTW_PHYS);
}

static void remove_dir(void)
{
    fuzz_remove_tree(dir);
}

const char *fuzz_scratch_dir(const char *name)
{
    snprintf(dir, sizeof(dir), "/tmp/tscns-fuzz-%s-XXXXXX", name);
    if (mkdtemp(dir) == NULL || atexit(remove_dir) != 0)
        abort();
    return dir;
}
