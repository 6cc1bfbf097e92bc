/* tscns setup: the one step after installing, for one user or (--system) for the machine. */
#include "setup.h"

#include "options.h"

static const char help[] =
    "Usage: tscns setup [--dir DIR] [--seclevel1] [--config FILE]\n"
    "       tscns setup --system [--seclevel1] [--config FILE] [--force]\n"
    "       tscns setup [--system] --undo [--force]\n\n"
    "Make curl, Python and other OpenSSL programs use the card. Without --system: write the\n"
    "card's certificate (cert.pem), its key reference (key.pem, as `tscns keyref`) and an\n"
    "OpenSSL configuration (openssl.cnf) into a private folder, and print the\n"
    "`export OPENSSL_CONF=...` line and curl and Python commands to use them. The\n"
    "configuration includes the system one and activates the default provider, then tscns\n"
    "(from OpenSSL's modules directory, else next to the command). Before anything is put in\n"
    "place, `openssl version` and `openssl list -providers` must work under it.\n\n"
    "  --dir DIR      the folder (default $XDG_CONFIG_HOME/tscns, else ~/.config/tscns)\n"
    "  --seclevel1    TLS security level 1, needed by RSA-1024 cards (issued up to 2018)\n"
    "  --config FILE  the system configuration (default: OpenSSL's, OPENSSLDIR/openssl.cnf)\n"
    "  --system       as root: add a marked block to the system configuration instead, so\n"
    "                 every program uses the card without OPENSSL_CONF; the file as it was is\n"
    "                 kept in FILE.tscns-backup, and a result OpenSSL fails under is refused\n"
    "  --undo         remove the folder's files; with --system, put the system configuration\n"
    "                 back byte for byte from the backup\n"
    "  --force        with --system, after the file was changed above setup's block: keep\n"
    "                 the changes (they become the backup) and write the block again; with\n"
    "                 --undo: put the backup back even over such changes, losing them\n";

int cmd_setup(const struct cli_global *global, int argc, char **argv)
{
    enum { OPT_DIR = 0x200, OPT_SECLEVEL1, OPT_CONFIG, OPT_SYSTEM, OPT_UNDO, OPT_FORCE };
    static const struct option longopts[] = {CLI_GLOBAL_LONGOPTS,
                                             {"dir", required_argument, NULL, OPT_DIR},
                                             {"seclevel1", no_argument, NULL, OPT_SECLEVEL1},
                                             {"config", required_argument, NULL, OPT_CONFIG},
                                             {"system", no_argument, NULL, OPT_SYSTEM},
                                             {"undo", no_argument, NULL, OPT_UNDO},
                                             {"force", no_argument, NULL, OPT_FORCE},
                                             {NULL, 0, NULL, 0}};
    struct cli_global g = *global;
    struct setup_opts o = {NULL, NULL, 0, 0};
    struct cli_parser p;
    int c, rc, system = 0, undo = 0;

    cli_parse_init(&p, "setup", help, "", longopts, argc, argv, &g);
    while ((c = cli_next_option(&p)) >= 0) {
        if (c == OPT_DIR)
            o.dir = optarg;
        else if (c == OPT_SECLEVEL1)
            o.seclevel1 = 1;
        else if (c == OPT_CONFIG)
            o.config = optarg;
        else if (c == OPT_SYSTEM)
            system = 1;
        else if (c == OPT_UNDO)
            undo = 1;
        else
            o.force = 1;
    }
    if (c == CLI_OPT_STOP)
        return p.rc;
    rc = cli_parse_no_operands(&p);
    if (rc != CLI_OK)
        return rc;
    if (system && o.dir != NULL)
        return cli_usage_error("setup", "--dir is for the per-user setup, not --system");
    if (o.force && !undo && !system)
        return cli_usage_error("setup", "--force goes with --system or --undo");
    if (undo && o.seclevel1)
        return cli_usage_error("setup", "--seclevel1 does not go with --undo");
    if (system)
        return undo ? setup_system_undo(&o) : setup_system(&o);
    return undo ? setup_user_undo(&o) : setup_user(&g, &o);
}
