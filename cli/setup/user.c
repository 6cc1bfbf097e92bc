/*
 * Per-user setup: everything goes to one private folder and OpenSSL reads it only where the
 * user exports OPENSSL_CONF, so nothing of the machine changes and no root is needed.
 */
#include "setup.h"

#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/x509.h>

#include "card_cert.h"
#include "conf_block.h"
#include "files.h"
#include "keyref_file.h"
#include "output.h"
#include "provider_path.h"

/* The first line of the per-user file, how --undo knows the file is setup's. */
#define USER_HEADER "# Written by `tscns setup`"
#define EXAMPLE_URL "https://www.example.it/"

int setup_system_file(const char *config, char *out, size_t size)
{
    char cwd[PATH_MAX];
    const char *dir = OPENSSL_info(OPENSSL_INFO_CONFIG_DIR);
    int n;

    if (config != NULL && config[0] != '/' && getcwd(cwd, sizeof(cwd)) != NULL)
        n = snprintf(out, size, "%s/%s", cwd, config);
    else if (config != NULL)
        n = snprintf(out, size, "%s", config);
    else
        n = snprintf(out, size, "%s/openssl.cnf", dir != NULL ? dir : "/usr/lib/ssl");
    if (n < 0 || (size_t)n >= size) {
        fprintf(stderr, "tscns setup: the path of the OpenSSL configuration is too long\n");
        return CLI_USAGE;
    }
    return CLI_OK;
}

/* $XDG_CONFIG_HOME/tscns, else ~/.config/tscns (the XDG rule: a relative value is ignored). */
static int user_dir(const struct setup_opts *o, char *out, size_t size)
{
    const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
    struct passwd *pw;
    int n;

    if (o->dir != NULL) {
        n = snprintf(out, size, "%s", o->dir);
    } else if (xdg != NULL && xdg[0] == '/') {
        n = snprintf(out, size, "%s/tscns", xdg);
    } else {
        if ((home == NULL || home[0] != '/') && (pw = getpwuid(getuid())) != NULL)
            home = pw->pw_dir;
        if (home == NULL) {
            fprintf(stderr, "tscns setup: no home directory: give --dir DIR\n");
            return CLI_USAGE;
        }
        n = snprintf(out, size, "%s/.config/tscns", home);
    }
    if (n < 0 || (size_t)n + sizeof("/openssl.cnf.tscns-new") >= size) {
        fprintf(stderr, "tscns setup: the folder's path is too long\n");
        return CLI_USAGE;
    }
    return CLI_OK;
}

/* user_dir() checked that every name fits. */
static void in_dir(char *out, size_t size, const char *dir, const char *name)
{
    if (snprintf(out, size, "%s/%s", dir, name) >= (int)size)
        out[0] = '\0';
}

/* mkdir -p, private: the folder names the user's card and holds their settings. */
static int make_private_dir(char *path)
{
    for (char *p = strchr(path + 1, '/');; p = strchr(p + 1, '/')) {
        if (p != NULL)
            *p = '\0';
        if (mkdir(path, 0700) != 0 && errno != EEXIST) {
            fprintf(stderr, "tscns setup: cannot create %s: %s\n", path, strerror(errno));
            if (p != NULL)
                *p = '/';
            return CLI_FILE_ERROR;
        }
        if (p == NULL)
            break;
        *p = '/';
    }
    if (chmod(path, 0700) != 0) {
        fprintf(stderr, "tscns setup: cannot make %s private: %s\n", path, strerror(errno));
        return CLI_FILE_ERROR;
    }
    return CLI_OK;
}

/* The card's serial, its certificate in PEM, and the key size (for the RSA-1024 advice). */
struct card_facts {
    char serial[17];
    char holder[256];
    int bits;
};

static int holder_name(const X509_NAME *subject, char *out, size_t size)
{
    char given[128], surname[128];

    if (X509_NAME_get_text_by_NID(subject, NID_givenName, given, sizeof(given)) < 0 ||
        X509_NAME_get_text_by_NID(subject, NID_surname, surname, sizeof(surname)) < 0)
        return X509_NAME_get_text_by_NID(subject, NID_commonName, out, (int)size) < 0 ? -1 : 0;
    snprintf(out, size, "%s %s", given, surname);
    return 0;
}

