#include "files.h"

#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "output.h"
#include "validate.h"

char *setup_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *text = NULL;
    size_t cap = 0, used = 0;

    if (f == NULL)
        return NULL;
    for (;;) {
        size_t n;

        if (cap - used < 4096) {
            char *bigger = realloc(text, cap + 65536);

            if (bigger == NULL)
                break;
            text = bigger;
            cap += 65536;
        }
        n = fread(text + used, 1, cap - used - 1, f);
        used += n;
        if (n == 0) {
            if (ferror(f))
                break;
            fclose(f);
            text[used] = '\0';
            *len = used;
            return text;
        }
    }
    if (errno == 0)
        errno = EIO;
    fclose(f);
    free(text);
    return NULL;
}

int setup_install_checked(const char *path, const char *text, size_t len, mode_t mode)
{
    size_t size = strlen(path) + sizeof(".tscns-new");
    char *candidate = malloc(size), *dir = strdup(path);
    int rc;

    if (candidate == NULL || dir == NULL) {
        free(candidate);
        free(dir);
        fprintf(stderr, "tscns setup: out of memory\n");
        return CLI_INTERNAL;
    }
    snprintf(candidate, size, "%s.tscns-new", path);
    rc = cli_write_file_atomic(candidate, text, len);
    if (rc == CLI_OK && chmod(candidate, mode) != 0) {
        fprintf(stderr, "tscns setup: cannot set the mode of %s: %s\n", candidate, strerror(errno));
        rc = CLI_FILE_ERROR;
    }
    if (rc == CLI_OK && setup_validate(candidate, "the new configuration") != 0) {
        fprintf(stderr, "tscns setup: refused: %s is left as it was\n", path);
        rc = CLI_FILE_ERROR;
    }
    if (rc == CLI_OK && (rename(candidate, path) != 0 || cli_sync_directory(dirname(dir)) != 0)) {
        fprintf(stderr, "tscns setup: cannot put %s in place: %s\n", path, strerror(errno));
        rc = CLI_FILE_ERROR;
    }
    if (rc != CLI_OK)
        unlink(candidate);
    free(candidate);
    free(dir);
    return rc;
}
