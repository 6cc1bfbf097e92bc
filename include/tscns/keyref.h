/**
 * @file keyref.h
 * @brief The names shared by the writer of a key reference (`tscns keyref`) and its reader (the
 * provider's decoders and STORE): the PEM label and the keys of the `cns:` URI.
 *
 * Both sides spell them from here, so a file the command writes is always one the provider
 * reads. The URI grammar is in provider/README.md.
 */
#ifndef TSCNS_KEYREF_H
#define TSCNS_KEYREF_H

/** The label of the PEM key-reference file: -----BEGIN TSCNS KEY REFERENCE-----. */
#define TSCNS_KEYREF_PEM_LABEL "TSCNS KEY REFERENCE"

/** The URI scheme, with its colon; matched without regard to case. */
#define TSCNS_URI_SCHEME "cns:"
/** Attributes are separated by this character. */
#define TSCNS_URI_SEPARATOR ";"

/** The attribute keys (each followed by '=' and its value). */
#define TSCNS_URI_KEY_READER "reader"
#define TSCNS_URI_KEY_SERIAL "serial"
#define TSCNS_URI_KEY_OBJECT "object"
#define TSCNS_URI_KEY_TYPE "type"

/** The values of object= and type=. */
#define TSCNS_URI_OBJECT_AUTH "auth"
#define TSCNS_URI_TYPE_CERT "cert"
#define TSCNS_URI_TYPE_PRIVATE "private"
#define TSCNS_URI_TYPE_PUBLIC "public"

#endif
