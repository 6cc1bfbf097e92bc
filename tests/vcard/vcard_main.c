/* tscns-vcard: a virtual TS-CNS card in a pcscd reader, as a client of the vpcd driver. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "engine_internal.h" /* vc_ins_name: the log's APDU names */
#include "vcard.h"
#include "vpcd_link.h"

typedef struct options {
    const char *image;
    const char *host;
    int port;
    const char *log;
    vcard_timing timing;
    vcard_fault fault;
    long remove_after;
    long hang_after;
    /** Hang instead of answering the hang_on_nth APDU named hang_on (the log's names). */
    const char *hang_on;
    long hang_on_nth;
    int connect_timeout_ms;
    int reconnect;
} options;

static volatile int stop;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: tscns-vcard --image DIR [options]\n"
            "\n"
            "Puts the virtual TS-CNS card of DIR (made by tscns-mkcard) into a pcscd reader: it\n"
            "connects to the vpcd reader driver, answers its power and ATR requests and the\n"
            "APDUs. PIN/PUK counters and written files persist in DIR.\n"
            "\n"
            "  --image DIR          the card image (required)\n"
            "  --host H             vpcd address (default 127.0.0.1)\n"
            "  --port N             vpcd port (default 35963, the stock 'Virtual PCD 00 00')\n"
            "  --log FILE           append one line per APDU to FILE (format in vcard.h):\n"
            "                       <ms> <NAME> <command hex, PIN/PUK as **> -> <SW> <ms taken>\n"
            "  --timing MODEL       none (default): answer at once; realistic: every APDU takes\n"
            "                       4 ms + 0.08 ms per byte moved (command + response), and the\n"
            "                       RSA private operation 60 ms more (1024-bit) or 250 ms more\n"
            "                       (2048-bit)\n"
            "  --remove-after N     after answering N APDUs, close the socket (the card is\n"
            "                       pulled) and exit 0\n"
            "  --hang-after N       after answering N APDUs, answer nothing more but keep the\n"
            "                       socket open (a hung card) until SIGTERM\n"
            "  --hang-on NAME[:N]   hang the same way at the N-th (default first) APDU named\n"
            "                       NAME in the log (READ_BINARY, VERIFY, PSO_DECIPHER, ...),\n"
            "                       without passing it to the card\n"
            "  --corrupt MODE       malformed answers: short-sw (every answer loses SW2),\n"
            "                       bad-cert (the certificate's DER header is broken),\n"
            "                       bad-personal (EF_DatiPersonali has a non-hex length),\n"
            "                       bad-serial (EF_IDCarta has a letter), bad-signature\n"
            "                       (PSO DECIPHER answers a wrong result), verify-6c\n"
            "                       (VERIFY answers 6C08, the PIN neither checked nor counted)\n"
            "  --connect-timeout S  wait at most S seconds for vpcd to listen (default 10)\n"
            "  --reconnect          when vpcd closes the connection (pcscd stopped), connect\n"
            "                       again (the card stays in the reader) instead of exiting\n"
            "  -h, --help           this text\n"
            "\n"
            "SIGTERM or SIGINT: exit 0 (the card is pulled).\n");
}

static long count_arg(const char *s)
{
    char *end;
    long n = strtol(s, &end, 10);
    return *end == '\0' && n > 0 ? n : -1;
}

