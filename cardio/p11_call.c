/* The bookkeeping of one libp11 or module call: its error, its CKR name, token strings. */
#include "p11_module.h"

#include <stdio.h>
#include <string.h>

#include <openssl/err.h>

void p11_call_start(void)
{
    ERR_set_mark();
}

unsigned long p11_call_end(void)
{
    unsigned long e = ERR_peek_last_error();
    unsigned long ckr = 0;

    /* libp11 files every failed PKCS#11 call under its own library with the CKR as reason. */
    if (e != 0 && ERR_GET_LIB(e) == ERR_get_CKR_code())
        ckr = (unsigned long)ERR_GET_REASON(e);
    ERR_pop_to_mark();
    return ckr;
}

const char *p11_ckr_name(unsigned long ckr, char *buf, size_t cap)
{
    static const struct {
        unsigned long v;
        const char *name;
    } names[] = {
        {CKR_GENERAL_ERROR, "CKR_GENERAL_ERROR"},
        {CKR_FUNCTION_FAILED, "CKR_FUNCTION_FAILED"},
        {CKR_DEVICE_ERROR, "CKR_DEVICE_ERROR"},
        {CKR_DEVICE_MEMORY, "CKR_DEVICE_MEMORY"},
        {CKR_DEVICE_REMOVED, "CKR_DEVICE_REMOVED"},
        {CKR_FUNCTION_NOT_SUPPORTED, "CKR_FUNCTION_NOT_SUPPORTED"},
        {CKR_KEY_TYPE_INCONSISTENT, "CKR_KEY_TYPE_INCONSISTENT"},
        {CKR_KEY_FUNCTION_NOT_PERMITTED, "CKR_KEY_FUNCTION_NOT_PERMITTED"},
        {CKR_MECHANISM_INVALID, "CKR_MECHANISM_INVALID"},
        {CKR_MECHANISM_PARAM_INVALID, "CKR_MECHANISM_PARAM_INVALID"},
        {CKR_PIN_INCORRECT, "CKR_PIN_INCORRECT"},
        {CKR_PIN_INVALID, "CKR_PIN_INVALID"},
        {CKR_PIN_LEN_RANGE, "CKR_PIN_LEN_RANGE"},
        {CKR_PIN_LOCKED, "CKR_PIN_LOCKED"},
        {CKR_SESSION_HANDLE_INVALID, "CKR_SESSION_HANDLE_INVALID"},
        {CKR_SESSION_COUNT, "CKR_SESSION_COUNT"},
        {CKR_SLOT_ID_INVALID, "CKR_SLOT_ID_INVALID"},
        {CKR_TOKEN_NOT_PRESENT, "CKR_TOKEN_NOT_PRESENT"},
        {CKR_TOKEN_NOT_RECOGNIZED, "CKR_TOKEN_NOT_RECOGNIZED"},
        {CKR_USER_NOT_LOGGED_IN, "CKR_USER_NOT_LOGGED_IN"},
        {CKR_USER_TYPE_INVALID, "CKR_USER_TYPE_INVALID"},
        {CKR_CRYPTOKI_NOT_INITIALIZED, "CKR_CRYPTOKI_NOT_INITIALIZED"},
        {CKR_CRYPTOKI_ALREADY_INITIALIZED, "CKR_CRYPTOKI_ALREADY_INITIALIZED"},
    };

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (names[i].v == ckr)
            return names[i].name;
    snprintf(buf, cap, "CKR 0x%lX", ckr);
    return buf;
}

void p11_copy(char *out, size_t cap, const char *s)
{
    size_t n;

    snprintf(out, cap, "%s", s != NULL ? s : "");
    n = strlen(out);
    while (n > 0 && out[n - 1] == ' ')
        out[--n] = '\0';
}
