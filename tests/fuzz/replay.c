/*
 * The corpus replayer: the same entry point as libFuzzer, called once per file named on the
 * command line or found in a named directory. Lets the normal gcc build run every seed and every
 * regression input of a target without clang.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static int replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf = NULL;
    long size;
    int ok = 0;

    if (f != NULL && fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0 &&
        fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)size + 1)) != NULL &&
        fread(buf, 1, (size_t)size, f) == (size_t)size) {
        LLVMFuzzerTestOneInput(buf, (size_t)size);
        ok = 1;
    }
    if (!ok)
        fprintf(stderr, "replay: cannot read %s\n", path);
    free(buf);
    if (f != NULL)
        fclose(f);
    return ok;
}

/* The files of @p dir in name order, so a failure names the same input on every run. */
static int replay_dir(const char *dir, size_t *count)
{
    struct dirent **names;
    char path[4096];
    int n = scandir(dir, &names, NULL, alphasort), ok = n >= 0;

    for (int i = 0; i < n; i++) {
        struct stat st;

        snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
        if (names[i]->d_name[0] != '.' && stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
            ok &= replay_file(path);
            (*count)++;
        }
        free(names[i]);
    }
    free(names);
    if (n < 0)
        fprintf(stderr, "replay: cannot list %s\n", dir);
    return ok;
}

int main(int argc, char **argv)
{
    size_t count = 0;
    int ok = 1;

    if (LLVMFuzzerInitialize != NULL)
        LLVMFuzzerInitialize(&argc, &argv);
    for (int i = 1; i < argc; i++) {
        struct stat st;

        /* A target without a regression directory has never crashed: nothing to replay. */
        if (stat(argv[i], &st) != 0 && errno == ENOENT && i > 1)
            continue;
        if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
            ok &= replay_dir(argv[i], &count);
        } else {
            ok &= replay_file(argv[i]);
            count++;
        }
    }
    printf("replayed %zu inputs\n", count);
    return ok && count > 0 ? 0 : 1;
}
