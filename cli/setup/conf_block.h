/**
 * @file conf_block.h
 * @brief The configuration text that activates default then tscns on top of an existing file.
 */
#ifndef TSCNS_CLI_SETUP_CONF_BLOCK_H
#define TSCNS_CLI_SETUP_CONF_BLOCK_H

#include <openssl/bio.h>
#include <openssl/conf.h>

/** Parse @p path (with its .include files); on failure print why and return NULL. */
CONF *setup_conf_load(const char *path);
/** Parse @p len bytes of configuration text that came from @p name. */
CONF *setup_conf_parse(const char *text, size_t len, const char *name);

/**
 * Append to @p out the sections that, placed after all of @p base, make OpenSSL load what
 * @p base loads plus default (activated) and then the tscns module at @p module, keeping
 * @p base's other init and SSL settings; with @p seclevel1 its TLS default CipherString says
 * DEFAULT@SECLEVEL=1. Section names start with @p prefix. 0, or -1 when out of memory.
 */
int setup_conf_block(BIO *out, const CONF *base, const char *prefix, const char *module,
                     int seclevel1);

/** Append @p s as a configuration value that OpenSSL reads back unchanged. */
int setup_conf_value(BIO *out, const char *s);

#endif
