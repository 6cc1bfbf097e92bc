#include "ossl_report.h"

#include <stdio.h>
#include <string.h>

#include <openssl/err.h>

int ossl_report_reason(const char *what, const char *lib)
{
    const char *data = NULL;
    unsigned long e;
    int flags = 0, any = 0, reason = 0;
    char buf[256];

    while ((e = ERR_get_error_all(NULL, NULL, NULL, &data, &flags)) != 0) {
        const char *from = ERR_lib_error_string(e);

        if (lib != NULL && from != NULL && strcmp(from, lib) == 0)
            reason = ERR_GET_REASON(e);
        ERR_error_string_n(e, buf, sizeof(buf));
        if (data != NULL && *data != '\0' && (flags & ERR_TXT_STRING))
            fprintf(stderr, "tscns extend: %s: %s (%s)\n", what, buf, data);
        else
            fprintf(stderr, "tscns extend: %s: %s\n", what, buf);
        any = 1;
    }
    if (!any)
        fprintf(stderr, "tscns extend: %s failed\n", what);
    return reason;
}

void ossl_report(const char *what)
{
    ossl_report_reason(what, NULL);
}
