/*
 * The extend checks on a certificate file (cli/extend/certfile.c, checks.c, keep_uses.c): the
 * input is the file `tscns extend install` is given, PEM or DER. Its first certificate is the
 * new one, the second (or the first again) stands for the card's, and the file itself is the
 * trusted CA file, so that the chain check runs too.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/err.h>

#include "certfile.h"
#include "cli.h"
#include "checks.h"
#include "keep_uses.h"
#include "scratch.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char path[64];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    snprintf(path, sizeof(path), "%s/cert.pem", fuzz_scratch_dir("extend"));
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    X509 *leaf = NULL;
    STACK_OF(X509) *chain = NULL;
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

    if (fd < 0 || write(fd, data, size) != (ssize_t)size || close(fd) != 0)
        abort();
    if (certfile_load(path, &leaf, &chain) == CLI_OK && leaf != NULL) {
        size_t len = 0;
        uint8_t *der = cert_to_der(leaf, &len);
        struct check_input in = {
            .card_cert = sk_X509_num(chain) > 0 ? sk_X509_value(chain, 0) : leaf,
            .new_cert = leaf,
            .chain = chain,
            .ca_file = path,
            .new_len = len,
            .capacity = 2048,
            .need_later = 1,
            .keep_uses = 1,
        };

        checks_run(&in);
        keep_uses(in.card_cert, leaf);
        OPENSSL_free(der);
    }
    X509_free(leaf);
    sk_X509_pop_free(chain, X509_free);
    ERR_clear_error();
    return 0;
}
