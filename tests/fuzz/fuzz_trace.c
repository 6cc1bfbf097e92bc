/*
 * The TSCNS_TRACE path handling and the trace lines (cardio/trace.c). The trace is set up once
 * per process, so its source is compiled in here and set up again for every input. The input
 * is a path (to the first NUL), always inside a private directory that holds a plain file, a
 * symbolic link, a FIFO and a directory to meet, then the bytes of one command and answer.
 */
#include "../../cardio/trace.c"

#include "scratch.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char run[80];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    snprintf(run, sizeof(run), "%s/run", fuzz_scratch_dir("trace"));
    return 0;
}

static void make_run_dir(void)
{
    char p[sizeof(run) + 16];
    int fd;

    if (mkdir(run, 0700) != 0)
        abort();
    snprintf(p, sizeof(p), "%s/plain", run);
    if ((fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0600)) < 0 || close(fd) != 0)
        abort();
    snprintf(p, sizeof(p), "%s/link", run);
    if (symlink("plain", p) != 0)
        abort();
    snprintf(p, sizeof(p), "%s/fifo", run);
    if (mkfifo(p, 0600) != 0)
        abort();
    snprintf(p, sizeof(p), "%s/dir", run);
    if (mkdir(p, 0700) != 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, '\0', size);
    size_t plen = nul != NULL ? (size_t)(nul - data) : size;
    const uint8_t *apdu = nul != NULL ? nul + 1 : data + size;
    size_t alen = (size_t)(data + size - apdu);
    char value[sizeof(run) + 256];

    /* Only paths below the private directory: a fuzzer running as root must not write elsewhere. */
    if (plen > 200 || memmem(data, plen, "..", 2) != NULL)
        return 0;
    make_run_dir();
    snprintf(value, sizeof(value), "%s/%.*s", run, (int)plen, (const char *)data);
    setenv("TSCNS_TRACE", value, 1);
    trace_once = (pthread_once_t)PTHREAD_ONCE_INIT;
    if (trace_enabled()) {
        trace_command("fuzz reader", apdu, alen, alen > 0 && (apdu[0] & 1));
        trace_response("fuzz reader", apdu, alen);
        trace_event("fuzz reader", "event");
        if (trace_out != stderr)
            fclose(trace_out);
        trace_out = NULL;
    }
    if (fuzz_remove_tree(run) != 0)
        abort();
    return 0;
}
