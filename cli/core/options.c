#include "options.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "json_error.h"
#include "tscns/card.h"
#include "tscns/cert_store.h"
#include "tscns/timeout.h"

const char cli_global_help[] =
    "\nGlobal options (before or after the command):\n"
    "  --reader NAME   use the reader whose name contains NAME\n"
    "  --serial S      use the card with serial S (16 digits, see `tscns info`; a PKCS#11\n"
    "                  token's serial, up to 16 letters or digits)\n"
    "  --pkcs11-module PATH\n"
    "                  serve cards through this PKCS#11 module too (default: pkcs11-module\n"
    "                  of the provider's section in the OpenSSL configuration)\n"
    "  --backend auto|native|pkcs11\n"
    "                  auto: cards tscns recognises natively, the module for the rest\n"
    "                  (default: backend of the provider's section, else auto)\n"
    "  --card-timeout SECONDS\n"
    "                  give up on a card, reader or pcscd that does not answer within\n"
    "                  SECONDS (default 20, or $TSCNS_CARD_TIMEOUT)\n"
    "  --no-cert-cache read the whole certificate from the card; do not use or write\n"
    "                  the certificate cache (see `tscns cache --help`)\n"
    "  -h, --help      show help for this command\n";

void cli_getopt_reset(void)
{
    /* glibc re-initialises its permutation state only when optind is 0. */
    optind = 0;
    /* getopt's own messages would be prefixed with the command word, not "tscns CMD". */
    opterr = 0;
}

