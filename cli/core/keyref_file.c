/* The key-reference file: shared by `tscns keyref` and `tscns setup`. */
#include "keyref_file.h"

#include <string.h>

#include "tscns/keyref.h"

#include "options.h"
#include "output.h"
#include "uri.h"

int cli_keyref_output(const char *reader, const char *serial, const char *path)
{
    char uri[1024];

    if (cli_key_uri(reader, serial, uri, sizeof(uri)) != 0)
        return cli_usage_error("keyref", "the reader name is too long for a key reference");
    return cli_output_pem(path, TSCNS_KEYREF_PEM_LABEL, uri, strlen(uri));
}