static int write_card_files(const struct cli_global *g, const char *dir, struct card_facts *f)
{
    char path[PATH_MAX];
    X509 *x = NULL;
    unsigned char *der = NULL;
    int len, rc;

    rc = card_cert_read(g, f->serial, &x);
    if (rc != CLI_OK)
        return rc;
    f->bits = EVP_PKEY_get_bits(X509_get0_pubkey(x));
    /* TS-CNS certificates carry the holder's names apart; the CN is codice fiscale/serial. */
    if (holder_name(X509_get_subject_name(x), f->holder, sizeof(f->holder)) != 0)
        snprintf(f->holder, sizeof(f->holder), "no name in the certificate");
    /* The encoding read from the card: a parsed certificate keeps it. */
    len = i2d_X509(x, &der);
    X509_free(x);
    if (len <= 0) {
        fprintf(stderr, "tscns setup: out of memory\n");
        return CLI_INTERNAL;
    }
    in_dir(path, sizeof(path), dir, "cert.pem");
    rc = cli_output_pem(path, "CERTIFICATE", der, (size_t)len);
    OPENSSL_free(der);
    if (rc != CLI_OK)
        return rc;
    in_dir(path, sizeof(path), dir, "key.pem");
    return cli_keyref_output(g->reader, f->serial, path);
}

static int write_config(const struct setup_opts *o, const char *dir, const char *system,
                        const char *module)
{
    CONF *base = setup_conf_load(system);
    BIO *out = BIO_new(BIO_s_mem());
    char path[PATH_MAX], *text;
    long len;
    int rc = CLI_INTERNAL;

    if (base == NULL) {
        BIO_free(out);
        return CLI_FILE_ERROR;
    }
    /* After the .include, the values below override the system file's, section by section. */
    if (out != NULL &&
        BIO_printf(out, USER_HEADER ": OpenSSL's system configuration, then the default\n"
                                    "# and tscns providers. Run `tscns setup` again to rewrite it, "
                                    "`tscns setup --undo` to remove it.\n.include ") > 0 &&
        setup_conf_value(out, system) == 0 && BIO_write(out, "\n\n", 2) == 2 &&
        setup_conf_block(out, base, "tscns_user", module, o->seclevel1) == 0 &&
        (len = BIO_get_mem_data(out, &text)) > 0) {
        in_dir(path, sizeof(path), dir, "openssl.cnf");
        rc = setup_install_checked(path, text, (size_t)len, 0600);
    }
    if (rc == CLI_INTERNAL)
        fprintf(stderr, "tscns setup: out of memory\n");
    BIO_free(out);
    NCONF_free(base);
    return rc;
}

