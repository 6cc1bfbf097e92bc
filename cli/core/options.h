/**
 * @file options.h
 * @brief Command-line parsing shared by all commands: getopt_long() with the global options,
 * -h/--help, and a message that names any option it refuses.
 */
#ifndef TSCNS_CLI_OPTIONS_H
#define TSCNS_CLI_OPTIONS_H

#include <getopt.h>
#include <stddef.h>

#include "cli.h"

/* Codes of the global options; commands use printable letters for their own. */
enum {
    OPT_READER = 0x100,
    OPT_SERIAL,
    OPT_CARD_TIMEOUT,
    OPT_PKCS11_MODULE,
    OPT_BACKEND,
    OPT_NO_CERT_CACHE
};

/* Every command accepts the global options too, so `tscns info --reader X` works. */
#define CLI_GLOBAL_LONGOPTS                                                                        \
    {"reader", required_argument, NULL, OPT_READER},                                               \
        {"serial", required_argument, NULL, OPT_SERIAL},                                           \
        {"card-timeout", required_argument, NULL, OPT_CARD_TIMEOUT},                               \
        {"pkcs11-module", required_argument, NULL, OPT_PKCS11_MODULE},                             \
        {"backend", required_argument, NULL, OPT_BACKEND},                                         \
        {"no-cert-cache", no_argument, NULL, OPT_NO_CERT_CACHE},                                   \
    {                                                                                              \
        "help", no_argument, NULL, 'h'                                                             \
    }

/** Help lines for the global options, appended to each command's --help. */
extern const char cli_global_help[];

/** One command's walk through its options; set up with cli_parse_init(). */
struct cli_parser {
    const char *cmd;  /* the command as the user typed it ("cert", "pin change"), or NULL */
    const char *help; /* printed on -h/--help; NULL: -h is returned to the caller as 'h' */
    const struct option *longopts;
    int argc;
    char **argv;
    struct cli_global *global;
    char optstring[32];
    int rc; /* the exit code, once cli_next_option() returned CLI_OPT_STOP */
};

/** What cli_next_option() returns besides an option's code. */
enum { CLI_OPT_END = -1, CLI_OPT_STOP = -2 };

/**
 * Start parsing @p argv (argv[0] is the command word). @p shortopts are the command's short
 * options in getopt syntax ("o:"); a leading '+' stops at the first operand, for commands that
 * hand the rest to a subcommand. Global options are stored into @p global.
 */
void cli_parse_init(struct cli_parser *p, const char *cmd, const char *help, const char *shortopts,
                    const struct option *longopts, int argc, char **argv,
                    struct cli_global *global);

/**
 * The next option of the command, with its value in optarg; CLI_OPT_END after the last one
 * (operands start at optind); CLI_OPT_STOP when the command must end now with exit code
 * p->rc: help was printed, or an unknown option, a missing or unwanted value, or a bad global
 * option was reported by name.
 */
int cli_next_option(struct cli_parser *p);

/** A command word and what runs it; @p summary is its line in the parent's --help. */
struct cli_subcommand {
    const char *name;
    cli_command_fn *run;
    const char *summary;
};

/**
 * Run the subcommand named by argv[optind] (after cli_next_option() returned CLI_OPT_END)
 * with argv from there on; report an unknown one, or ask @p question when there is none.
 */
int cli_run_subcommand(const struct cli_parser *p, const struct cli_subcommand *table, size_t count,
                       const char *question);

/** CLI_OK if no operand follows the options, else report the first one (CLI_USAGE). */
int cli_parse_no_operands(const struct cli_parser *p);

/**
 * Rewind getopt so the next command line is parsed from its first argument, with getopt's own
 * messages off. cli_parse_init() does this; for callers that drive getopt_long() themselves.
 */
void cli_getopt_reset(void);

/** Take a global option; 1 if @p c was one, 0 otherwise. Fails (-1) on a malformed serial. */
int cli_global_option(struct cli_global *g, int c, const char *arg);

/**
 * Report the option getopt_long() just refused, by name: @p c is what it returned ('?', or
 * ':' with a leading ':' in the option string). For callers that drive getopt_long()
 * themselves; returns CLI_USAGE.
 */
int cli_bad_option(const char *cmd, int c, const struct option *longopts, int argc, char **argv);

/** Print "tscns CMD: MESSAGE; see tscns CMD --help" on stderr; returns CLI_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/** Print a command's help text followed by the global options, on stdout; returns CLI_OK. */
int cli_print_help(const char *text);

#endif
