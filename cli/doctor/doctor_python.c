/*
 * tscns doctor: the TLS security level of the Python on PATH, for an RSA-1024 card. A Python
 * built with its own default cipher string (pyenv's, for one) sets security level 2 in every
 * SSLContext, whatever the OpenSSL configuration says, and refuses the card's certificate with
 * "ee key too small"; Debian's /usr/bin/python3 keeps the configuration's level.
 */
#include <stdio.h>
#include <stdlib.h>

#include "doctor.h"

/* SSLContext.security_level exists from Python 3.10; an older one prints nothing here. */
#define PYTHON_LEVEL                                                                               \
    "python3 -c 'import ssl; print(ssl.create_default_context().security_level)' 2>/dev/null"

void doctor_check_python_level(struct doctor *d)
{
    FILE *p;
    char line[32] = "";
    int level;

    if (d->key_bits == 0 || d->key_bits > 1024)
        return;
    if ((p = popen(PYTHON_LEVEL, "r")) == NULL)
        return;
    if (fgets(line, sizeof(line), p) == NULL)
        line[0] = '\0';
    if (pclose(p) != 0 || sscanf(line, "%d", &level) != 1)
        return;
    if (level >= 2)
        doctor_add(d, "python_tls", DOCTOR_NOTE, CLI_OK,
                   "python3 on PATH sets TLS security level %d in every SSLContext, whatever the "
                   "configuration says, and will refuse the card's RSA-%d certificate (\"ee key "
                   "too small\"): Python programs must call "
                   "ctx.set_ciphers(\"DEFAULT:@SECLEVEL=1\") before ctx.load_cert_chain()",
                   level, d->key_bits);
    else
        doctor_add(d, "python_tls", DOCTOR_OK, CLI_OK,
                   "python3 on PATH keeps the configuration's TLS security level (%d)", level);
}
