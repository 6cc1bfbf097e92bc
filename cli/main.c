/* tscns: the command-line tool for the Italian TS-CNS card. This file only dispatches. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "options.h"
#include "output.h"

#ifndef TSCNS_VERSION
#define TSCNS_VERSION "unknown"
#endif

struct command {
    const char *name;
    cli_command_fn *run;
    const char *summary;
};

static const struct command commands[] = {
    {"readers", cmd_readers, "list readers, whether a card is in each, and its family"},
    {"info", cmd_info, "show the card, its certificate and the holder's data"},
    {"cert", cmd_cert, "export the authentication certificate (PEM or DER)"},
    {"keyref", cmd_keyref, "write the key-reference file OpenSSL programs use as the card key"},
    {"pin", cmd_pin, "verify, change or unblock the PIN"},
    {"extend", cmd_extend, "renew the card's certificate for the same key, safely"},
};

static const char exit_codes_help[] =
    "\nExit status:\n"
    "  0  success\n"
    "  1  usage error, or no PIN given (no terminal and no --pin-file)\n"
    "  2  no PC/SC service, no reader, no card, or the card was removed\n"
    "  3  the card is not supported (unknown, contactless) or answered with an error\n"
    "  4  wrong PIN or PUK (the message says how many tries are left)\n"
    "  5  PIN or PUK blocked\n"
    "  6  a file could not be read or written\n"
    "  7  internal error (out of memory, a bug)\n";

static void print_help(void)
{
    printf("Usage: tscns [--reader NAME] [--serial S] COMMAND [OPTIONS]\n"
           "       tscns --version\n\n"
           "The Italian health card (TS-CNS) from the command line.\n\nCommands:\n");
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        printf("  %-9s %s\n", commands[i].name, commands[i].summary);
    printf("\n`tscns COMMAND --help` describes each command.\n");
    fputs(cli_global_help, stdout);
    printf("  --version       print the version and exit\n");
    fputs(exit_codes_help, stdout);
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        CLI_GLOBAL_LONGOPTS, {"version", no_argument, NULL, 'V'}, {NULL, 0, NULL, 0}};
    struct cli_global global = {NULL, NULL};
    int c;

    cli_getopt_reset();
    /* '+': stop at the command name; its options belong to the command. */
    while ((c = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
        int taken = cli_global_option(&global, c, optarg);

        if (taken < 0)
            return CLI_USAGE;
        if (taken > 0)
            continue;
        if (c == 'h') {
            print_help();
            return cli_flush_stdout();
        }
        if (c == 'V') {
            printf("tscns %s\n", TSCNS_VERSION);
            return cli_flush_stdout();
        }
        fprintf(stderr, "tscns: unknown option or missing value: %s\nTry 'tscns --help'.\n",
                argv[optind - 1]);
        return CLI_USAGE;
    }
    if (optind >= argc) {
        fprintf(stderr, "tscns: which command? Try 'tscns --help'.\n");
        return CLI_USAGE;
    }
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        if (strcmp(argv[optind], commands[i].name) == 0)
            return commands[i].run(&global, argc - optind, argv + optind);
    }
    fprintf(stderr, "tscns: unknown command '%s'. Try 'tscns --help'.\n", argv[optind]);
    return CLI_USAGE;
}
