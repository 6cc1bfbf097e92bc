/**
 * @file doctor.h
 * @brief `tscns doctor`: the checks of a setup, each giving one line of findings.
 */
#ifndef TSCNS_CLI_DOCTOR_H
#define TSCNS_CLI_DOCTOR_H

#include <stddef.h>

#include "cli.h"

#define DOCTOR_PROVIDER "tscns"
#define DOCTOR_MODULE_FILE "tscns.so"
/* Where a problem line sends the user for a working configuration: setup writes one, and the
 * man page is installed with the command (the source tree's examples/ is not). */
#define DOCTOR_EXAMPLE "or let `tscns setup` write one (man tscns)"

enum doctor_status { DOCTOR_OK, DOCTOR_NOTE, DOCTOR_PROBLEM, DOCTOR_SKIPPED };

struct doctor_line {
    const char *check; /* stable name for scripts: "pcscd", "readers", ... */
    enum doctor_status status;
    int exit_code; /* enum cli_exit for a problem, CLI_OK otherwise */
    char text[1024];
};

#define DOCTOR_MAX_LINES 16

struct doctor {
    struct doctor_line lines[DOCTOR_MAX_LINES];
    size_t count;
    int key_bits;          /* of the card's certificate; 0 if unknown */
    char config_path[512]; /* the OpenSSL configuration in effect, once checked */
    char pin_source[512];  /* pin-source of the configuration's tscns section; "" if none */
    int tscns_configured;  /* the configuration activates tscns (pin_source is meaningful) */
};

/** Add a finding; @p exit_code is the command's status if this is its first problem. */
void doctor_add(struct doctor *d, const char *check, enum doctor_status status, int exit_code,
                const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/** A readable regular file? If not, doctor_why_not() says why. */
int doctor_readable_file(const char *path);
const char *doctor_why_not(void);

/** Where OpenSSL looks for provider modules: $OPENSSL_MODULES, else its built-in directory. */
const char *doctor_modules_dir(void);

/** pcscd, readers, the card and its family, its certificate. Never sends a PIN. */
void doctor_check_card(struct doctor *d, const struct cli_global *g);

/** The provider module: where it is, and whether OpenSSL loads it (in a private context). */
void doctor_check_provider(struct doctor *d);

/** The OpenSSL configuration in effect: does it activate tscns (and default beside it)? */
void doctor_check_config(struct doctor *d);

/** The configured pin-source: readable and a well-formed PIN, never printed nor sent. */
void doctor_check_pin_source(struct doctor *d);

/** For an RSA-1024 card key: the TLS security level programs will run at (after the config). */
void doctor_check_security_level(struct doctor *d);

/** For an RSA-1024 card key: the level the Python on PATH runs TLS at (it may set its own). */
void doctor_check_python_level(struct doctor *d);

#endif
