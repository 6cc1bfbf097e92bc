/**
 * @file timeout.h
 * @brief The deadline of every card operation (cardio/README.md, "Deadlines").
 *
 * PC/SC has no timeout of its own for a card that stops answering or a frozen pcscd: cardio runs
 * each blocking PC/SC call on a worker thread and gives up on it after this many seconds. The
 * operation then fails with TSCNS_E_TIMEOUT, its detail naming the reader and the stalled step,
 * and the next operation on the same card connects afresh (the PIN state is gone).
 */
#ifndef TSCNS_TIMEOUT_H
#define TSCNS_TIMEOUT_H

#ifdef __cplusplus
extern "C" {
#endif

/** The default: well above the slowest real operation (RSA-2048 on an old card: ~2 s). */
#define TSCNS_CARD_TIMEOUT_DEFAULT 20
/** The largest deadline accepted (an hour). */
#define TSCNS_CARD_TIMEOUT_MAX 3600

/**
 * Parse a deadline in seconds: decimal digits only, 1 to TSCNS_CARD_TIMEOUT_MAX. 1 and the value
 * in *seconds on success, 0 (nothing stored) otherwise.
 */
int tscns_card_timeout_parse(const char *text, int *seconds);
/**
 * Set the deadline of every later PC/SC call of this process (all cards, all threads). Without
 * a call: the environment variable TSCNS_CARD_TIMEOUT if it holds a valid value, else
 * TSCNS_CARD_TIMEOUT_DEFAULT. Returns 0 for a value out of range (nothing changed).
 */
int tscns_set_card_timeout(int seconds);
/** The deadline in force, in seconds. */
int tscns_card_timeout(void);

#ifdef __cplusplus
}
#endif
#endif
