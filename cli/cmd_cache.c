/* tscns cache: the per-user certificate cache (include/tscns/cert_store.h), listed or cleared. */
#include <stdio.h>
#include <time.h>

#include "cli.h"
#include "options.h"
#include "tscns/cert_store.h"

static const char cache_help[] =
    "Usage: tscns cache list | clear\n\n"
    "The certificate cache: a copy of each card's certificate (public, nothing secret), so\n"
    "that a program starting anew reads only the certificate's first bytes and its last 16\n"
    "from the card to prove it current, not all of it. One file per card serial and family\n"
    "in $XDG_CACHE_HOME/tscns/certs/ (default ~/.cache/tscns/certs/).\n\n"
    "  list    the folder and its files (a file another user owns, or that others can\n"
    "          write, is marked 'ignored': it is never used)\n"
    "  clear   remove every file; the next start reads the whole certificate again\n\n"
    "--no-cert-cache turns the cache off for one command; the provider's key\n"
    "`cert-cache = no` for OpenSSL programs; TSCNS_CERT_CACHE=no for both.\n";

static int folder(char *path, size_t cap)
{
    if (tscns_cert_store_dir(path, cap) == 0)
        return 1;
    fprintf(stderr, "tscns cache: no cache folder: neither XDG_CACHE_HOME nor HOME is an absolute "
                    "path\n");
    return 0;
}

static void print_entry(const tscns_cert_store_entry *e, void *arg)
{
    char when[32] = "?";
    time_t t = (time_t)e->mtime;
    struct tm tm;

    (void)arg;
    if (localtime_r(&t, &tm) != NULL)
        strftime(when, sizeof(when), "%Y-%m-%d %H:%M", &tm);
    printf("  %-40s %6zu bytes  %s%s\n", e->name, e->size, when, e->trusted ? "" : "  ignored");
}

/*
 * The options of a subcommand that takes no operand, then the cache folder into @p path:
 * 1 to go on, 0 to stop with *@p rc (--help, a usage error, no folder).
 */
static int cache_args(const struct cli_global *global, const char *name, int argc, char **argv,
                      char *path, size_t cap, int *rc)
{
    static const struct option longopts[] = {CLI_GLOBAL_LONGOPTS, {NULL, 0, NULL, 0}};
    struct cli_global g = *global;
    struct cli_parser p;

    cli_parse_init(&p, name, cache_help, "", longopts, argc, argv, &g);
    if (cli_next_option(&p) == CLI_OPT_STOP)
        *rc = p.rc;
    else if (cli_parse_no_operands(&p) != CLI_OK)
        *rc = CLI_USAGE;
    else if (!folder(path, cap))
        *rc = CLI_FILE_ERROR;
    else
        return 1;
    return 0;
}

static int cache_list(const struct cli_global *global, int argc, char **argv)
{
    char path[4096];
    int n, rc;

    if (!cache_args(global, "cache list", argc, argv, path, sizeof(path), &rc))
        return rc;
    printf("%s%s\n", path, tscns_cert_store_enabled() ? "" : " (turned off)");
    n = tscns_cert_store_list(print_entry, NULL);
    if (n < 0) {
        fprintf(stderr,
                "tscns cache: %s is a link, another user's or writable by others: not used\n",
                path);
        return CLI_FILE_ERROR;
    }
    printf("%d certificate%s\n", n, n == 1 ? "" : "s");
    return CLI_OK;
}

static int cache_clear(const struct cli_global *global, int argc, char **argv)
{
    char path[4096];
    int n, rc;

    if (!cache_args(global, "cache clear", argc, argv, path, sizeof(path), &rc))
        return rc;
    n = tscns_cert_store_clear();
    if (n < 0) {
        fprintf(stderr,
                "tscns cache: %s is a link, another user's or writable by others: left alone\n",
                path);
        return CLI_FILE_ERROR;
    }
    printf("removed %d certificate%s from %s\n", n, n == 1 ? "" : "s", path);
    return CLI_OK;
}

static const struct cli_subcommand subcommands[] = {
    {"list", cache_list, NULL},
    {"clear", cache_clear, NULL},
};

int cmd_cache(const struct cli_global *global, int argc, char **argv)
{
    static const struct option longopts[] = {CLI_GLOBAL_LONGOPTS, {NULL, 0, NULL, 0}};
    struct cli_global g = *global;
    struct cli_parser p;

    cli_parse_init(&p, "cache", cache_help, "+", longopts, argc, argv, &g);
    if (cli_next_option(&p) == CLI_OPT_STOP)
        return p.rc;
    return cli_run_subcommand(&p, subcommands, sizeof(subcommands) / sizeof(subcommands[0]),
                              "no subcommand given (list or clear)");
}
