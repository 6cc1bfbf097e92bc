/* Certificate read, write and the process-wide cache. */
#include "cert.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "cert_store.h"
#include "efs.h"
#include "iso7816.h"
#include "p11.h"
#include "trace.h"
#include "tscns/cert_store.h"

/* A certificate file cannot be larger than READ BINARY's 15-bit offset allows. */
#define CERT_MAX 0x7FFF
/* The largest short Le that every card takes: the first read brings the DER header. */
#define CERT_FIRST_READ 0xFF

/* Blobs replaced by a write stay allocated: callers were promised their pointer lives on. */
typedef struct blob {
    struct blob *next;
    uint8_t *der;
} blob;

typedef struct entry {
    struct entry *next;
    char reader[256];
    char serial[17];
    const cardio_profile *prof;
    uint8_t *der;
    size_t len;
    /** The card was reset or reconnected since der was read: read it again before serving. */
    int stale;
    blob *retired;
} entry;

static pthread_mutex_t cache_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t cache_fork_once = PTHREAD_ONCE_INIT;

static void cache_unlock(void)
{
    pthread_mutex_unlock(&cache_mu);
}

static void cache_hold(void)
{
    pthread_mutex_lock(&cache_mu);
}

/* fork() waits for a thread inside the cache (memory only, never card I/O): the child's copy
 * is whole and its lock free. */
static void cache_fork_init(void)
{
    pthread_atfork(cache_hold, cache_unlock, cache_unlock);
}

static void cache_lock(void)
{
    pthread_once(&cache_fork_once, cache_fork_init);
    pthread_mutex_lock(&cache_mu);
}
static entry *cache_head;

/*
 * The entry of (reader, serial, prof); prof NULL matches any profile. The profile is part of the
 * key: a certificate read through one family's layout says nothing of another layout's file.
 * Caller holds cache_mu.
 */
static entry *find(const char *reader, const char *serial, const cardio_profile *prof)
{
    for (entry *e = cache_head; e != NULL; e = e->next)
        if (strcmp(e->reader, reader) == 0 && strcmp(e->serial, serial) == 0 &&
            (prof == NULL || e->prof == prof))
            return e;
    return NULL;
}

int cert_cache_profile(const char *reader, const char *serial, const cardio_profile **prof)
{
    entry *e;

    cache_lock();
    e = find(reader, serial, NULL);
    if (e != NULL)
        *prof = e->prof;
    cache_unlock();
    return e != NULL;
}

/* Store @p der (taken over; NULL to record only the profile) for the card. */
static tscns_err cache_put(const tscns_card *card, uint8_t *der, size_t len)
{
    entry *e;
    tscns_err err = TSCNS_OK;

    cache_lock();
    e = find(card->reader, card->serial, card->prof);
    if (e == NULL) {
        e = calloc(1, sizeof(*e));
        if (e == NULL) {
            err = TSCNS_E_NOMEM;
            goto end;
        }
        strcpy(e->reader, card->reader);
        strcpy(e->serial, card->serial);
        e->prof = card->prof;
        e->next = cache_head;
        cache_head = e;
    }
    if (der != NULL && e->der != NULL) {
        blob *b = malloc(sizeof(*b));

        if (b == NULL) {
            err = TSCNS_E_NOMEM;
            goto end;
        }
        b->der = e->der;
        b->next = e->retired;
        e->retired = b;
    }
    if (der != NULL) {
        e->der = der;
        e->len = len;
        e->stale = 0;
        der = NULL;
    }
end:
    cache_unlock();
    free(der);
    return err;
}

static int cache_get(const tscns_card *card, const uint8_t **der, size_t *len)
{
    entry *e;
    int found = 0;

    cache_lock();
    e = find(card->reader, card->serial, card->prof);
    if (e != NULL && e->der != NULL && !e->stale) {
        *der = e->der;
        *len = e->len;
        found = 1;
    }
    cache_unlock();
    return found;
}

void cert_cache_forget(const char *reader, const char *serial, const cardio_profile *prof)
{
    entry *e;

    cache_lock();
    e = find(reader, serial, prof);
    /* Only marked: callers may still hold the old pointer, and the profile is still right. */
    if (e != NULL)
        e->stale = 1;
    cache_unlock();
}

