/* The card engine: image loading, power, APDU dispatch, command chaining, faults, timing. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/pem.h>

#include "engine_internal.h"

static int load_file(const char *dir, const char *name, uint8_t **data, size_t *len)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f) {
        return -1;
    }
    int rc = -1;
    if (fseek(f, 0, SEEK_END) == 0) {
        long size = ftell(f);
        if (size >= 0 && fseek(f, 0, SEEK_SET) == 0) {
            *data = malloc(size ? (size_t)size : 1);
            if (*data && fread(*data, 1, (size_t)size, f) == (size_t)size) {
                *len = (size_t)size;
                rc = 0;
            }
        }
    }
    fclose(f);
    return rc;
}

static int load_key(vcard *v, char *err, size_t err_len)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/key.pem", v->dir);
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, err_len, "cannot open %s", path);
        return -1;
    }
    v->key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    fclose(f);
    if (!v->key || EVP_PKEY_get_base_id(v->key) != EVP_PKEY_RSA) {
        snprintf(err, err_len, "%s: not an RSA private key", path);
        return -1;
    }
    v->key_bytes = (size_t)EVP_PKEY_get_size(v->key);
    return 0;
}

static int load_contents(vcard *v, char *err, size_t err_len)
{
    for (size_t i = 0; i < v->node_count; i++) {
        vc_role role = v->nodes[i].role;
        if (role == VC_ROLE_NONE || v->content[role]) {
            continue;
        }
        if (load_file(v->dir, vc_role_file(role), &v->content[role], &v->content_len[role]) != 0) {
            snprintf(err, err_len, "cannot read %s/%s", v->dir, vc_role_file(role));
            return -1;
        }
    }
    return 0;
}

int vcard_open(const char *image_dir, vcard **out, char *err, size_t err_len)
{
    vcard *v = calloc(1, sizeof(*v));
    if (!v || !(v->dir = strdup(image_dir))) {
        snprintf(err, err_len, "out of memory");
        free(v);
        return -1;
    }
    clock_gettime(CLOCK_MONOTONIC, &v->t0);
    if (vc_state_load(v, err, err_len) != 0) {
        goto fail;
    }
    long n = vc_hex_decode(v->profile->atr_hex, v->atr, sizeof(v->atr));
    if (n <= 0) {
        snprintf(err, err_len, "profile %s has a malformed ATR", v->profile->name);
        goto fail;
    }
    v->atr_len = (size_t)n;
    v->nodes = vc_tree(v->profile->layout, &v->node_count);
    if (load_contents(v, err, err_len) != 0) {
        goto fail;
    }
    if (v->profile->layout != VCARD_LAYOUT_NONE && load_key(v, err, err_len) != 0) {
        goto fail;
    }
    vcard_power_on(v);
    *out = v;
    return 0;
fail:
    vcard_close(v);
    return -1;
}

void vcard_close(vcard *v)
{
    if (!v) {
        return;
    }
    for (int r = 0; r < VC_ROLE_COUNT; r++) {
        free(v->content[r]);
    }
    free(v->chain);
    EVP_PKEY_free(v->key);
    if (v->log) {
        fclose(v->log);
    }
    free(v->dir);
    OPENSSL_cleanse(v, sizeof(*v));
    free(v);
}

const vcard_profile *vcard_get_profile(const vcard *v)
{
    return v->profile;
}

const uint8_t *vcard_atr(const vcard *v, size_t *len)
{
    *len = v->atr_len;
    return v->atr;
}

void vcard_power_on(vcard *v)
{
    v->cur_df = 0;
    v->cur_ef = -1;
    v->pin_ok = 0;
    v->puk_ok = 0;
    v->key_set = 0;
    v->chain_active = 0;
    v->chain_len = 0;
}

void vcard_power_off(vcard *v)
{
    vcard_power_on(v);
}

void vcard_set_timing(vcard *v, vcard_timing timing)
{
    v->timing = timing;
}

int vcard_set_log(vcard *v, const char *path)
{
    FILE *f = fopen(path, "a");
    if (!f) {
        return -1;
    }
    if (v->log) {
        fclose(v->log);
    }
    v->log = f;
    return 0;
}

void vcard_set_fault(vcard *v, vcard_fault fault)
{
    v->fault = fault;
}

int vcard_fault_from_name(const char *name, vcard_fault *out)
{
    static const struct {
        const char *name;
        vcard_fault fault;
    } names[] = {
        {"short-sw", VCARD_FAULT_SHORT_SW},           {"bad-cert", VCARD_FAULT_BAD_CERT},
        {"bad-personal", VCARD_FAULT_BAD_PERSONAL},   {"bad-serial", VCARD_FAULT_BAD_SERIAL},
        {"bad-signature", VCARD_FAULT_BAD_SIGNATURE}, {"verify-6c", VCARD_FAULT_VERIFY_6C},
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (strcmp(name, names[i].name) == 0) {
            *out = names[i].fault;
            return 0;
        }
    }
    return -1;
}

int vcard_pin_tries(const vcard *v)
{
    return v->pin_tries;
}

int vcard_puk_tries(const vcard *v)
{
    return v->puk_tries;
}

int vcard_pin_verified(const vcard *v)
{
    return v->pin_ok;
}

unsigned long vcard_apdu_count(const vcard *v)
{
    return v->apdus;
}

static uint16_t dispatch(vcard *v, const vc_apdu *a, vc_answer *ans)
{
    switch (a->ins) {
    case 0xA4:
        return vc_cmd_select(v, a, ans);
    case 0xB0:
        return vc_cmd_read_binary(v, a, ans);
    case 0xD6:
        return vc_cmd_update_binary(v, a, ans);
    case 0x20:
        /* A Le correction to a command that has no answer data: a client must not resend. */
        if (v->fault == VCARD_FAULT_VERIFY_6C) {
            return SW_WRONG_LE(8);
        }
        return vc_cmd_verify(v, a, ans);
    case 0x24:
        return vc_cmd_change_reference(v, a, ans);
    case 0x2C:
        return vc_cmd_reset_retry_counter(v, a, ans);
    case 0x22:
        return vc_cmd_mse(v, a, ans);
    case 0x2A:
        return vc_cmd_pso(v, a, ans);
    case 0x84:
        return vc_cmd_get_challenge(v, a, ans);
    default:
        return SW_BAD_INS;
    }
}

