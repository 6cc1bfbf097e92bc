/*
 * The cns: URI that names the card's objects (grammar in provider/README.md):
 *   cns:[attr[;attr]...]   attr = reader=<pct-encoded> | serial=<16 digits> | object=auth
 *                                 | type=cert|private|public
 */
#ifndef TSCNS_PROV_URI_H
#define TSCNS_PROV_URI_H

enum tscns_uri_type { TSCNS_URI_ANY = 0, TSCNS_URI_CERT, TSCNS_URI_PRIVATE, TSCNS_URI_PUBLIC };

typedef struct tscns_uri {
    char *reader; /* decoded; NULL when absent */
    char *serial; /* NULL when absent */
    enum tscns_uri_type type;
} tscns_uri;

/* 1 if @p s starts with the cns: scheme (case-insensitive). */
int tscns_uri_is_cns(const char *s);

/* Parse @p s; on failure returns 0 and points *why at a static explanation. */
int tscns_uri_parse(const char *s, tscns_uri *out, const char **why);

void tscns_uri_clear(tscns_uri *uri);

#endif
