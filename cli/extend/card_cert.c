#include "card_cert.h"

#include <stdio.h>

#include "certfile.h"
#include "session.h"

int card_cert_read(const struct cli_global *g, char serial[17], X509 **cert)
{
    struct cli_session s;
    const uint8_t *der;
    size_t len;
    tscns_err err;
    int rc;

    rc = cli_session_open(g, &s);
    if (rc != CLI_OK)
        return rc;
    err = tscns_card_serial(s.card, serial);
    if (err == TSCNS_OK)
        err = tscns_card_certificate(s.card, &der, &len);
    if (err != TSCNS_OK) {
        rc = cli_session_fail(&s, err);
        cli_session_close(&s);
        return rc;
    }
    *cert = cert_from_der(der, len);
    cli_session_close(&s);
    if (*cert == NULL) {
        fprintf(stderr, "tscns extend: the card's certificate cannot be parsed; if an earlier "
                        "write broke it, put the backup back with `tscns extend restore`\n");
        return CLI_CARD_ERROR;
    }
    return CLI_OK;
}
