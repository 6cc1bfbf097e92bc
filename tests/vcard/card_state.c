/* card.state: the part of the card that survives power cycles and process restarts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "engine_internal.h"

static int pin_value_ok(const char *s)
{
    size_t n = strlen(s);
    if (n < 5 || n > VC_PIN_BLOCK) {
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return 0;
        }
    }
    return 1;
}

static int tries_value(const char *s, int *out)
{
    if (s[0] < '0' || s[0] > '0' + VC_MAX_TRIES || s[1] != '\0') {
        return -1;
    }
    *out = s[0] - '0';
    return 0;
}

static int apply(vcard *v, const char *key, const char *val)
{
    if (strcmp(key, "profile") == 0) {
        v->profile = vcard_profile_find(val);
        return v->profile ? 0 : -1;
    }
    if (strcmp(key, "pin") == 0 || strcmp(key, "puk") == 0) {
        if (!pin_value_ok(val)) {
            return -1;
        }
        memcpy(key[1] == 'i' ? v->pin : v->puk, val, strlen(val) + 1);
        return 0;
    }
    if (strcmp(key, "pin_tries") == 0) {
        return tries_value(val, &v->pin_tries);
    }
    if (strcmp(key, "puk_tries") == 0) {
        return tries_value(val, &v->puk_tries);
    }
    return -1;
}

int vc_state_load(vcard *v, char *err, size_t err_len)
{
    char path[4096], line[256];
    int rc = -1;
    snprintf(path, sizeof(path), "%s/card.state", v->dir);
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, err_len, "cannot open %s (is this a tscns-mkcard image?)", path);
        return -1;
    }
    v->pin_tries = v->puk_tries = -1;
    while (fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\r\n")] = '\0';
        char *eq = strchr(line, '=');
        if (line[0] == '\0' || line[0] == '#') {
            continue;
        }
        if (!eq) {
            snprintf(err, err_len, "%s: malformed line", path);
            goto end;
        }
        *eq = '\0';
        if (apply(v, line, eq + 1) != 0) {
            snprintf(err, err_len, "%s: bad value for %s", path, line);
            goto end;
        }
    }
    if (!v->profile || !v->pin[0] || !v->puk[0] || v->pin_tries < 0 || v->puk_tries < 0) {
        snprintf(err, err_len, "%s: needs profile, pin, puk, pin_tries, puk_tries", path);
        goto end;
    }
    rc = 0;
end:
    OPENSSL_cleanse(line, sizeof(line));
    fclose(f);
    return rc;
}

int vc_state_save(const vcard *v)
{
    char buf[256];
    int n = snprintf(buf, sizeof(buf), "profile=%s\npin=%s\npuk=%s\npin_tries=%d\npuk_tries=%d\n",
                     v->profile->name, v->pin, v->puk, v->pin_tries, v->puk_tries);
    int rc = -1;
    if (n > 0 && (size_t)n < sizeof(buf)) {
        rc = vc_atomic_write(v->dir, "card.state", (const uint8_t *)buf, (size_t)n);
    }
    OPENSSL_cleanse(buf, sizeof(buf));
    return rc;
}