void tscns_cert_cache_clear(void)
{
    entry *e, *next;
    blob *b, *bnext;

    cache_lock();
    for (e = cache_head; e != NULL; e = next) {
        next = e->next;
        for (b = e->retired; b != NULL; b = bnext) {
            bnext = b->next;
            free(b->der);
            free(b);
        }
        free(e->der);
        free(e);
    }
    cache_head = NULL;
    cache_unlock();
}

/*
 * The rest of the certificate after the first @p got bytes the card gave for @p asked: the DER
 * header says how much to read. The FCI size is not trusted (some cards omit it). The rest follows
 * in one extended READ BINARY where the family allows it, else in 255-byte reads.
 */
static tscns_err read_rest(tscns_card *card, const uint8_t *first, size_t got, size_t asked,
                           uint8_t **out, size_t *out_len)
{
    uint8_t *der;
    size_t more = 0;
    size_t total;
    tscns_err err;

    if (got < 4 || first[0] != 0x30 || first[1] != 0x82)
        return TSCNS_E_BAD_RESPONSE;
    total = 4 + ((size_t)first[2] << 8 | first[3]);
    /* A short read means the file ended: it must have held the whole certificate. */
    if (total > CERT_MAX || (got < total && got < asked))
        return TSCNS_E_BAD_RESPONSE;
    der = malloc(total);
    if (der == NULL)
        return TSCNS_E_NOMEM;
    if (got > total)
        got = total;
    memcpy(der, first, got);
    if (got < total) {
        err = iso_read_binary(&card->ch, got, der + got, total - got, &more);
        if (err == TSCNS_OK && more != total - got)
            err = TSCNS_E_BAD_RESPONSE;
        if (err != TSCNS_OK) {
            free(der);
            return err;
        }
    }
    *out = der;
    *out_len = total;
    return TSCNS_OK;
}

/*
 * The first READ BINARY asks for 255 bytes, DER header included. Asking for the whole file at
 * once would save one APDU on extended cards but move the file's padding too (a 3 KB file for a
 * 1.1 KB certificate), which costs a real card far more time than one more command.
 */
static tscns_err read_file(tscns_card *card, uint8_t **out, size_t *out_len)
{
    uint8_t first[CERT_FIRST_READ];
    size_t got = 0;
    tscns_err err;

    err = handle_select(card, &card->prof->cert);
    if (err == TSCNS_OK)
        err = iso_read_binary(&card->ch, 0, first, sizeof(first), &got);
    if (err != TSCNS_OK)
        return err;
    return read_rest(card, first, got, sizeof(first), out, out_len);
}

/*
 * The cached certificate @p kept is served (*out = kept) only if the card's file holds its bytes
 * at the same offsets: the head (the DER length and the certificate's serial number) and the last
 * CERT_STORE_TAIL bytes (the end of the CA's signature, which differs for any other certificate
 * body; cardio/README.md says why that suffices). Else the card is read on from the head.
 */
static tscns_err read_checked(tscns_card *card, uint8_t *kept, size_t klen, uint8_t **out,
                              size_t *out_len)
{
    uint8_t head[CERT_FIRST_READ], tail[CERT_STORE_TAIL];
    size_t want = cert_store_head_len(kept, klen, sizeof(head));
    size_t got = 0, tgot = 0;
    tscns_err err;

    /* A certificate shorter than head and tail together is compared whole. */
    if (klen <= want + CERT_STORE_TAIL)
        want = klen < sizeof(head) ? klen : sizeof(head);
    err = handle_select(card, &card->prof->cert);
    if (err == TSCNS_OK)
        err = iso_read_binary(&card->ch, 0, head, want, &got);
    if (err != TSCNS_OK)
        return err;
    if (got == want && memcmp(head, kept, want) == 0) {
        if (want < klen)
            err = iso_read_binary(&card->ch, klen - CERT_STORE_TAIL, tail, CERT_STORE_TAIL, &tgot);
        if (err != TSCNS_OK)
            return err;
        if (want == klen ||
            (tgot == CERT_STORE_TAIL && memcmp(tail, kept + klen - CERT_STORE_TAIL, tgot) == 0)) {
            trace_event(card->reader, "certificate cache: the card holds the cached certificate");
            *out = kept;
            *out_len = klen;
            return TSCNS_OK;
        }
    }
    trace_event(card->reader, "certificate cache: the card holds another certificate: reading it");
    return read_rest(card, head, got, want, out, out_len);
}

