#include "start.h"

#include "json_error.h"
#include "output.h"

int cli_start(const struct cli_parser *p, int last, struct cli_session *s, int *rc)
{
    if (last == CLI_OPT_STOP) {
        *rc = p->rc;
        return 0;
    }
    *rc = cli_parse_no_operands(p);
    if (*rc == CLI_OK && s != NULL)
        *rc = cli_session_open(p->global, s);
    return *rc == CLI_OK;
}

int cli_end(int rc)
{
    /* A command that failed has said why; a second message about its output would bury that. */
    return rc != CLI_OK ? cli_json_error_end(rc) : cli_flush_stdout();
}
