/**
 * @file options.h
 * @brief Command-line parsing shared by all commands (getopt_long with the global options).
 */
#ifndef TSCNS_CLI_OPTIONS_H
#define TSCNS_CLI_OPTIONS_H

#include <getopt.h>

#include "cli.h"

/* Short codes of the global options; commands use printable letters for their own. */
enum { OPT_READER = 0x100, OPT_SERIAL, OPT_HELP_LONG };

/* Every command accepts the global options too, so `tscns info --reader X` works. */
#define CLI_GLOBAL_LONGOPTS                                                                        \
    {"reader", required_argument, NULL, OPT_READER},                                               \
        {"serial", required_argument, NULL, OPT_SERIAL},                                           \
    {                                                                                              \
        "help", no_argument, NULL, 'h'                                                             \
    }

/** Help lines for the global options, appended to each command's --help. */
extern const char cli_global_help[];

/** Rewind getopt so the next command line is parsed from its first argument. */
void cli_getopt_reset(void);

/** Take a global option; 1 if @p c was one, 0 otherwise. Fails (-1) on a malformed serial. */
int cli_global_option(struct cli_global *g, int c, const char *arg);

/** Print "tscns CMD: MESSAGE" and a pointer to --help on stderr; returns CLI_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/** Report the option getopt_long() just refused (unknown, or missing its value). */
int cli_bad_option(const char *cmd, int argc, char **argv);

/** Print a command's help text followed by the global options, on stdout; returns CLI_OK. */
int cli_print_help(const char *text);

#endif