/* An answer longer than the Le the client allowed: tell it the right Le (ISO 7816-4 6Cxx). */
static uint16_t run(vcard *v, const vc_apdu *a, vc_answer *ans)
{
    uint16_t sw = dispatch(v, a, ans);
    if (sw == SW_OK && a->has_le && ans->len > a->le) {
        sw = SW_WRONG_LE(ans->len);
        ans->len = 0;
    }
    return sw;
}

/* ISO 7816-4 command chaining: CLA bit 0x10 on every part but the last. */
static uint16_t chain_part(vcard *v, const vc_apdu *a)
{
    if (!v->chain_active || v->chain_ins != a->ins || v->chain_p1 != a->p1 ||
        v->chain_p2 != a->p2) {
        v->chain_active = 1;
        v->chain_len = 0;
        v->chain_ins = a->ins;
        v->chain_p1 = a->p1;
        v->chain_p2 = a->p2;
    }
    if (a->lc == 0) {
        return SW_WRONG_LENGTH;
    }
    if (v->chain_len + a->lc > VCARD_MAX_COMMAND) {
        v->chain_active = 0;
        return SW_WRONG_LENGTH;
    }
    uint8_t *grown = realloc(v->chain, v->chain_len + a->lc);
    if (!grown) {
        v->chain_active = 0;
        return SW_MEMORY;
    }
    v->chain = grown;
    memcpy(v->chain + v->chain_len, a->data, a->lc);
    v->chain_len += a->lc;
    return SW_OK;
}

static uint16_t process(vcard *v, const uint8_t *cmd, size_t cmd_len, vc_answer *ans)
{
    vc_apdu a;
    if (vc_apdu_parse(cmd, cmd_len, &a) != 0) {
        return SW_WRONG_LENGTH;
    }
    if (a.cla != 0x00 && a.cla != 0x10) {
        return SW_BAD_CLA;
    }
    if (a.extended && !v->profile->extended_apdu) {
        return SW_WRONG_LENGTH;
    }
    if (a.cla == 0x10) {
        return v->profile->chaining ? chain_part(v, &a) : SW_BAD_CLA;
    }
    int chained = v->chain_active && v->chain_ins == a.ins && v->chain_p1 == a.p1 &&
                  v->chain_p2 == a.p2 && a.lc > 0;
    v->chain_active = 0;
    if (!chained) {
        return run(v, &a, ans);
    }
    if (v->chain_len + a.lc > VCARD_MAX_COMMAND) {
        return SW_WRONG_LENGTH;
    }
    uint8_t *whole = malloc(v->chain_len + a.lc);
    if (!whole) {
        return SW_MEMORY;
    }
    memcpy(whole, v->chain, v->chain_len);
    memcpy(whole + v->chain_len, a.data, a.lc);
    a.lc += v->chain_len;
    a.data = whole;
    uint16_t sw = run(v, &a, ans);
    OPENSSL_cleanse(whole, a.lc);
    free(whole);
    OPENSSL_cleanse(v->chain, v->chain_len);
    v->chain_len = 0;
    return sw;
}

static double ms_since(const struct timespec *t)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - t->tv_sec) * 1e3 + (double)(now.tv_nsec - t->tv_nsec) / 1e6;
}

/* Sleep until the APDU has taken as long as the timing model says a real card would. */
static void model_delay(const vcard *v, const struct timespec *start, size_t moved, int rsa)
{
    double model_ms = 4.0 + 0.08 * (double)moved;
    if (rsa) {
        model_ms += v->key_bytes > 128 ? 250.0 : 60.0;
    }
    double left = model_ms - ms_since(start);
    if (left <= 0) {
        return;
    }
    struct timespec ts = {.tv_sec = (time_t)(left / 1e3),
                          .tv_nsec = (long)((left - (double)(long)(left / 1e3) * 1e3) * 1e6)};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

size_t vcard_transmit(vcard *v, const uint8_t *cmd, size_t cmd_len, uint8_t *resp)
{
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    vc_answer ans = {.data = resp};
    uint16_t sw = process(v, cmd, cmd_len, &ans);
    if (sw != SW_OK && sw != SW_EOF) {
        ans.len = 0;
    }
    resp[ans.len] = (uint8_t)(sw >> 8);
    resp[ans.len + 1] = (uint8_t)sw;
    size_t len = ans.len + 2;
    if (v->fault == VCARD_FAULT_SHORT_SW) {
        len--;
    }
    if (v->timing == VCARD_TIMING_REALISTIC) {
        model_delay(v, &start, cmd_len + len, ans.rsa_done);
    }
    v->apdus++;
    vc_log_apdu(v, cmd, cmd_len, sw, ms_since(&start));
    return len;
}