/* A shell word for @p s: as it is when safe, else in single quotes. */
static void print_word(const char *s)
{
    if (s[strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_./:=@%+,-")] ==
        '\0') {
        fputs(s, stdout);
        return;
    }
    putchar('\'');
    for (; *s != '\0'; s++) {
        if (*s == '\'')
            fputs("'\\''", stdout);
        else
            putchar(*s);
    }
    putchar('\'');
}

static void print_next_steps(const struct setup_opts *o, const char *dir, const char *system,
                             const char *module, const struct card_facts *f)
{
    char cert[PATH_MAX], key[PATH_MAX], conf[PATH_MAX];

    in_dir(cert, sizeof(cert), dir, "cert.pem");
    in_dir(key, sizeof(key), dir, "key.pem");
    in_dir(conf, sizeof(conf), dir, "openssl.cnf");
    printf("Card %s (%s), RSA %d-bit key. Written to %s:\n", f->serial, f->holder, f->bits, dir);
    printf("  cert.pem     the card's certificate\n"
           "  key.pem      the key reference: names the card's key, holds no secret\n"
           "  openssl.cnf  %s, then the default and tscns providers (%s)%s\n",
           system, module, o->seclevel1 ? ", TLS security level 1" : "");
    printf("Checked: `openssl version` and `openssl list -providers` work under it.\n\n");
    printf("Run this now and add it to your ~/.profile:\n\n  export OPENSSL_CONF=");
    print_word(conf);
    printf("\n\nThen curl and Python log in with the card (they ask for the card PIN; put your "
           "site's\naddress in place of " EXAMPLE_URL "):\n\n  curl --cert ");
    print_word(cert);
    printf(" --key ");
    print_word(key);
    printf(" " EXAMPLE_URL "\n  python3 -c 'import ssl, sys, urllib.request; "
           "c = ssl.create_default_context(); %sc.load_cert_chain(sys.argv[1], sys.argv[2]); "
           "print(urllib.request.urlopen(sys.argv[3], context=c).read().decode())' ",
           /* Debian's Python keeps the configuration's level, but Pythons built with their
            * own default cipher string (upstream's, pyenv's) set level 2 over it. */
           o->seclevel1 ? "c.set_ciphers(\"DEFAULT@SECLEVEL=1\"); " : "");
    print_word(cert);
    putchar(' ');
    print_word(key);
    printf(" " EXAMPLE_URL "\n");
    if (f->bits > 0 && f->bits < 2048 && !o->seclevel1)
        printf("\nThis card's key has %d bits: TLS at Debian's default security level refuses "
               "it\n(\"ee key too small\"). Run `tscns setup --seclevel1` instead.\n",
               f->bits);
}

int setup_user(const struct cli_global *g, const struct setup_opts *o)
{
    char dir[PATH_MAX], system[PATH_MAX], module[PATH_MAX];
    struct card_facts facts;
    int rc;

    rc = user_dir(o, dir, sizeof(dir));
    if (rc == CLI_OK)
        rc = setup_system_file(o->config, system, sizeof(system));
    if (rc != CLI_OK)
        return rc;
    rc = cli_find_provider("setup", module, sizeof(module));
    if (rc == CLI_OK)
        rc = make_private_dir(dir);
    if (rc == CLI_OK)
        rc = write_card_files(g, dir, &facts);
    if (rc == CLI_OK)
        rc = write_config(o, dir, system, module);
    if (rc != CLI_OK)
        return rc;
    print_next_steps(o, dir, system, module, &facts);
    return cli_flush_stdout();
}

static int remove_file(const char *dir, const char *name)
{
    char path[PATH_MAX];

    in_dir(path, sizeof(path), dir, name);
    if (unlink(path) != 0 && errno != ENOENT) {
        fprintf(stderr, "tscns setup: cannot remove %s: %s\n", path, strerror(errno));
        return CLI_FILE_ERROR;
    }
    return CLI_OK;
}

int setup_user_undo(const struct setup_opts *o)
{
    char dir[PATH_MAX], conf[PATH_MAX];
    size_t len;
    char *text;
    int rc = user_dir(o, dir, sizeof(dir));

    if (rc != CLI_OK)
        return rc;
    in_dir(conf, sizeof(conf), dir, "openssl.cnf");
    text = setup_read_file(conf, &len);
    if (text == NULL && errno != ENOENT) {
        fprintf(stderr, "tscns setup: cannot read %s: %s\n", conf, strerror(errno));
        return CLI_FILE_ERROR;
    }
    if (text != NULL && strncmp(text, USER_HEADER, strlen(USER_HEADER)) != 0 && !o->force) {
        fprintf(stderr,
                "tscns setup: %s was not written by tscns setup; left alone (--force "
                "removes it)\n",
                conf);
        free(text);
        return CLI_FILE_ERROR;
    }
    free(text);
    if ((rc = remove_file(dir, "openssl.cnf")) != CLI_OK ||
        (rc = remove_file(dir, "key.pem")) != CLI_OK ||
        (rc = remove_file(dir, "cert.pem")) != CLI_OK)
        return rc;
    /* Only if empty: anything else in it is the user's. */
    if (rmdir(dir) != 0 && errno != ENOENT && errno != ENOTEMPTY && errno != EEXIST) {
        fprintf(stderr, "tscns setup: cannot remove %s: %s\n", dir, strerror(errno));
        return CLI_FILE_ERROR;
    }
    printf("Removed tscns setup's files from %s. Remove the `export OPENSSL_CONF=...` line\n"
           "from your ~/.profile too.\n",
           dir);
    return cli_flush_stdout();
}