/* From the cache file if the card proves it current, else from the card (and into the file). */
static tscns_err read_cert(tscns_card *card, uint8_t **out, size_t *out_len)
{
    size_t klen = 0;
    uint8_t *kept = cert_store_load(card->reader, card->serial, card->prof->name, &klen);
    int served = 0;
    tscns_err err;

    if (kept == NULL) {
        err = read_file(card, out, out_len);
    } else {
        err = read_checked(card, kept, klen, out, out_len);
        served = err == TSCNS_OK && *out == kept;
        if (!served)
            free(kept);
    }
    if (err == TSCNS_OK && !served)
        cert_store_save(card->reader, card->serial, card->prof->name, *out, *out_len);
    return err;
}

tscns_err cert_load(tscns_card *card)
{
    const uint8_t *have;
    size_t have_len;
    uint8_t *der = NULL;
    size_t len = 0;
    tscns_err err;

    if (cache_get(card, &have, &have_len))
        return TSCNS_OK;
    err = read_cert(card, &der, &len);
    /* Even without a certificate, remember which profile the probe confirmed. */
    if (err == TSCNS_OK || err == TSCNS_E_BAD_RESPONSE) {
        tscns_err put = cache_put(card, err == TSCNS_OK ? der : NULL, len);

        if (err == TSCNS_OK)
            err = put;
    }
    return err;
}

/* Also fills card->serial, which keys the cache. Caller holds the card. */
static tscns_err ensure_serial(tscns_card *card)
{
    tscns_err err;

    if (card->have_serial)
        return TSCNS_OK;
    err = efs_read_serial(card, card->serial);
    if (err == TSCNS_OK)
        card->have_serial = 1;
    return err;
}

tscns_err tscns_card_certificate(tscns_card *card, const uint8_t **der, size_t *len)
{
    int attempt = 0;
    tscns_err err;

    if (card == NULL || der == NULL || len == NULL)
        return TSCNS_E_INVALID_ARG;
    if (card->p11 != NULL)
        return p11_certificate(card, der, len);
    err = handle_begin(card);
    if (err != TSCNS_OK)
        return err;
    do {
        err = ensure_serial(card);
        if (err == TSCNS_OK)
            err = cert_load(card);
    } while (handle_retry(card, err, &attempt));
    if (err == TSCNS_OK && !cache_get(card, der, len))
        err = TSCNS_E_INTERNAL;
    if (err == TSCNS_E_BAD_RESPONSE)
        handle_detail(card, "the certificate file holds no DER certificate, reader %s",
                      card->reader);
    else if (err != TSCNS_OK)
        handle_detail_sw(card, "reading the certificate");
    handle_end(card);
    return err;
}

tscns_err tscns_card_certificate_capacity(tscns_card *card, size_t *capacity)
{
    uint8_t fci[256];
    size_t fl = sizeof(fci);
    int attempt = 0;
    tscns_err err;

    if (card == NULL || capacity == NULL)
        return TSCNS_E_INVALID_ARG;
    if (card->p11 != NULL) {
        *capacity = 0;
        return TSCNS_OK;
    }
    err = handle_begin(card);
    if (err != TSCNS_OK)
        return err;
    do {
        handle_selected(card, NULL);
        fl = sizeof(fci);
        err = iso_select(&card->ch, &card->prof->cert, fci, &fl);
    } while (handle_retry(card, err, &attempt));
    if (err == TSCNS_OK) {
        handle_selected(card, &card->prof->cert);
        *capacity = iso_fci_size(fci, fl);
    } else {
        handle_detail_sw(card, "selecting the certificate file");
    }
    handle_end(card);
    return err;
}

tscns_err tscns_card_key_bytes(tscns_card *card, size_t *bytes)
{
    const uint8_t *der = NULL;
    const unsigned char *p;
    size_t len = 0;
    X509 *x;
    EVP_PKEY *pk;
    tscns_err err;

    if (card == NULL || bytes == NULL)
        return TSCNS_E_INVALID_ARG;
    pthread_mutex_lock(&card->mu);
    *bytes = card->key_bytes;
    pthread_mutex_unlock(&card->mu);
    if (*bytes != 0)
        return TSCNS_OK;
    err = tscns_card_certificate(card, &der, &len);
    if (err != TSCNS_OK)
        return err;
    p = der;
    x = d2i_X509(NULL, &p, (long)len);
    pk = x != NULL ? X509_get0_pubkey(x) : NULL;
    if (pk == NULL || EVP_PKEY_get_base_id(pk) != EVP_PKEY_RSA) {
        handle_detail(card, "the certificate holds no RSA key, reader %s", card->reader);
        err = TSCNS_E_BAD_RESPONSE;
    } else {
        *bytes = (size_t)(EVP_PKEY_get_bits(pk) + 7) / 8;
        pthread_mutex_lock(&card->mu);
        card->key_bytes = *bytes;
        pthread_mutex_unlock(&card->mu);
    }
    X509_free(x);
    return err;
}

