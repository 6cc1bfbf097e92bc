/*
 * `tscns` option parsing (cli/core/options.c): the input is a command line, its words separated
 * by NUL bytes, parsed as a command with a value option, two flags and the global options; the
 * first word picks a subcommand from a table as `tscns pin` does, whose own options are parsed
 * in turn. Help and refusals are printed as the command prints them.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "options.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_WORDS 16

static int parse_command(const char *cmd, const char *shortopts, int argc, char **argv,
                         const struct cli_global *global)
{
    static const struct option longopts[] = {{"output", required_argument, NULL, 'o'},
                                             {"json", no_argument, NULL, 'j'},
                                             {"force", no_argument, NULL, 'f'},
                                             CLI_GLOBAL_LONGOPTS,
                                             {NULL, 0, NULL, 0}};
    struct cli_global g = *global;
    struct cli_parser p;
    int c;

    cli_parse_init(&p, cmd, "usage: fuzz\n", shortopts, longopts, argc, argv, &g);
    while ((c = cli_next_option(&p)) >= 0)
        if ((c == 'o' && optarg == NULL) || (c != 'o' && c != 'j' && c != 'f'))
            abort(); /* only the command's own options reach it, with their values */
    if (c == CLI_OPT_STOP)
        return p.rc;
    if (optind > argc)
        abort();
    return cli_parse_no_operands(&p);
}

static int sub_plain(const struct cli_global *global, int argc, char **argv)
{
    return parse_command("fuzz plain", "o:jf", argc, argv, global);
}

static int sub_flags(const struct cli_global *global, int argc, char **argv)
{
    return parse_command("fuzz flags", "jf", argc, argv, global);
}

static int run(int argc, char **argv)
{
    static const struct cli_subcommand table[] = {{"plain", sub_plain, "options and a value"},
                                                  {"flags", sub_flags, "flags only"}};
    static const struct option longopts[] = {CLI_GLOBAL_LONGOPTS, {NULL, 0, NULL, 0}};
    struct cli_global g = {0};
    struct cli_parser p;
    int c;

    cli_parse_init(&p, "fuzz", "usage: fuzz SUBCOMMAND\n", "+", longopts, argc, argv, &g);
    while ((c = cli_next_option(&p)) >= 0)
        abort(); /* the parent has no option of its own */
    if (c == CLI_OPT_STOP)
        return p.rc;
    return cli_run_subcommand(&p, table, sizeof(table) / sizeof(table[0]), "which subcommand?");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *copy = malloc(size + 1), *argv[MAX_WORDS + 2];
    int argc = 0;

    if (copy == NULL)
        return 0;
    memcpy(copy, data, size);
    copy[size] = '\0';
    argv[argc++] = "fuzz";
    for (char *w = copy; w < copy + size + 1 && argc <= MAX_WORDS; w += strlen(w) + 1)
        argv[argc++] = w;
    argv[argc] = NULL;
    run(argc, argv);
    free(copy);
    return 0;
}
