/* tscns: the command-line tool for the Italian TS-CNS card. This file only dispatches. */
#include <stdio.h>

#include "cli.h"
#include "json_error.h"
#include "options.h"
#include "start.h"
#include "output.h"
#include "setup/setup.h"

#ifndef TSCNS_VERSION
#define TSCNS_VERSION "unknown"
#endif

static const struct cli_subcommand commands[] = {
    {"readers", cmd_readers, "list readers, whether a card is in each, and its family"},
    {"info", cmd_info, "show the card, its certificate and the holder's data"},
    {"cert", cmd_cert, "export the authentication certificate (PEM or DER)"},
    {"keyref", cmd_keyref, "write the key-reference file OpenSSL programs use as the card key"},
    {"pin", cmd_pin, "verify, change or unblock the PIN"},
    {"extend", cmd_extend, "renew the card's certificate for the same key, safely"},
    {"setup", cmd_setup, "set up OpenSSL (curl, Python...) for the card: for you, or --system"},
    {"doctor", cmd_doctor, "check the setup (PC/SC, reader, card, provider, OpenSSL config)"},
    {"cache", cmd_cache, "list or clear the certificate cache that spares a full read"},
};
#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static const char exit_codes_help[] =
    "\nExit status:\n"
    "  0  success\n"
    "  1  usage error, no PIN given (no terminal and no --pin-file), or not confirmed\n"
    "  2  no PC/SC service, no reader, no card, or the card was removed\n"
    "  3  the card is not supported (unknown, contactless) or answered with an error;\n"
    "     doctor: the certificate cannot be read or has expired\n"
    "  4  wrong PIN or PUK (the message says how many tries are left)\n"
    "  5  PIN or PUK blocked\n"
    "  6  a file could not be read or written, standard output included; extend: a\n"
    "     certificate refused by the checks; doctor: provider, OpenSSL configuration;\n"
    "     any command: an OpenSSL configuration that activates providers without default\n"
    "  7  internal error (out of memory, a bug)\n"
    "Under --json, a failure also prints {\"error\": {code, message, detail, hint}} on\n"
    "standard output.\n";

static int print_help(void)
{
    printf("Usage: tscns [--reader NAME] [--serial S] [--no-cert-cache] COMMAND [OPTIONS]\n"
           "       tscns --version\n\n"
           "The Italian health card (TS-CNS) from the command line.\n\nCommands:\n");
    for (size_t i = 0; i < N_COMMANDS; i++)
        printf("  %-9s %s\n", commands[i].name, commands[i].summary);
    printf("\n`tscns COMMAND --help` describes each command.\n");
    fputs(cli_global_help, stdout);
    printf("  --version       print the version and exit\n");
    fputs(exit_codes_help, stdout);
    return CLI_OK;
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        CLI_GLOBAL_LONGOPTS, {"version", no_argument, NULL, 'V'}, {NULL, 0, NULL, 0}};
    struct cli_global global = {0};
    struct cli_parser p;

    cli_json_errors_from_args(argc, argv);
    /* '+': stop at the command name; its options belong to the command. */
    cli_parse_init(&p, NULL, NULL, "+", longopts, argc, argv, &global);
    switch (cli_next_option(&p)) {
    case CLI_OPT_END:
        return cli_end(cli_run_subcommand(&p, commands, N_COMMANDS, "no command given"));
    case CLI_OPT_STOP:
        return cli_end(p.rc);
    case 'V':
        printf("tscns %s\n", TSCNS_VERSION);
        return cli_end(CLI_OK);
    default:
        return cli_end(print_help());
    }
}
