#include "session.h"

#include <stddef.h>

#include "backend.h"
#include "options.h"
#include "report.h"

int cli_session_open(const struct cli_global *g, struct cli_session *s)
{
    tscns_err err;

    s->ctx = NULL;
    s->card = NULL;
    err = tscns_ctx_new(&s->ctx);
    if (err != TSCNS_OK)
        return cli_report(err, NULL, NULL);
    err = cli_backend_apply(g, s->ctx, NULL);
    if (err != TSCNS_OK) {
        int rc = cli_usage_error(NULL, "--backend pkcs11 needs --pkcs11-module PATH (or "
                                       "pkcs11-module in the provider's configuration)");

        cli_session_close(s);
        return rc;
    }
    err = tscns_card_open(s->ctx, g->reader, g->serial, &s->card);
    if (err != TSCNS_OK) {
        int rc = cli_report(err, s->ctx, NULL);

        cli_session_close(s);
        return rc;
    }
    return CLI_OK;
}

int cli_session_fail(const struct cli_session *s, tscns_err err)
{
    return cli_report(err, s->ctx, s->card);
}

void cli_session_close(struct cli_session *s)
{
    if (s->card != NULL)
        tscns_card_close(s->card);
    if (s->ctx != NULL)
        tscns_ctx_free(s->ctx);
    s->card = NULL;
    s->ctx = NULL;
}
