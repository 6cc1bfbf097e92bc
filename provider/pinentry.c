#include "pinentry.h"

#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "assuan.h"

extern char **environ;

/* How long a pinentry program may take to end after BYE before it is killed. */
#define EXIT_WAIT_MS 2000

/* The terminal pinentry-tty and -curses should use, or NULL. */
static const char *terminal(void)
{
    const char *t = getenv("GPG_TTY");

    if (t != NULL && t[0] == '/')
        return t;
    if ((t = ttyname(STDIN_FILENO)) != NULL || (t = ttyname(STDERR_FILENO)) != NULL)
        return t;
    return NULL;
}

static pid_t start(const char *program, int *fd)
{
    posix_spawn_file_actions_t fa;
    char *argv[2] = {(char *)program, NULL};
    int sv[2];
    pid_t pid = -1;

    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
        return -1;
    /* dup2 clears close-on-exec on the copies only: the child keeps just stdin and stdout. */
    if (posix_spawn_file_actions_init(&fa) == 0) {
        int rc = posix_spawn_file_actions_adddup2(&fa, sv[1], STDIN_FILENO);

        if (rc == 0)
            rc = posix_spawn_file_actions_adddup2(&fa, sv[1], STDOUT_FILENO);
        if (rc == 0)
            rc = posix_spawn(&pid, program, &fa, NULL, argv, environ);
        if (rc != 0) {
            pid = -1;
            errno = rc;
        }
        posix_spawn_file_actions_destroy(&fa);
    }
    close(sv[1]);
    if (pid < 0) {
        int e = errno;

        close(sv[0]);
        errno = e;
    } else
        *fd = sv[0];
    return pid;
}

static void finish(pid_t pid)
{
    long long end = tsp_assuan_now_ms() + EXIT_WAIT_MS;
    struct timespec pause = {0, 10 * 1000 * 1000};

    while (waitpid(pid, NULL, WNOHANG) == 0) {
        if (tsp_assuan_now_ms() >= end) {
            kill(pid, SIGKILL);
            waitpid(pid, NULL, 0);
            return;
        }
        nanosleep(&pause, NULL);
    }
}

int tsp_pinentry_get(const char *program, const char *desc, const char *prompt, char *pin,
                     size_t cap, char *why, size_t whycap)
{
    int fd = -1, ok;
    pid_t pid;

    pin[0] = '\0';
    if ((pid = start(program, &fd)) < 0) {
        snprintf(why, whycap, "cannot run the pinentry program %s: %s", program, strerror(errno));
        return 0;
    }
    ok = tsp_assuan_getpin(fd, program, terminal(), getenv("TERM"), desc, prompt, pin, cap, why,
                           whycap);
    close(fd);
    finish(pid);
    return ok;
}
