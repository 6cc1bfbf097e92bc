/*
 * tscns-bench-pin IMAGE-DIR PIN: CPU time of one VERIFY through cardio on the in-process virtual
 * card (no timing model), with no rejected PIN in memory and with one: the second state pays the
 * scrypt digest of the candidate (cardio/pin.c), the first pays none. The card image's PIN
 * counter is used (one wrong VERIFY, then the right PIN restores it).
 */
#include <stdio.h>
#include <time.h>

#include "tscns/card.h"
#include "vcard_transport.h"

static double cpu_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU seconds of one VERIFY of @p pin, which must succeed. */
static double timed_verify(tscns_card *card, const char *pin)
{
    double t0 = cpu_now();
    int tries;

    if (tscns_card_verify_pin(card, pin, &tries) != TSCNS_OK) {
        fprintf(stderr, "tscns-bench-pin: VERIFY failed: %s\n", tscns_card_detail(card));
        return -1;
    }
    return cpu_now() - t0;
}

int main(int argc, char **argv)
{
    const tscns_transport_ops *ops;
    void *self;
    tscns_card *card;
    double clean, after, wrong;
    int tries;

    if (argc != 3) {
        fprintf(stderr, "usage: tscns-bench-pin IMAGE-DIR PIN\n");
        return 2;
    }
    if (vcard_transport_open(argv[1], &ops, &self) != TSCNS_OK ||
        tscns_card_open_transport(ops, self, "bench", &card) != TSCNS_OK) {
        fprintf(stderr, "tscns-bench-pin: cannot open the card image %s\n", argv[1]);
        return 1;
    }
    clean = timed_verify(card, argv[2]);
    wrong = cpu_now();
    if (tscns_card_verify_pin(card, "00000", &tries) != TSCNS_E_PIN_INCORRECT) {
        fprintf(stderr, "tscns-bench-pin: the wrong PIN was not refused\n");
        return 1;
    }
    wrong = cpu_now() - wrong;
    after = timed_verify(card, argv[2]);
    tscns_card_close(card);
    if (clean < 0 || after < 0)
        return 1;
    printf("VERIFY, nothing rejected before: %.3f s CPU\n", clean);
    printf("wrong PIN (remembered: one scrypt): %.3f s CPU\n", wrong);
    printf("VERIFY after a rejection (one scrypt): %.3f s CPU\n", after);
    return 0;
}
