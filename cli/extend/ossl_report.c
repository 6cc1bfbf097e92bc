#include "ossl_report.h"

#include <stdio.h>

#include <openssl/err.h>

void ossl_report(const char *what)
{
    const char *data = NULL;
    unsigned long e;
    int flags = 0, any = 0;
    char buf[256];

    while ((e = ERR_get_error_all(NULL, NULL, NULL, &data, &flags)) != 0) {
        ERR_error_string_n(e, buf, sizeof(buf));
        if (data != NULL && *data != '\0' && (flags & ERR_TXT_STRING))
            fprintf(stderr, "tscns extend: %s: %s (%s)\n", what, buf, data);
        else
            fprintf(stderr, "tscns extend: %s: %s\n", what, buf);
        any = 1;
    }
    if (!any)
        fprintf(stderr, "tscns extend: %s failed\n", what);
}