static int serial_ok(const char *s)
{
    size_t n = strlen(s);

    if (n == 0 || n > 16)
        return 0;
    return strspn(s, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") == n;
}

int cli_global_option(struct cli_global *g, int c, const char *arg)
{
    switch (c) {
    case OPT_READER:
        g->reader = arg;
        return 1;
    case OPT_SERIAL:
        if (!serial_ok(arg)) {
            fprintf(stderr,
                    "tscns: --serial wants the 16 digits of the card serial (or a token's "
                    "serial), got '%s'\n",
                    arg);
            cli_error_note("--serial wants the 16 digits of the card serial", arg, NULL);
            return -1;
        }
        g->serial = arg;
        return 1;
    case OPT_PKCS11_MODULE:
        g->pkcs11_module = arg;
        return 1;
    case OPT_BACKEND: {
        tscns_backend b;

        if (!tscns_backend_parse(arg, &b)) {
            fprintf(stderr, "tscns: --backend wants auto, native or pkcs11, got '%s'\n", arg);
            cli_error_note("--backend wants auto, native or pkcs11", arg, NULL);
            return -1;
        }
        g->backend = arg;
        return 1;
    }
    case OPT_CARD_TIMEOUT: {
        int seconds;

        if (!tscns_card_timeout_parse(arg, &seconds)) {
            fprintf(stderr, "tscns: --card-timeout wants whole seconds from 1 to %d, got '%s'\n",
                    TSCNS_CARD_TIMEOUT_MAX, arg);
            return -1;
        }
        tscns_set_card_timeout(seconds);
        return 1;
    }
    case OPT_NO_CERT_CACHE:
        tscns_cert_store_enable(0);
        return 1;
    default:
        return 0;
    }
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    const char *sep = cmd != NULL ? " " : "";
    char message[512], hint[128];
    va_list ap;

    if (cmd == NULL)
        cmd = "";
    va_start(ap, fmt);
    vsnprintf(message, sizeof(message), fmt, ap);
    va_end(ap);
    snprintf(hint, sizeof(hint), "see tscns%s%s --help", sep, cmd);
    fprintf(stderr, "tscns%s%s: %s; %s\n", sep, cmd, message, hint);
    cli_error_note(message, NULL, hint);
    return CLI_USAGE;
}

/* Does "--NAME=value" (NAME possibly abbreviated) name a long option with code @p val that
 * takes no value? Then getopt refused the value, not the option. */
static int refused_value(const char *arg, int val, const struct option *longopts)
{
    const char *eq = strchr(arg, '=');
    size_t len;

    if (eq == NULL || longopts == NULL)
        return 0;
    len = (size_t)(eq - arg - 2);
    for (const struct option *o = longopts; o->name != NULL; o++) {
        if (o->val == val && o->has_arg == no_argument && strncmp(o->name, arg + 2, len) == 0)
            return 1;
    }
    return 0;
}

int cli_bad_option(const char *cmd, int c, const struct option *longopts, int argc, char **argv)
{
    /* getopt leaves optind past a refused long option, and past a short one whose value is
     * missing; an unknown short option is named by optopt alone. */
    const char *arg = optind > 0 && optind <= argc ? argv[optind - 1] : "";
    int is_long = strncmp(arg, "--", 2) == 0;
    int name_len = is_long ? (int)strcspn(arg, "=") : 0;

    if (c == ':' && is_long)
        return cli_usage_error(cmd, "option %.*s needs a value", name_len, arg);
    if (c == ':')
        return cli_usage_error(cmd, "option -%c needs a value", optopt);
    if (optopt == 0 && is_long)
        return cli_usage_error(cmd, "unknown option %.*s", name_len, arg);
    if (is_long && refused_value(arg, optopt, longopts))
        return cli_usage_error(cmd, "option %.*s takes no value", name_len, arg);
    if (optopt > 0 && optopt < 0x100)
        return cli_usage_error(cmd, "unknown option -%c", optopt);
    return cli_usage_error(cmd, "unknown option %s", arg);
}

void cli_parse_init(struct cli_parser *p, const char *cmd, const char *help, const char *shortopts,
                    const struct option *longopts, int argc, char **argv, struct cli_global *global)
{
    int stop_at_operand = shortopts[0] == '+';

    p->cmd = cmd;
    p->help = help;
    p->longopts = longopts;
    p->argc = argc;
    p->argv = argv;
    p->global = global;
    p->rc = CLI_OK;
    /* ':' first makes getopt tell a missing value (':') from an unknown option ('?'). */
    snprintf(p->optstring, sizeof(p->optstring), "%s:h%s", stop_at_operand ? "+" : "",
             shortopts + stop_at_operand);
    cli_getopt_reset();
}

int cli_next_option(struct cli_parser *p)
{
    for (;;) {
        int c = getopt_long(p->argc, p->argv, p->optstring, p->longopts, NULL);
        int taken;

        if (c == -1)
            return CLI_OPT_END;
        if (c == '?' || c == ':') {
            p->rc = cli_bad_option(p->cmd, c, p->longopts, p->argc, p->argv);
            return CLI_OPT_STOP;
        }
        taken = cli_global_option(p->global, c, optarg);
        if (taken < 0) {
            p->rc = CLI_USAGE;
            return CLI_OPT_STOP;
        }
        if (taken > 0)
            continue;
        if (c == 'h' && p->help != NULL) {
            p->rc = cli_print_help(p->help);
            return CLI_OPT_STOP;
        }
        return c;
    }
}

int cli_parse_no_operands(const struct cli_parser *p)
{
    if (optind < p->argc)
        return cli_usage_error(p->cmd, "unexpected argument '%s'", p->argv[optind]);
    return CLI_OK;
}

int cli_run_subcommand(const struct cli_parser *p, const struct cli_subcommand *table, size_t count,
                       const char *question)
{
    if (optind >= p->argc)
        return cli_usage_error(p->cmd, "%s", question);
    for (size_t i = 0; i < count; i++) {
        if (strcmp(p->argv[optind], table[i].name) == 0)
            return table[i].run(p->global, p->argc - optind, p->argv + optind);
    }
    return cli_usage_error(p->cmd, "unknown command '%s'", p->argv[optind]);
}

int cli_print_help(const char *text)
{
    fputs(text, stdout);
    fputs(cli_global_help, stdout);
    return CLI_OK;
}
