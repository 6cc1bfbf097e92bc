/*
 * The `openssl` program is the check, not this process's own OpenSSL: a config is read once per
 * process, and the question is what a fresh program on this machine makes of the file
 * (config_diagnostics, a module that does not load, a section that is missing).
 */
#include "validate.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Loading the module does no card I/O, so a healthy run takes well under a second. */
#define VALIDATE_TIMEOUT_MS 15000

static long long now_ms(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void run_child(int out, const char *conf, char *const argv[])
{
    int null = open("/dev/null", O_RDONLY);

    if (null < 0 || dup2(null, STDIN_FILENO) < 0 || dup2(out, STDOUT_FILENO) < 0 ||
        dup2(out, STDERR_FILENO) < 0 || setenv("OPENSSL_CONF", conf, 1) != 0)
        _exit(126);
    close(null);
    close(out);
    execvp(argv[0], argv);
    dprintf(STDERR_FILENO, "cannot run %s: %s\n", argv[0], strerror(errno));
    _exit(127);
}

/* Read the child's output until it closes it or the time is up; then it is killed. */
static int collect(int fd, pid_t pid, char *buf, size_t size)
{
    long long deadline = now_ms() + VALIDATE_TIMEOUT_MS;
    size_t used = 0;
    int status, timed_out = 0;
    char discard[512];

    for (;;) {
        struct pollfd p = {fd, POLLIN, 0};
        long long left = deadline - now_ms();
        int r = left > 0 ? poll(&p, 1, (int)left) : 0;
        ssize_t n;

        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            timed_out = 1;
            kill(pid, SIGKILL);
            break;
        }
        /* Past the buffer's end, output is read and dropped, so the child never blocks on a
         * full pipe. */
        n = used < size - 1 ? read(fd, buf + used, size - 1 - used)
                            : read(fd, discard, sizeof(discard));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        if (used < size - 1)
            used += (size_t)n;
    }
    buf[used] = '\0';
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (timed_out) {
        snprintf(buf, size, "no answer within %d seconds", VALIDATE_TIMEOUT_MS / 1000);
        return -1;
    }
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static int run_openssl(const char *conf, char *const argv[], char *buf, size_t size)
{
    int fds[2];
    pid_t pid;
    int rc;

    if (pipe(fds) != 0) {
        snprintf(buf, size, "cannot start openssl: %s", strerror(errno));
        return -1;
    }
    fflush(NULL);
    pid = fork();
    if (pid == 0) {
        close(fds[0]);
        run_child(fds[1], conf, argv);
    }
    close(fds[1]);
    if (pid < 0) {
        snprintf(buf, size, "cannot start openssl: %s", strerror(errno));
        close(fds[0]);
        return -1;
    }
    rc = collect(fds[0], pid, buf, size);
    close(fds[0]);
    return rc;
}

static void show_failure(const char *what, const char *shown, const char *out)
{
    fprintf(stderr, "tscns setup: `%s` fails under %s:\n", what, shown);
    fputs(out, stderr);
    if (*out != '\0' && out[strlen(out) - 1] != '\n')
        fputc('\n', stderr);
}

int setup_validate(const char *conf, const char *shown)
{
    static char *const version[] = {"openssl", "version", NULL};
    static char *const list[] = {"openssl", "list", "-providers", NULL};
    char out[8192];

    if (run_openssl(conf, version, out, sizeof(out)) != 0) {
        show_failure("openssl version", shown, out);
        return -1;
    }
    if (run_openssl(conf, list, out, sizeof(out)) != 0) {
        show_failure("openssl list -providers", shown, out);
        return -1;
    }
    /* The list shows each provider's name on its own line, two spaces in. */
    if (strstr(out, "\n  default\n") == NULL || strstr(out, "\n  tscns\n") == NULL) {
        fprintf(stderr, "tscns setup: under %s OpenSSL does not load both default and tscns:\n%s",
                shown, out);
        return -1;
    }
    return 0;
}
