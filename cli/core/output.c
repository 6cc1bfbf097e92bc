#include "output.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "pem.h"

int cli_write_all(int fd, const void *data, size_t len)
{
    const unsigned char *p = data;

    while (len > 0) {
        ssize_t w = write(fd, p, len);

        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return -1;
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

int cli_sync_directory(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int rc;

    if (fd < 0)
        return -1;
    rc = fsync(fd);
    close(fd);
    return rc;
}

static int replace_file(const char *path, const char *dir, const char *base, const void *data,
                        size_t len)
{
    size_t tmp_size = strlen(dir) + strlen(base) + sizeof("/..XXXXXX");
    char *tmp = malloc(tmp_size);
    mode_t mask;
    int fd, rc = CLI_FILE_ERROR;

    if (tmp == NULL) {
        fprintf(stderr, "tscns: out of memory\n");
        return CLI_INTERNAL;
    }
    snprintf(tmp, tmp_size, "%s/.%s.XXXXXX", dir, base);
    fd = mkstemp(tmp);
    if (fd < 0) {
        fprintf(stderr, "tscns: cannot create a file in %s: %s\n", dir, strerror(errno));
        free(tmp);
        return CLI_FILE_ERROR;
    }
    mask = umask(0);
    umask(mask);
    if (fchmod(fd, 0666 & ~mask) != 0 || cli_write_all(fd, data, len) != 0 || fsync(fd) != 0) {
        fprintf(stderr, "tscns: cannot write %s: %s\n", path, strerror(errno));
        close(fd);
    } else if (close(fd) != 0 || rename(tmp, path) != 0) {
        fprintf(stderr, "tscns: cannot write %s: %s\n", path, strerror(errno));
    } else {
        /* The rename is done and the file is whole; a failed directory sync only loses
         * crash safety, which is no reason to report the write as failed. */
        (void)cli_sync_directory(dir);
        rc = CLI_OK;
    }
    if (rc != CLI_OK)
        unlink(tmp);
    free(tmp);
    return rc;
}

int cli_write_file_atomic(const char *path, const void *data, size_t len)
{
    /* dirname() and basename() may modify their argument: give each its own copy. */
    char *dir_copy = strdup(path);
    char *base_copy = strdup(path);
    int rc;

    if (dir_copy == NULL || base_copy == NULL) {
        fprintf(stderr, "tscns: out of memory\n");
        rc = CLI_INTERNAL;
    } else {
        rc = replace_file(path, dirname(dir_copy), basename(base_copy), data, len);
    }
    free(dir_copy);
    free(base_copy);
    return rc;
}

int cli_output(const char *path, const void *data, size_t len)
{
    if (path != NULL)
        return cli_write_file_atomic(path, data, len);
    if (fwrite(data, 1, len, stdout) != len || fflush(stdout) != 0) {
        fprintf(stderr, "tscns: cannot write to standard output: %s\n", strerror(errno));
        return CLI_FILE_ERROR;
    }
    return CLI_OK;
}

int cli_output_pem(const char *path, const char *label, const void *data, size_t len)
{
    size_t text_len;
    char *text = cli_pem_armour(label, data, len, &text_len);
    int rc;

    if (text == NULL) {
        fprintf(stderr, "tscns: out of memory\n");
        return CLI_INTERNAL;
    }
    rc = cli_output(path, text, text_len);
    free(text);
    return rc;
}

int cli_flush_stdout(void)
{
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "tscns: cannot write to standard output: %s\n", strerror(errno));
        return CLI_FILE_ERROR;
    }
    return CLI_OK;
}
