/*
 * The shared PIN-file reader (include/tscns/pin_file.h). The checks are made on the open
 * descriptor (fstat), not on the path, so the file cannot be swapped between check and read.
 */
#include "tscns/pin_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

static tscns_pin_file_status refuse(tscns_pin_file_status status, char *why, size_t whycap,
                                    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static tscns_pin_file_status refuse(tscns_pin_file_status status, char *why, size_t whycap,
                                    const char *fmt, ...)
{
    va_list ap;

    if (whycap > 0) {
        va_start(ap, fmt);
        vsnprintf(why, whycap, fmt, ap);
        va_end(ap);
    }
    return status;
}

static const char *kind_of(mode_t mode)
{
    if (S_ISDIR(mode))
        return "a directory";
    if (S_ISFIFO(mode))
        return "a FIFO";
    if (S_ISSOCK(mode))
        return "a socket";
    if (S_ISCHR(mode) || S_ISBLK(mode))
        return "a device";
    return "not a plain file";
}

static tscns_pin_file_status check(int fd, const char *path, char *why, size_t whycap)
{
    struct stat st;

    if (fstat(fd, &st) != 0)
        return refuse(TSCNS_PIN_FILE_UNREADABLE, why, whycap, "cannot examine %s: %s", path,
                      strerror(errno));
    if (!S_ISREG(st.st_mode))
        return refuse(TSCNS_PIN_FILE_UNSAFE, why, whycap,
                      "%s is not a regular file (it is %s): put the secret in a file of its own",
                      path, kind_of(st.st_mode));
    if (st.st_uid != geteuid())
        return refuse(TSCNS_PIN_FILE_UNSAFE, why, whycap,
                      "%s belongs to uid %lu, not to uid %lu running this: use a file of your own",
                      path, (unsigned long)st.st_uid, (unsigned long)geteuid());
    if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0)
        return refuse(TSCNS_PIN_FILE_UNSAFE, why, whycap,
                      "%s is open to group or others (mode %04o): run `chmod 600 %s`", path,
                      (unsigned)(st.st_mode & 07777), path);
    return TSCNS_PIN_FILE_OK;
}

/* Up to @p cap bytes from @p fd into @p buf, their count in *n; 0 on a read error. */
static int read_bounded(int fd, char *buf, size_t cap, size_t *n)
{
    ssize_t r;

    *n = 0;
    while (*n < cap) {
        r = read(fd, buf + *n, cap - *n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return 0;
        if (r == 0)
            break;
        *n += (size_t)r;
    }
    return 1;
}

/* The first line of the @p n bytes in @p tmp, without its line end, into @p buf. */
static tscns_pin_file_status take_first_line(const char *path, const char *tmp, size_t n, char *buf,
                                             size_t cap, char *why, size_t whycap)
{
    const char *nl = memchr(tmp, '\n', n);
    size_t len = nl != NULL ? (size_t)(nl - tmp) : n;

    if (nl == NULL && n > TSCNS_PIN_FILE_MAX)
        return refuse(TSCNS_PIN_FILE_BAD_CONTENT, why, whycap,
                      "the first line of %s is too long to be a PIN or PUK", path);
    if (len > 0 && tmp[len - 1] == '\r')
        len--;
    if (len == 0)
        return refuse(TSCNS_PIN_FILE_BAD_CONTENT, why, whycap, "the first line of %s is empty",
                      path);
    /* A NUL would end the secret early: the caller would send less than the file says. */
    if (memchr(tmp, '\0', len) != NULL)
        return refuse(TSCNS_PIN_FILE_BAD_CONTENT, why, whycap,
                      "the first line of %s holds a NUL byte: write the PIN or PUK as text", path);
    if (len >= cap)
        return refuse(TSCNS_PIN_FILE_BAD_CONTENT, why, whycap,
                      "the first line of %s is too long to be a PIN or PUK", path);
    memcpy(buf, tmp, len);
    buf[len] = '\0';
    return TSCNS_PIN_FILE_OK;
}

tscns_pin_file_status tscns_pin_file_read(const char *path, char *buf, size_t cap, char *why,
                                          size_t whycap)
{
    /* One byte more than the bound tells a file that is too long. */
    char tmp[TSCNS_PIN_FILE_MAX + 1];
    tscns_pin_file_status status;
    size_t n = 0;
    int fd;

    if (cap == 0)
        return refuse(TSCNS_PIN_FILE_BAD_CONTENT, why, whycap, "no room for the secret");
    buf[0] = '\0';
    fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0 && errno == ELOOP)
        return refuse(TSCNS_PIN_FILE_UNSAFE, why, whycap,
                      "%s is a symbolic link: give the real path (`readlink -f %s`)", path, path);
    if (fd < 0)
        return refuse(TSCNS_PIN_FILE_UNREADABLE, why, whycap, "cannot open %s: %s", path,
                      strerror(errno));
    status = check(fd, path, why, whycap);
    if (status == TSCNS_PIN_FILE_OK && !read_bounded(fd, tmp, sizeof(tmp), &n))
        status = refuse(TSCNS_PIN_FILE_UNREADABLE, why, whycap, "cannot read %s: %s", path,
                        strerror(errno));
    close(fd);
    if (status == TSCNS_PIN_FILE_OK)
        status = take_first_line(path, tmp, n, buf, cap, why, whycap);
    OPENSSL_cleanse(tmp, sizeof(tmp));
    if (status != TSCNS_PIN_FILE_OK)
        OPENSSL_cleanse(buf, cap);
    return status;
}

const char *tscns_pin_source_parse(const char *value, tscns_pin_source_kind *kind, const char **arg)
{
    if (strncmp(value, "env:", 4) == 0) {
        if (value[4] == '\0' || strchr(value + 4, '=') != NULL)
            return "env: must be followed by the name of an environment variable";
        *kind = TSCNS_PIN_SOURCE_ENV;
        *arg = value + 4;
        return NULL;
    }
    if (strncmp(value, "file:", 5) == 0) {
        if (value[5] != '/')
            return "file: must be followed by an absolute path (programs start in different "
                   "folders)";
        *kind = TSCNS_PIN_SOURCE_FILE;
        *arg = value + 5;
        return NULL;
    }
    return "pin-source must be env:NAME or file:PATH";
}
