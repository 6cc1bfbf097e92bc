/*
 * tscns-pcsc-wait: wait for a PC/SC event instead of sleeping.
 *
 *   tscns-pcsc-wait readers N [TIMEOUT]        until pcscd lists at least N readers
 *   tscns-pcsc-wait present READER [TIMEOUT]   until READER (substring) holds a card; prints
 *                                              pcscd's event count of the reader
 *   tscns-pcsc-wait absent READER [TIMEOUT [COUNT]]  until READER is empty (and its event
 *                                              count is no longer COUNT)
 *   tscns-pcsc-wait list                       print "name<TAB>present|empty" per reader
 *
 * Test scripts use it after inserting or pulling a virtual card: pcscd notices a change only at
 * its next poll, so a fixed sleep would be either flaky or slow. SCardGetStatusChange blocks
 * until the change, which is the event the tests need. Exit 0 on the event, 1 on timeout,
 * 2 on a usage or PC/SC error.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <PCSC/winscard.h>
#include <PCSC/wintypes.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Reader names as one malloc'd multi-string; NULL when there is none yet. */
static char *list_readers(SCARDCONTEXT ctx, LONG *rv)
{
    DWORD len = 0;
    *rv = SCardListReaders(ctx, NULL, NULL, &len);
    if (*rv != SCARD_S_SUCCESS)
        return NULL;
    char *buf = malloc(len);
    if (!buf) {
        *rv = SCARD_E_NO_MEMORY;
        return NULL;
    }
    *rv = SCardListReaders(ctx, NULL, buf, &len);
    if (*rv != SCARD_S_SUCCESS) {
        free(buf);
        return NULL;
    }
    return buf;
}

static const char *find_reader(const char *readers, const char *needle)
{
    for (const char *r = readers; r && *r; r += strlen(r) + 1)
        if (strstr(r, needle))
            return r;
    return NULL;
}

static int usage(void)
{
    fprintf(stderr, "usage: tscns-pcsc-wait readers N [TIMEOUT_S]\n"
                    "       tscns-pcsc-wait present|absent READER [TIMEOUT_S]\n"
                    "       tscns-pcsc-wait list\n");
    return 2;
}

static int cmd_list(SCARDCONTEXT ctx)
{
    LONG rv;
    char *readers = list_readers(ctx, &rv);
    if (!readers) {
        if (rv == SCARD_E_NO_READERS_AVAILABLE)
            return 0;
        fprintf(stderr, "tscns-pcsc-wait: %s\n", pcsc_stringify_error(rv));
        return 2;
    }
    for (const char *r = readers; *r; r += strlen(r) + 1) {
        SCARD_READERSTATE st = {.szReader = r, .dwCurrentState = SCARD_STATE_UNAWARE};
        rv = SCardGetStatusChange(ctx, 0, &st, 1);
        int present = rv == SCARD_S_SUCCESS && (st.dwEventState & SCARD_STATE_PRESENT);
        printf("%s\t%s\n", r, present ? "present" : "empty");
    }
    free(readers);
    return 0;
}

/* Readers appear through the special "\\?PnP?\Notification" reader's change events. */
static int cmd_readers(SCARDCONTEXT ctx, long want, double deadline)
{
    for (;;) {
        LONG rv;
        char *readers = list_readers(ctx, &rv);
        long n = 0;
        for (const char *r = readers; r && *r; r += strlen(r) + 1)
            n++;
        free(readers);
        if (n >= want)
            return 0;
        if (rv != SCARD_S_SUCCESS && rv != SCARD_E_NO_READERS_AVAILABLE) {
            fprintf(stderr, "tscns-pcsc-wait: %s\n", pcsc_stringify_error(rv));
            return 2;
        }
        double left = deadline - now_s();
        if (left <= 0)
            return 1;
        SCARD_READERSTATE pnp = {.szReader = "\\\\?PnP?\\Notification",
                                 .dwCurrentState = (DWORD)(n << 16)};
        rv = SCardGetStatusChange(ctx, (DWORD)(left * 1000), &pnp, 1);
        if (rv != SCARD_S_SUCCESS && rv != SCARD_E_TIMEOUT) {
            fprintf(stderr, "tscns-pcsc-wait: %s\n", pcsc_stringify_error(rv));
            return 2;
        }
    }
}

