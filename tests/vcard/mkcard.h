/* tscns-mkcard internals: the holder's data and the test PKI. */
#ifndef VCARD_MKCARD_H
#define VCARD_MKCARD_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "tscns/personal.h"

/** EF_DatiPersonali is a 400-byte file on every family (docs/card.md section 3). */
#define MK_PERSONAL_SIZE 400

/** Luhn check digit for the first 15 digits of @p digits. */
char mk_luhn_digit(const char *digits15);
/** 1 if @p serial is 16 digits, first 5-9, last a correct Luhn digit. */
int mk_serial_ok(const char *serial);
/** A fresh serial "80380" + 10 random digits + Luhn digit, NUL-terminated. */
int mk_serial_new(char serial[17]);

/** Defaults for the 16 fields, dates relative to now and @p expiry_days. */
void mk_personal_defaults(tscns_personal *p, long expiry_days);
/** Machine name of field @p f, as tscns_personal_field_name() gives it. */
const char *mk_personal_field_name(int f);
/** The index of the field named @p name, or -1. */
int mk_personal_field_index(const char *name);
/** Encode EF_DatiPersonali (400 bytes, zero padded). -1 if the fields do not fit. */
int mk_personal_encode(const tscns_personal *p, uint8_t out[MK_PERSONAL_SIZE]);

/** Load the CA of @p dir (ca.pem, ca.key) or make a new one; -1 with a message on stderr. */
int mk_ca_load(const char *dir, X509 **ca, EVP_PKEY **ca_key);
int mk_ca_new(X509 **ca, EVP_PKEY **ca_key);
/** A new RSA key of @p bits. */
EVP_PKEY *mk_rsa_key(unsigned bits);
/**
 * The CNS authentication certificate for @p key: CN "CF/SERIAL.<base64 hash>", SN, GN,
 * serialNumber, digitalSignature, clientAuth, valid for @p days from now (negative: already
 * expired that many days ago).
 */
X509 *mk_cns_cert(X509 *ca, EVP_PKEY *ca_key, EVP_PKEY *key, const tscns_personal *p,
                  const char *serial, long days);

#endif
