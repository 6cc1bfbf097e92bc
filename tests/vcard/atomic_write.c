/* Crash-safe file replacement: a reader of the image sees the old or the new file, never half. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine_internal.h"

static int write_all(int fd, const uint8_t *data, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n < 0) {
            return -1;
        }
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

int vc_atomic_write(const char *dir, const char *name, const uint8_t *data, size_t len)
{
    char path[4096], tmp[4096];
    int rc = -1;
    int fd = -1;
    if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path) ||
        (size_t)snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, name) >= sizeof(tmp)) {
        return -1;
    }
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) {
        return -1;
    }
    if (write_all(fd, data, len) != 0 || fsync(fd) != 0) {
        goto end;
    }
    if (close(fd) != 0) {
        fd = -1;
        goto end;
    }
    fd = -1;
    if (rename(tmp, path) != 0) {
        goto end;
    }
    /* The rename itself must reach the disk, or a crash could bring the old file back. */
    int dfd = open(dir, O_RDONLY | O_DIRECTORY);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    rc = 0;
end:
    if (fd >= 0) {
        close(fd);
    }
    if (rc != 0) {
        unlink(tmp);
    }
    return rc;
}
