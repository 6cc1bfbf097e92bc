/**
 * @file backend.h
 * @brief Which road serves the cards of a command: --backend and --pkcs11-module, else the
 * provider's configuration (pkcs11-module, backend), else auto without a module (native).
 */
#ifndef TSCNS_CLI_BACKEND_H
#define TSCNS_CLI_BACKEND_H

#include <stddef.h>

#include "tscns/card.h"

#include "cli.h"

/** What a command uses and where each part came from, for `readers`, `info` and `doctor`. */
struct cli_backend {
    tscns_backend backend;
    char module[512]; /* "" when none */
    char source[600]; /* "--backend, --pkcs11-module", "[tscns_sect] of /etc/ssl/openssl.cnf" */
};

/** Work out the backend for @p g into @p out. */
void cli_backend_choose(const struct cli_global *g, struct cli_backend *out);

/** cli_backend_choose() and set it on @p ctx. */
tscns_err cli_backend_apply(const struct cli_global *g, tscns_ctx *ctx, struct cli_backend *out);

#endif
