/*
 * System-wide setup: one marked block at the end of OpenSSL's own file. Appending (and never
 * editing the lines above) is what makes --undo exact: the file setup wrote is the backup plus
 * the block, so the backup is the whole truth about what was there before.
 */
#include "setup.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf_block.h"
#include "files.h"
#include "output.h"
#include "provider_path.h"

#define BLOCK_BEGIN "# BEGIN tscns setup"
#define BLOCK_END "# END tscns setup\n"

struct system_file {
    char path[PATH_MAX];
    char backup[PATH_MAX + 16];
    char *text; /* the file now */
    size_t len;
    mode_t mode;
    char *saved; /* the backup, or NULL when there is none */
    size_t saved_len;
};

static void close_system_file(struct system_file *f)
{
    free(f->text);
    free(f->saved);
}

static int open_system_file(const struct setup_opts *o, struct system_file *f)
{
    char named[PATH_MAX];
    struct stat st;
    int rc;

    memset(f, 0, sizeof(*f));
    if (o->config == NULL && geteuid() != 0) {
        fprintf(stderr, "tscns setup: --system changes OpenSSL's configuration for everyone: run "
                        "it as root (sudo tscns setup --system)\n");
        return CLI_USAGE;
    }
    rc = setup_system_file(o->config, named, sizeof(named));
    if (rc != CLI_OK)
        return rc;
    /* Debian's OPENSSLDIR/openssl.cnf is a symlink to /etc/ssl/openssl.cnf: replacing the link
     * by a file would cut it off from the package's file. */
    if (realpath(named, f->path) == NULL || stat(f->path, &st) != 0 ||
        (f->text = setup_read_file(f->path, &f->len)) == NULL) {
        fprintf(stderr, "tscns setup: cannot read %s: %s\n", named, strerror(errno));
        return CLI_FILE_ERROR;
    }
    f->mode = st.st_mode & 07777;
    snprintf(f->backup, sizeof(f->backup), "%s.tscns-backup", f->path);
    f->saved = setup_read_file(f->backup, &f->saved_len);
    if (f->saved == NULL && errno != ENOENT) {
        fprintf(stderr, "tscns setup: cannot read %s: %s\n", f->backup, strerror(errno));
        close_system_file(f);
        return CLI_FILE_ERROR;
    }
    return CLI_OK;
}

/* Where setup's block starts: f->len when there is none, -1 when a BEGIN line is there but the
 * file does not end with setup's END line. */
static long block_start(const struct system_file *f)
{
    size_t end_len = strlen(BLOCK_END);
    const char *p = f->text;

    while ((p = strstr(p, BLOCK_BEGIN)) != NULL && p != f->text && p[-1] != '\n')
        p++;
    if (p == NULL)
        return (long)f->len;
    if (f->len < end_len || memcmp(f->text + f->len - end_len, BLOCK_END, end_len) != 0 ||
        (f->len > end_len && f->text[f->len - end_len - 1] != '\n'))
        return -1;
    return (long)(p - f->text);
}

/* Whether what precedes the block is the backup, plus the newline setup adds to a file that
 * does not end with one. */
static int before_block_is_backup(const struct system_file *f, size_t start)
{
    const char *b = f->saved;
    size_t n = f->saved_len;

    if (b == NULL || start < n || memcmp(f->text, b, n) != 0)
        return 0;
    return start == n || (start == n + 1 && n > 0 && b[n - 1] != '\n' && f->text[n] == '\n');
}

/* @p base, then setup's block for it; NULL when out of memory or @p base does not parse. */
static BIO *with_block(const char *base, size_t len, const char *name, const char *module,
                       int seclevel1)
{
    CONF *conf = setup_conf_parse(base, len, name);
    BIO *out = conf != NULL ? BIO_new(BIO_s_mem()) : NULL;
    int ok = out != NULL && BIO_write(out, base, (int)len) == (int)len &&
             (len == 0 || base[len - 1] == '\n' || BIO_write(out, "\n", 1) == 1) &&
             BIO_printf(out, BLOCK_BEGIN " (`tscns setup --system --undo` puts back the file "
                                         "as it was before)\n") > 0 &&
             setup_conf_block(out, conf, "tscns_system", module, seclevel1) == 0 &&
             BIO_printf(out, BLOCK_END) > 0;

    if (conf != NULL && !ok)
        fprintf(stderr, "tscns setup: out of memory\n");
    NCONF_free(conf);
    if (!ok) {
        BIO_free(out);
        return NULL;
    }
    return out;
}

static int write_backup(const struct system_file *f, const char *text, size_t len)
{
    int rc = cli_write_file_atomic(f->backup, text, len);

    if (rc == CLI_OK && chmod(f->backup, f->mode) != 0) {
        fprintf(stderr, "tscns setup: cannot set the mode of %s: %s\n", f->backup, strerror(errno));
        rc = CLI_FILE_ERROR;
    }
    return rc;
}

