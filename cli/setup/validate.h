/**
 * @file validate.h
 * @brief Proof that a configuration works before it is put in place: OpenSSL's own program
 * run under it.
 */
#ifndef TSCNS_CLI_SETUP_VALIDATE_H
#define TSCNS_CLI_SETUP_VALIDATE_H

/**
 * Run `openssl version` and `openssl list -providers` with OPENSSL_CONF=@p conf, each bounded
 * in time. 0 when both succeed and default and tscns are listed; else print why (naming
 * @p shown as the file) and return -1.
 */
int setup_validate(const char *conf, const char *shown);

#endif