/* pcscd's count of the insertions and removals its event thread saw in a reader. */
static long event_count(DWORD event_state)
{
    return (long)(event_state >> 16);
}

/*
 * absent with @p since >= 0 also waits until the event count differs from @p since (taken
 * while the card was present): a failed SCardReconnect(SCARD_RESET_CARD) on a card that was
 * just pulled marks the reader empty at once, but pcscd's event thread learns of the removal
 * only at its next poll; a card inserted before that poll is never reported.
 */
static int cmd_card(SCARDCONTEXT ctx, int want_present, const char *needle, double deadline,
                    long since, int print_count)
{
    LONG rv;
    char *readers = list_readers(ctx, &rv);
    const char *name = find_reader(readers, needle);
    if (!name) {
        fprintf(stderr, "tscns-pcsc-wait: no reader matching \"%s\"\n", needle);
        free(readers);
        return 2;
    }
    SCARD_READERSTATE st = {.szReader = name, .dwCurrentState = SCARD_STATE_UNAWARE};
    int ret = 1;
    for (;;) {
        double left = deadline - now_s();
        rv = SCardGetStatusChange(ctx, left > 0 ? (DWORD)(left * 1000) : 0, &st, 1);
        if (rv == SCARD_S_SUCCESS) {
            int present = (st.dwEventState & SCARD_STATE_PRESENT) != 0;
            /* A card that vpcd just accepted can flash MUTE before its ATR is read. */
            int usable = present && !(st.dwEventState & SCARD_STATE_MUTE);
            int settled = since < 0 || event_count(st.dwEventState) != since;
            if (want_present ? usable : !present && settled) {
                if (print_count)
                    printf("%ld\n", event_count(st.dwEventState));
                ret = 0;
                break;
            }
            st.dwCurrentState = st.dwEventState & ~(DWORD)SCARD_STATE_CHANGED;
        } else if (rv != SCARD_E_TIMEOUT) {
            fprintf(stderr, "tscns-pcsc-wait: %s\n", pcsc_stringify_error(rv));
            ret = 2;
            break;
        }
        if (now_s() >= deadline)
            break;
    }
    free(readers);
    return ret;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return usage();
    double timeout = 10;
    if (argc >= 4) {
        char *end;
        errno = 0;
        timeout = strtod(argv[3], &end);
        if (errno || *end || timeout < 0)
            return usage();
    }
    double deadline = now_s() + timeout;
    SCARDCONTEXT ctx;
    LONG rv;
    /*
     * A pcscd that has just created its socket may still be loading its reader drivers and not
     * answer yet; nothing signals the end of that, so retry within the deadline.
     */
    for (;;) {
        rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &ctx);
        if (rv == SCARD_S_SUCCESS || now_s() >= deadline)
            break;
        nanosleep(&(struct timespec){.tv_nsec = 20 * 1000 * 1000}, NULL);
    }
    if (rv != SCARD_S_SUCCESS) {
        fprintf(stderr, "tscns-pcsc-wait: cannot reach pcscd: %s\n", pcsc_stringify_error(rv));
        return 2;
    }
    int ret;
    if (strcmp(argv[1], "list") == 0 && argc == 2) {
        ret = cmd_list(ctx);
    } else if (strcmp(argv[1], "readers") == 0 && argc >= 3) {
        char *end;
        long n = strtol(argv[2], &end, 10);
        ret = (*end || n < 0) ? usage() : cmd_readers(ctx, n, deadline);
    } else if ((strcmp(argv[1], "present") == 0 || strcmp(argv[1], "absent") == 0) && argc >= 3) {
        long since = -1;
        if (argc >= 5) {
            char *end;
            since = strtol(argv[4], &end, 10);
            if (*end || since < 0)
                return usage();
        }
        ret = cmd_card(ctx, argv[1][0] == 'p', argv[2], deadline, since, argv[1][0] == 'p');
    } else {
        ret = usage();
    }
    if (ret == 1)
        fprintf(stderr, "tscns-pcsc-wait: timed out after %.1f s waiting for %s %s\n", timeout,
                argv[1], argc > 2 ? argv[2] : "");
    SCardReleaseContext(ctx);
    return ret;
}