/*
 * @p start is where setup's block starts (f->len: none). When the text above it is the backup,
 * the block is made again from the backup, so the same options give the same file. Otherwise
 * (no block yet, or with --force a file changed above the block) the text above the block is
 * what there is to keep: it becomes the backup first.
 */
static int add_block(const struct setup_opts *o, struct system_file *f, size_t start)
{
    int intact = start < f->len && before_block_is_backup(f, start), rc;
    const char *base = intact ? f->saved : f->text;
    size_t base_len = intact ? f->saved_len : start;
    char module[PATH_MAX], *text;
    BIO *out;
    long len;

    rc = cli_find_provider("setup", module, sizeof(module));
    if (rc != CLI_OK)
        return rc;
    out = with_block(base, base_len, intact ? f->backup : f->path, module, o->seclevel1);
    if (out == NULL)
        return CLI_FILE_ERROR;
    len = BIO_get_mem_data(out, &text);
    if (intact && (size_t)len == f->len && memcmp(text, f->text, f->len) == 0) {
        printf("%s already has this tscns setup: nothing changed.\n", f->path);
        BIO_free(out);
        return cli_flush_stdout();
    }
    rc = intact ? CLI_OK : write_backup(f, base, base_len);
    if (rc == CLI_OK)
        rc = setup_install_checked(f->path, text, (size_t)len, f->mode);
    BIO_free(out);
    if (rc != CLI_OK && !intact) {
        /* The file is as it was: so is the backup, or there is none to undo. */
        if (f->saved != NULL)
            write_backup(f, f->saved, f->saved_len);
        else
            unlink(f->backup);
    }
    if (rc != CLI_OK)
        return rc;
    printf("%s now loads the default and tscns providers for every OpenSSL program\n"
           "that reads it (module %s%s).\n"
           "Checked: `openssl version` and `openssl list -providers` work under it.\n"
           "Backup: %s (`tscns setup --system --undo` puts it back).\n"
           "Each user exports the certificate and key reference with `tscns setup` (its "
           "OPENSSL_CONF\nline is then optional).\n",
           f->path, module, o->seclevel1 ? ", TLS security level 1" : "", f->backup);
    return cli_flush_stdout();
}

int setup_system(const struct setup_opts *o)
{
    struct system_file f;
    long start;
    int rc = open_system_file(o, &f);

    if (rc != CLI_OK)
        return rc;
    start = block_start(&f);
    if (start < 0) {
        fprintf(stderr,
                "tscns setup: %s has a \"" BLOCK_BEGIN "\" line but does not end with "
                "setup's block: left alone; compare it with %s\n",
                f.path, f.backup);
        rc = CLI_FILE_ERROR;
    } else if ((size_t)start < f.len && !before_block_is_backup(&f, (size_t)start) && !o->force) {
        fprintf(stderr,
                "tscns setup: %s was changed above setup's block after tscns setup wrote it "
                "(or %s is gone): left alone. With --force, the file as it is now, without the "
                "block, becomes the backup and the block is written again for it\n",
                f.path, f.backup);
        rc = CLI_FILE_ERROR;
    } else {
        rc = add_block(o, &f, (size_t)start);
    }
    close_system_file(&f);
    return rc;
}

int setup_system_undo(const struct setup_opts *o)
{
    struct system_file f;
    long start;
    int rc = open_system_file(o, &f);

    if (rc != CLI_OK)
        return rc;
    start = block_start(&f);
    if (f.saved == NULL) {
        fprintf(stderr, "tscns setup: no backup %s: nothing to undo\n", f.backup);
        rc = CLI_FILE_ERROR;
    } else if ((start < 0 || (size_t)start == f.len ||
                !before_block_is_backup(&f, (size_t)start)) &&
               !o->force) {
        fprintf(stderr,
                "tscns setup: %s is not the file tscns setup wrote (changed since): left "
                "alone; --force puts the backup back anyway, losing those changes\n",
                f.path);
        rc = CLI_FILE_ERROR;
    } else {
        rc = cli_write_file_atomic(f.path, f.saved, f.saved_len);
        if (rc == CLI_OK && (chmod(f.path, f.mode) != 0 || unlink(f.backup) != 0)) {
            fprintf(stderr, "tscns setup: %s is back, but: %s\n", f.path, strerror(errno));
            rc = CLI_FILE_ERROR;
        }
        if (rc == CLI_OK) {
            printf("%s is back as it was before tscns setup (from %s, now removed).\n", f.path,
                   f.backup);
            rc = cli_flush_stdout();
        }
    }
    close_system_file(&f);
    return rc;
}
