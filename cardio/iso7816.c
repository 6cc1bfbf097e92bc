/* ISO 7816-4 commands. Errors map the status word with apdu_sw_error(). */
#include "iso7816.h"

#include <string.h>

#include <openssl/crypto.h>

static tscns_err send_simple(apdu_chan *ch, const apdu *a)
{
    uint16_t sw = 0;
    tscns_err err = apdu_exchange(ch, a, NULL, NULL, &sw);

    return err != TSCNS_OK ? err : apdu_sw_error(sw);
}

tscns_err iso_select_mf(apdu_chan *ch)
{
    static const uint8_t mf[] = {0x3F, 0x00};
    apdu a = {.ins = 0xA4, .data = mf, .lc = sizeof(mf)};
    uint8_t fci[256];
    size_t fl = sizeof(fci);
    uint16_t sw = 0;
    tscns_err err = apdu_exchange(ch, &a, fci, &fl, &sw);

    return err != TSCNS_OK ? err : apdu_sw_error(sw);
}

/* One SELECT, with the P2=0C to P2=00 fallback where the profile allows it; fci != NULL asks for
 * the FCI straight away. */
static tscns_err select_one(apdu_chan *ch, uint8_t p1, const uint8_t *data, size_t len,
                            uint8_t *fci, size_t *fci_len)
{
    apdu a = {.ins = 0xA4, .p1 = p1, .p2 = 0x0C, .data = data, .lc = len};
    uint8_t junk[256];
    size_t cap = sizeof(junk);
    uint16_t sw = 0;
    tscns_err err;

    if (fci == NULL && !ch->select_wants_fci) {
        err = apdu_exchange(ch, &a, junk, &cap, &sw);
        if (err != TSCNS_OK || sw != 0x6A86 || !ch->select_fci_fallback)
            return err != TSCNS_OK ? err : apdu_sw_error(sw);
        ch->select_wants_fci = 1;
    }
    a.p2 = 0x00;
    a.le = 256;
    if (fci == NULL) {
        fci = junk;
        cap = sizeof(junk);
        fci_len = &cap;
    }
    err = apdu_exchange(ch, &a, fci, fci_len, &sw);
    return err != TSCNS_OK ? err : apdu_sw_error(sw);
}

tscns_err iso_select(apdu_chan *ch, const cardio_loc *loc, uint8_t *fci, size_t *fci_len)
{
    tscns_err err;

    if (loc->aid != NULL) {
        err = select_one(ch, 0x04, loc->aid, loc->aid_len, loc->path_len ? NULL : fci,
                         loc->path_len ? NULL : fci_len);
        if (err != TSCNS_OK || loc->path_len == 0)
            return err;
        return select_one(ch, 0x09, loc->path, loc->path_len, fci, fci_len);
    }
    if (loc->path_len == 0)
        return iso_select_mf(ch);
    return select_one(ch, 0x08, loc->path, loc->path_len, fci, fci_len);
}

/* BER-TLV walk of a 62 (FCP) or 6F (FCI) template for the size tags 80 / 81. */
size_t iso_fci_size(const uint8_t *fci, size_t len)
{
    size_t i = 2;
    size_t end;
    size_t alloc = 0;

    if (len < 2 || (fci[0] != 0x62 && fci[0] != 0x6F) || fci[1] > len - 2)
        return 0;
    end = 2 + fci[1];
    while (i + 2 <= end) {
        uint8_t tag = fci[i];
        size_t l = fci[i + 1];
        size_t v = 0;

        if (l > end - i - 2)
            return 0;
        for (size_t k = 0; k < l && k < sizeof(size_t); k++)
            v = v << 8 | fci[i + 2 + k];
        if (tag == 0x80)
            return v;
        if (tag == 0x81 && alloc == 0)
            alloc = v;
        i += 2 + l;
    }
    return alloc;
}

