#include "options.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "output.h"

const char cli_global_help[] =
    "\nGlobal options (before or after the command):\n"
    "  --reader NAME   use the reader whose name contains NAME\n"
    "  --serial S      use the card with serial S (16 digits, see `tscns info`)\n"
    "  -h, --help      show help for this command\n";

void cli_getopt_reset(void)
{
    /* glibc re-initialises its permutation state only when optind is 0. */
    optind = 0;
    /* getopt's own messages would be prefixed with the command word, not "tscns". */
    opterr = 0;
}

static int serial_ok(const char *s)
{
    size_t n = strlen(s);

    if (n != 16)
        return 0;
    return strspn(s, "0123456789") == n;
}

int cli_global_option(struct cli_global *g, int c, const char *arg)
{
    switch (c) {
    case OPT_READER:
        g->reader = arg;
        return 1;
    case OPT_SERIAL:
        if (!serial_ok(arg)) {
            fprintf(stderr, "tscns: --serial wants the 16 digits of the card serial, got '%s'\n",
                    arg);
            return -1;
        }
        g->serial = arg;
        return 1;
    default:
        return 0;
    }
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "tscns %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry 'tscns %s --help'.\n", cmd);
    return CLI_USAGE;
}

int cli_bad_option(const char *cmd, int argc, char **argv)
{
    if (optopt != 0 && optopt < 0x100 && optind > 0 && optind <= argc &&
        strncmp(argv[optind - 1], "--", 2) != 0)
        return cli_usage_error(cmd, "unknown option or missing value: -%c", optopt);
    if (optind > 0 && optind <= argc)
        return cli_usage_error(cmd, "unknown option or missing value: %s", argv[optind - 1]);
    return cli_usage_error(cmd, "bad option");
}

int cli_print_help(const char *text)
{
    fputs(text, stdout);
    fputs(cli_global_help, stdout);
    return cli_flush_stdout();
}
