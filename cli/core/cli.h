/**
 * @file cli.h
 * @brief What every `tscns` command shares: exit codes, global options, the command signature.
 */
#ifndef TSCNS_CLI_H
#define TSCNS_CLI_H

/*
 * Exit codes are part of the interface (scripts test them): they are listed in `tscns --help`
 * and in tscns(1). Keep the three in step.
 */
enum cli_exit {
    CLI_OK = 0,
    CLI_USAGE = 1,      /* bad command line, or no way to ask for a PIN */
    CLI_NO_CARD = 2,    /* no PC/SC service, no reader, no card, card removed */
    CLI_CARD_ERROR = 3, /* unknown or contactless card, card or reader error */
    CLI_WRONG_PIN = 4,  /* wrong PIN or PUK (tries are left) */
    CLI_BLOCKED = 5,    /* PIN or PUK blocked */
    CLI_FILE_ERROR = 6, /* an input or output file could not be read or written */
    CLI_INTERNAL = 7    /* out of memory or a bug */
};

/** Options accepted before or after any command name. */
struct cli_global {
    const char *reader;        /* substring of the reader name, or NULL */
    const char *serial;        /* card serial (16 digits; a token's serial), or NULL */
    const char *pkcs11_module; /* --pkcs11-module, or NULL */
    const char *backend;       /* --backend: "auto", "native", "pkcs11", or NULL */
};

/** One command: argv[0] is the command name; returns an enum cli_exit value. */
typedef int cli_command_fn(const struct cli_global *global, int argc, char **argv);

cli_command_fn cmd_readers;
cli_command_fn cmd_info;
cli_command_fn cmd_cert;
cli_command_fn cmd_keyref;
cli_command_fn cmd_pin;
cli_command_fn cmd_extend;
cli_command_fn cmd_doctor;
cli_command_fn cmd_cache;

#endif