static int parse(int argc, char **argv, options *o)
{
    enum {
        O_HOST = 256,
        O_PORT,
        O_LOG,
        O_TIMING,
        O_REMOVE,
        O_HANG,
        O_HANG_ON,
        O_CORRUPT,
        O_TIMEOUT,
        O_RECONNECT
    };
    static const struct option longopts[] = {
        {"image", required_argument, NULL, 'i'},
        {"host", required_argument, NULL, O_HOST},
        {"port", required_argument, NULL, O_PORT},
        {"log", required_argument, NULL, O_LOG},
        {"timing", required_argument, NULL, O_TIMING},
        {"remove-after", required_argument, NULL, O_REMOVE},
        {"hang-after", required_argument, NULL, O_HANG},
        {"hang-on", required_argument, NULL, O_HANG_ON},
        {"corrupt", required_argument, NULL, O_CORRUPT},
        {"connect-timeout", required_argument, NULL, O_TIMEOUT},
        {"reconnect", no_argument, NULL, O_RECONNECT},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;
    *o = (options){.host = "127.0.0.1",
                   .port = 35963,
                   .remove_after = -1,
                   .hang_after = -1,
                   .connect_timeout_ms = 10000};
    while ((c = getopt_long(argc, argv, "i:h", longopts, NULL)) != -1) {
        int bad = 0;
        switch (c) {
        case 'i':
            o->image = optarg;
            break;
        case O_HOST:
            o->host = optarg;
            break;
        case O_PORT:
            o->port = (int)count_arg(optarg);
            bad = o->port <= 0 || o->port > 65535;
            break;
        case O_LOG:
            o->log = optarg;
            break;
        case O_TIMING:
            bad = strcmp(optarg, "none") != 0 && strcmp(optarg, "realistic") != 0;
            o->timing =
                strcmp(optarg, "realistic") == 0 ? VCARD_TIMING_REALISTIC : VCARD_TIMING_NONE;
            break;
        case O_REMOVE:
            bad = (o->remove_after = count_arg(optarg)) < 0;
            break;
        case O_HANG:
            bad = (o->hang_after = count_arg(optarg)) < 0;
            break;
        case O_HANG_ON: {
            char *colon = strchr(optarg, ':');
            o->hang_on = optarg;
            o->hang_on_nth = 1;
            if (colon != NULL) {
                *colon = '\0';
                bad = (o->hang_on_nth = count_arg(colon + 1)) < 0;
            }
            bad = bad || *optarg == '\0';
            break;
        }
        case O_CORRUPT:
            bad = vcard_fault_from_name(optarg, &o->fault) != 0;
            break;
        case O_TIMEOUT: {
            long s = count_arg(optarg);
            bad = s < 0 || s > 3600;
            o->connect_timeout_ms = (int)s * 1000;
            break;
        }
        case O_RECONNECT:
            o->reconnect = 1;
            break;
        case 'h':
            usage(stdout);
            exit(0);
        default:
            usage(stderr);
            return -1;
        }
        if (bad) {
            fprintf(stderr, "tscns-vcard: bad value '%s' (see --help)\n", optarg);
            return -1;
        }
    }
    if (optind != argc || !o->image) {
        usage(stderr);
        return -1;
    }
    return 0;
}

/* A hung card: the socket stays open and nothing is answered until we are told to stop. */
static void hang(void)
{
    sigset_t none;
    sigemptyset(&none);
    while (!stop) {
        sigsuspend(&none);
    }
}

typedef enum served { SERVED_CLOSED, SERVED_STOP, SERVED_ERROR } served;

static served serve(int fd, vcard *v, const options *o, unsigned long *answered)
{
    static uint8_t in[VCARD_MAX_COMMAND], out[VCARD_MAX_RESPONSE];
    size_t len;
    while (!stop) {
        int rc = vpcd_recv(fd, in, sizeof(in), &len);
        if (stop) {
            break;
        }
        if (rc != 0) {
            return rc == 1 ? SERVED_CLOSED : SERVED_ERROR;
        }
        if (len == 1) {
            if (in[0] == VPCD_POWER_OFF) {
                vcard_power_off(v);
            } else if (in[0] == VPCD_POWER_ON || in[0] == VPCD_RESET) {
                vcard_power_on(v);
            } else if (in[0] == VPCD_GET_ATR) {
                size_t atr_len;
                const uint8_t *atr = vcard_atr(v, &atr_len);
                if (vpcd_send(fd, atr, atr_len) != 0) {
                    return SERVED_ERROR;
                }
            }
            continue;
        }
        if (len == 0) {
            continue;
        }
        if (o->hang_after > 0 && *answered >= (unsigned long)o->hang_after) {
            fprintf(stderr, "tscns-vcard: hanging after %lu APDUs, as asked\n", *answered);
            hang();
            break;
        }
        if (o->hang_on != NULL) {
            static long seen;
            char name[8];
            if (strcmp(vc_ins_name(in, len, name), o->hang_on) == 0 && ++seen == o->hang_on_nth) {
                fprintf(stderr, "tscns-vcard: hanging at %s number %ld, as asked\n", o->hang_on,
                        seen);
                hang();
                break;
            }
        }
        size_t n = vcard_transmit(v, in, len, out);
        if (len > 1 && (in[1] == 0x20 || in[1] == 0x24 || in[1] == 0x2C)) {
            OPENSSL_cleanse(in, len); /* PIN and PUK bytes do not outlive their APDU */
        }
        if (vpcd_send(fd, out, n) != 0) {
            return SERVED_ERROR;
        }
        ++*answered;
        if (o->remove_after > 0 && *answered >= (unsigned long)o->remove_after) {
            fprintf(stderr, "tscns-vcard: card pulled after %lu APDUs, as asked\n", *answered);
            break;
        }
    }
    return SERVED_STOP;
}

int main(int argc, char **argv)
{
    options o;
    char err[512];
    vcard *v = NULL;
    unsigned long answered = 0;
    if (parse(argc, argv, &o) != 0) {
        return 2;
    }
    struct sigaction sa = {.sa_handler = on_signal};
    sigemptyset(&sa.sa_mask);
    /* No SA_RESTART: a blocked read must return so that SIGTERM ends the process. */
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    if (vcard_open(o.image, &v, err, sizeof(err)) != 0) {
        fprintf(stderr, "tscns-vcard: %s\n", err);
        return 1;
    }
    vcard_set_timing(v, o.timing);
    vcard_set_fault(v, o.fault);
    if (o.log && vcard_set_log(v, o.log) != 0) {
        fprintf(stderr, "tscns-vcard: cannot open log %s\n", o.log);
        vcard_close(v);
        return 1;
    }
    int rc = 0;
    for (;;) {
        int fd = vpcd_connect(o.host, o.port, o.connect_timeout_ms, &stop);
        if (fd < 0) {
            rc = stop ? 0 : 1;
            break;
        }
        fprintf(stderr, "tscns-vcard: %s card in the reader at %s:%d\n", vcard_get_profile(v)->name,
                o.host, o.port);
        served s = serve(fd, v, &o, &answered);
        close(fd);
        if (s == SERVED_ERROR && !stop && !o.reconnect) {
            fprintf(stderr, "tscns-vcard: connection to vpcd failed\n");
            rc = 1;
            break;
        }
        if (s == SERVED_STOP || stop || !o.reconnect) {
            break;
        }
        /* A pcscd that is shutting down may take the connection and then drop it with an
         * error rather than a clean close: either way, wait for the next vpcd. */
        if (s == SERVED_ERROR) {
            fprintf(stderr, "tscns-vcard: connection to vpcd failed; connecting again\n");
        }
        vcard_power_off(v);
    }
    vcard_close(v);
    return rc;
}
