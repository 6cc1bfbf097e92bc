/* Internal types of the card engine, shared by its command files. Not for front ends. */
#ifndef VCARD_ENGINE_INTERNAL_H
#define VCARD_ENGINE_INTERNAL_H

#include <stdio.h>
#include <time.h>

#include <openssl/evp.h>

#include "file_tree.h"
#include "vcard.h"

/* ISO 7816-4 status words the engine answers. */
#define SW_OK 0x9000
#define SW_EOF 0x6282
#define SW_TRIES(n) (0x63C0 | (n))
#define SW_MEMORY 0x6581
#define SW_WRONG_LENGTH 0x6700
#define SW_SECURITY 0x6982
#define SW_BLOCKED 0x6983
#define SW_CONDITIONS 0x6985
#define SW_NO_EF 0x6986
#define SW_WRONG_DATA 0x6A80
#define SW_NOT_FOUND 0x6A82
#define SW_NO_SPACE 0x6A84
#define SW_BAD_P1P2 0x6A86
#define SW_REF_NOT_FOUND 0x6A88
#define SW_OFFSET 0x6B00
#define SW_WRONG_LE(n) (0x6C00 | ((n)&0xFF))
#define SW_BAD_INS 0x6D00
#define SW_BAD_CLA 0x6E00

/** Tries a fresh PIN or PUK has. */
#define VC_MAX_TRIES 3
/** PIN and PUK blocks are 8 bytes: ASCII digits padded with 0xFF. */
#define VC_PIN_BLOCK 8

/** A parsed command APDU. */
typedef struct vc_apdu {
    uint8_t cla, ins, p1, p2;
    const uint8_t *data;
    size_t lc;
    int has_le;
    size_t le;
    int extended;
} vc_apdu;

/** What a command produced: data and a status word. */
typedef struct vc_answer {
    uint8_t *data; /* room for VCARD_MAX_RESPONSE - 2 bytes */
    size_t len;
    int rsa_done; /* a private key operation happened (timing model) */
} vc_answer;

struct vcard {
    char *dir;
    const vcard_profile *profile;
    uint8_t atr[33];
    size_t atr_len;
    const vc_node *nodes;
    size_t node_count;
    uint8_t *content[VC_ROLE_COUNT];
    size_t content_len[VC_ROLE_COUNT];
    EVP_PKEY *key;
    size_t key_bytes;

    /* persistent: card.state */
    char pin[VC_PIN_BLOCK + 1];
    char puk[VC_PIN_BLOCK + 1];
    int pin_tries;
    int puk_tries;

    /* volatile: cleared at power on */
    int cur_df;
    int cur_ef;
    int pin_ok;
    int puk_ok;
    int key_set;
    uint8_t *chain;
    size_t chain_len;
    int chain_active;
    uint8_t chain_ins, chain_p1, chain_p2;

    /* front-end settings */
    vcard_timing timing;
    vcard_fault fault;
    FILE *log;
    struct timespec t0;
    unsigned long apdus;
};

/** Parse @p cmd; 0 or -1 when the lengths do not add up (6700). */
int vc_apdu_parse(const uint8_t *cmd, size_t len, vc_apdu *a);

uint16_t vc_cmd_select(vcard *v, const vc_apdu *a, vc_answer *ans);
uint16_t vc_cmd_read_binary(vcard *v, const vc_apdu *a, vc_answer *ans);
uint16_t vc_cmd_update_binary(vcard *v, const vc_apdu *a, vc_answer *ans);
uint16_t vc_cmd_verify(vcard *v, const vc_apdu *a, vc_answer *ans);
uint16_t vc_cmd_change_reference(vcard *v, const vc_apdu *a, vc_answer *ans);
uint16_t vc_cmd_reset_retry_counter(vcard *v, const vc_apdu *a, vc_answer *ans);
uint16_t vc_cmd_mse(vcard *v, const vc_apdu *a, vc_answer *ans);
uint16_t vc_cmd_pso(vcard *v, const vc_apdu *a, vc_answer *ans);
uint16_t vc_cmd_get_challenge(vcard *v, const vc_apdu *a, vc_answer *ans);

/** Load card.state into @p v; -1 with a sentence in @p err. */
int vc_state_load(vcard *v, char *err, size_t err_len);
/** Write card.state atomically; -1 on failure. */
int vc_state_save(const vcard *v);

/** Write @p len bytes to DIR/NAME through a temporary file, fsync and rename. -1 on failure. */
int vc_atomic_write(const char *dir, const char *name, const uint8_t *data, size_t len);

/** One log line for an answered APDU. */
void vc_log_apdu(vcard *v, const uint8_t *cmd, size_t cmd_len, uint16_t sw, double duration_ms);
/** The log name of a command ("SELECT", "PSO_DECIPHER", "INS_xx" written into @p buf). */
const char *vc_ins_name(const uint8_t *cmd, size_t cmd_len, char buf[8]);

/** Decode hex (spaces and colons ignored) into @p out; returns the length or -1. */
long vc_hex_decode(const char *hex, uint8_t *out, size_t cap);

#endif