tscns_err iso_read_binary(apdu_chan *ch, size_t offset, uint8_t *buf, size_t len, size_t *got)
{
    /* One extended APDU covers any file READ BINARY can address (15-bit offsets). */
    size_t chunk = ch->extended_ok ? ISO_READ_EXTENDED_MAX : 0xFF;
    size_t done = 0;
    tscns_err err = TSCNS_OK;

    while (done < len) {
        size_t want = len - done > chunk ? chunk : len - done;
        size_t off = offset + done;
        size_t n = want;
        uint16_t sw = 0;
        apdu a = {.ins = 0xB0, .p1 = (uint8_t)((off >> 8) & 0x7F), .p2 = (uint8_t)off, .le = want};

        if (off > 0x7FFF) {
            err = TSCNS_E_TOO_LARGE;
            break;
        }
        err = apdu_exchange(ch, &a, buf + done, &n, &sw);
        if (err != TSCNS_OK)
            break;
        done += n;
        /* End of file: 6B00 (offset past end) or 6282 (fewer bytes than asked). */
        if (sw == 0x6B00 || sw == 0x6282)
            break;
        if (sw != 0x9000) {
            err = apdu_sw_error(sw);
            break;
        }
        if (n < want)
            break;
    }
    *got = done;
    return err;
}

tscns_err iso_update_binary(apdu_chan *ch, size_t offset, const uint8_t *buf, size_t len)
{
    size_t done = 0;

    while (done < len) {
        size_t n = len - done > 0xFF ? 0xFF : len - done;
        size_t off = offset + done;
        apdu a = {.ins = 0xD6,
                  .p1 = (uint8_t)((off >> 8) & 0x7F),
                  .p2 = (uint8_t)off,
                  .data = buf + done,
                  .lc = n,
                  .writes = 1};
        tscns_err err;

        if (off + n > 0x8000)
            return TSCNS_E_TOO_LARGE;
        err = send_simple(ch, &a);
        if (err != TSCNS_OK)
            return err;
        done += n;
    }
    return TSCNS_OK;
}

tscns_err iso_pin_command(apdu_chan *ch, uint8_t ins, uint8_t ref, const uint8_t *data, size_t len,
                          uint16_t *sw)
{
    apdu a = {.ins = ins, .p2 = ref, .data = data, .lc = len, .sensitive = 1};

    /* An empty VERIFY would read the counter, and some cards count it as a failure. */
    if (len == 0 || data == NULL)
        return TSCNS_E_INVALID_ARG;
    return apdu_exchange(ch, &a, NULL, NULL, sw);
}

tscns_err iso_mse_restore(apdu_chan *ch)
{
    /* The specification wants a trailing zero byte: sent as Le = 00 (case 2). */
    apdu a = {.ins = 0x22, .p1 = 0xF3, .p2 = 0x03, .le = 256};
    uint8_t junk[256];
    size_t n = sizeof(junk);
    uint16_t sw = 0;
    tscns_err err = apdu_exchange(ch, &a, junk, &n, &sw);

    return err != TSCNS_OK ? err : apdu_sw_error(sw);
}

tscns_err iso_mse_set_decipher(apdu_chan *ch, uint8_t key_ref)
{
    const uint8_t crt[] = {0x83, 0x01, key_ref};
    apdu a = {.ins = 0x22, .p1 = 0xF1, .p2 = 0xB8, .data = crt, .lc = sizeof(crt)};

    return send_simple(ch, &a);
}

tscns_err iso_pso_decipher(apdu_chan *ch, const uint8_t *in, size_t len, uint8_t *out,
                           size_t *out_len)
{
    uint8_t block[1 + 512];
    apdu a = {.ins = 0x2A, .p1 = 0x80, .p2 = 0x86, .data = block, .lc = len + 1, .le = len};
    uint16_t sw = 0;
    tscns_err err;

    if (len == 0 || len > sizeof(block) - 1)
        return TSCNS_E_TOO_LARGE;
    /* Padding indicator 00: the block is raw, the card applies no padding of its own. */
    block[0] = 0x00;
    memcpy(block + 1, in, len);
    err = apdu_exchange(ch, &a, out, out_len, &sw);
    OPENSSL_cleanse(block, sizeof(block));
    if (err != TSCNS_OK)
        return err;
    return apdu_sw_error(sw);
}
