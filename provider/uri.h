/*
 * The cns: URI that names the card's objects (grammar in provider/README.md):
 *   cns:[attr[;attr]...]   attr = reader=<pct-encoded> | serial=<16 digits, or a token serial> |
 * object=auth | type=cert|private|public
 */
#ifndef TSP_URI_H
#define TSP_URI_H

enum tsp_uri_type { TSP_URI_ANY = 0, TSP_URI_CERT, TSP_URI_PRIVATE, TSP_URI_PUBLIC };

typedef struct tsp_uri {
    char *reader; /* decoded; NULL when absent */
    char *serial; /* NULL when absent */
    enum tsp_uri_type type;
} tsp_uri;

/* 1 if @p s starts with the cns: scheme (case-insensitive). */
int tsp_uri_is_cns(const char *s);

/* Parse @p s; on failure returns 0 and points *why at a static explanation. */
int tsp_uri_parse(const char *s, tsp_uri *out, const char **why);

void tsp_uri_clear(tsp_uri *uri);

#endif