tscns_err tscns_card_write_certificate(tscns_card *card, const uint8_t *der, size_t len)
{
    uint8_t fci[256];
    size_t fl = sizeof(fci);
    uint8_t *back = NULL;
    size_t got = 0;
    size_t cap;
    int wrote = 0;
    tscns_err err;

    if (card == NULL)
        return TSCNS_E_INVALID_ARG;
    if (card->p11 != NULL) {
        handle_detail(card, "writing a certificate through a PKCS#11 module, token %s",
                      card->reader);
        return TSCNS_E_UNSUPPORTED;
    }
    if (der == NULL || len < 4 || der[0] != 0x30 || der[1] != 0x82 ||
        len != 4 + ((size_t)der[2] << 8 | der[3])) {
        handle_detail(card, "%zu bytes that are not one DER certificate (30 82 LL LL)", len);
        return TSCNS_E_INVALID_ARG;
    }
    if (len > CERT_MAX) {
        handle_detail(card, "certificate of %zu bytes, READ BINARY reaches %d", len, CERT_MAX);
        return TSCNS_E_TOO_LARGE;
    }
    back = malloc(len);
    if (back == NULL)
        return TSCNS_E_NOMEM;
    err = handle_begin(card);
    if (err != TSCNS_OK) {
        free(back);
        return err;
    }
    err = ensure_serial(card);
    if (err == TSCNS_OK) {
        handle_selected(card, NULL);
        err = iso_select(&card->ch, &card->prof->cert, fci, &fl);
    }
    if (err != TSCNS_OK) {
        handle_detail_sw(card, "selecting the certificate file");
        goto end;
    }
    handle_selected(card, &card->prof->cert);
    cap = iso_fci_size(fci, fl);
    if (cap != 0 && len > cap) {
        handle_detail(card, "certificate of %zu bytes does not fit the %zu-byte file", len, cap);
        err = TSCNS_E_TOO_LARGE;
        goto end;
    }
    if (cap == 0) {
        /* No size in the FCI: read the last byte the certificate would need, so that a file
         * too small is found before the first UPDATE BINARY rather than half-way through. */
        uint8_t last;

        err = iso_read_binary(&card->ch, len - 1, &last, 1, &got);
        if (err == TSCNS_OK && got == 0) {
            handle_detail(card, "certificate of %zu bytes does not fit the certificate file", len);
            err = TSCNS_E_TOO_LARGE;
        }
        if (err != TSCNS_OK)
            goto end;
    }
    /* From here the file may hold neither certificate whole: the cache file is dropped on
     * failure, replaced on success. */
    wrote = 1;
    err = iso_update_binary(&card->ch, 0, der, len);
    if (err != TSCNS_OK) {
        handle_detail_sw(card, "writing the certificate");
        goto end;
    }
    err = iso_read_binary(&card->ch, 0, back, len, &got);
    if (err != TSCNS_OK) {
        handle_detail_sw(card, "reading the certificate back");
        goto end;
    }
    if (got != len || memcmp(back, der, len) != 0) {
        size_t at = 0;

        while (at < got && back[at] == der[at])
            at++;
        handle_detail(card, "first difference at byte %zu of %zu, reader %s", at, len,
                      card->reader);
        err = TSCNS_E_MISMATCH;
        goto end;
    }
    cert_store_save(card->reader, card->serial, card->prof->name, der, len);
    err = cache_put(card, back, len);
    back = NULL;
    /* A renewed certificate is for the same key, but let the next signature read it again. */
    card->key_bytes = 0;
end:
    if (wrote && err != TSCNS_OK)
        cert_store_drop(card->reader, card->serial, card->prof->name);
    handle_end(card);
    free(back);
    return err;
}

void tscns_card_cert_distrust(tscns_card *card)
{
    if (card == NULL)
        return;
    pthread_mutex_lock(&card->mu);
    if (card->have_serial) {
        cert_cache_forget(card->reader, card->serial, card->prof);
        cert_store_drop(card->reader, card->serial, card->prof->name);
    }
    card->key_bytes = 0;
    pthread_mutex_unlock(&card->mu);
}
