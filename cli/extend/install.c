/* `tscns extend install FILE` and `tscns extend restore BACKUP`: the command lines. */
#include "extend.h"

#include <string.h>

#include "certfile.h"
#include "options.h"

static const char install_help[] =
    "Usage: tscns extend install FILE --ca-cert CAFILE [options]\n"
    "\n"
    "Put a renewed certificate for the card's own key on the card. Before anything is written\n"
    "it must have the card's public key and subject, verify against CAFILE, end later than the\n"
    "card's certificate, keep its X.509 version, keyUsage bits and extendedKeyUsage purposes\n"
    "(what a login needs) and fit the card's certificate file. The card's certificate is saved\n"
    "first to $XDG_STATE_HOME/tscns/backup/<serial>-<time>.der; the write is read back, and\n"
    "rolled back if anything fails. FILE is PEM (leaf first, then intermediates) or DER.\n"
    "\n"
    "  --ca-cert FILE   trusted CA certificates the new certificate must chain to (required)\n"
    "  --puk-file FILE  read the PUK from the first line of FILE (default: ask on the terminal)\n"
    "  --no-puk         write without verifying the PUK (cards whose file needs no PUK)\n"
    "  --dry-run        do the checks and the backup, but neither ask for the PUK nor write\n"
    "  -y, --yes        do not ask before writing\n";

static const char restore_help[] =
    "Usage: tscns extend restore BACKUP [options]\n"
    "\n"
    "Put a certificate saved by `tscns extend install` back on the card it came from (the\n"
    "card serial is part of the backup's name). If the card's certificate is readable, the\n"
    "backup must have its public key and subject; if it cannot be read (a write that broke\n"
    "off), the backup must verify against --ca-cert instead. It must fit the file. The card's\n"
    "current certificate is backed up first, and the write is read back.\n"
    "\n"
    "  --ca-cert FILE   require the backup to verify against these CA certificates (needed\n"
    "                   when the card's certificate cannot be read)\n"
    "  --puk-file FILE  read the PUK from the first line of FILE (default: ask on the terminal)\n"
    "  --no-puk         write without verifying the PUK (cards whose file needs no PUK)\n"
    "  --dry-run        do the checks and the backup, but neither ask for the PUK nor write\n"
    "  -y, --yes        do not ask before writing\n";

enum { OPT_CA = 'c', OPT_PUK = 'p', OPT_NO_PUK = 'n', OPT_DRY = 'd', OPT_YES = 'y' };

static const struct option longopts[] = {{"ca-cert", required_argument, NULL, OPT_CA},
                                         {"puk-file", required_argument, NULL, OPT_PUK},
                                         {"no-puk", no_argument, NULL, OPT_NO_PUK},
                                         {"dry-run", no_argument, NULL, OPT_DRY},
                                         {"yes", no_argument, NULL, OPT_YES},
                                         CLI_GLOBAL_LONGOPTS,
                                         {NULL, 0, NULL, 0}};

static void take_option(struct install_opts *o, int c)
{
    switch (c) {
    case OPT_CA:
        o->ca_file = optarg;
        break;
    case OPT_PUK:
        o->puk_file = optarg;
        break;
    case OPT_NO_PUK:
        o->no_puk = 1;
        break;
    case OPT_DRY:
        o->dry_run = 1;
        break;
    case OPT_YES:
        o->yes = 1;
        break;
    }
}

static int run(const struct cli_global *global, int argc, char **argv, int restore)
{
    struct cli_global g = *global;
    struct cli_parser p;
    struct install_opts o;
    STACK_OF(X509) *chain = NULL;
    X509 *leaf = NULL;
    int c, rc;

    memset(&o, 0, sizeof(o));
    o.restore = restore;
    cli_parse_init(&p, restore ? "extend restore" : "extend install",
                   restore ? restore_help : install_help, "y", longopts, argc, argv, &g);
    while ((c = cli_next_option(&p)) >= 0)
        take_option(&o, c);
    if (c == CLI_OPT_STOP)
        return p.rc;
    if (optind != argc - 1)
        return cli_usage_error(p.cmd,
                               restore ? "give one backup file" : "give one certificate file");
    if (!restore && o.ca_file == NULL)
        return cli_usage_error(p.cmd, "--ca-cert is required: the new certificate must verify");
    if (o.no_puk && o.puk_file != NULL)
        return cli_usage_error(p.cmd, "--no-puk and --puk-file contradict each other");
    if (restore)
        o.restore_path = argv[optind];

    rc = certfile_load(argv[optind], &leaf, &chain);
    if (rc != CLI_OK)
        return rc;
    rc = extend_install_cert(&g, &o, leaf, chain);
    X509_free(leaf);
    sk_X509_pop_free(chain, X509_free);
    return rc;
}

int extend_install(const struct cli_global *g, int argc, char **argv)
{
    return run(g, argc, argv, 0);
}

int extend_restore(const struct cli_global *g, int argc, char **argv)
{
    return run(g, argc, argv, 1);
}
