/* tscns-mkcard: make a complete virtual TS-CNS card image from a test PKI. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/pem.h>
#include <openssl/x509.h>

#include "engine_internal.h"
#include "mkcard.h"

#define DEFAULT_PIN "12345678"
#define DEFAULT_PUK "87654321"
#define DEFAULT_DAYS 2190

typedef struct options {
    const char *profile;
    const char *out;
    const char *pin;
    const char *puk;
    const char *serial;
    const char *ca_dir;
    unsigned bits;
    long days;
    tscns_personal personal;
    int set[TSCNS_PD_COUNT];
} options;

static void usage(FILE *f)
{
    fprintf(
        f,
        "usage: tscns-mkcard --profile NAME --out DIR [options]\n"
        "\n"
        "Makes a virtual TS-CNS card image for tscns-vcard: a test CA (or the one given with\n"
        "--ca), an RSA key, the CNS authentication certificate, EF_IDCarta, EF_DatiPersonali\n"
        "and the PIN/PUK state. DIR gets ca.pem, ca.key, cert.pem, cert.der, key.pem (the\n"
        "card's secret), image.json (a description for tests) and the card's own files\n"
        "(card.state, ef_*.bin).\n"
        "\n"
        "  --profile NAME       card family (--list-profiles); 'unknown' is a non-CNS card,\n"
        "                       'contactless' a card behind the short ATR 3B 80 80 01 01\n"
        "  --out DIR            image directory (created; must not hold a card already)\n"
        "  --pin P              PIN, 5-8 digits (default " DEFAULT_PIN ")\n"
        "  --puk K              PUK, 5-8 digits (default " DEFAULT_PUK ")\n"
        "  --bits N             RSA key size (default: the profile's, 1024 or 2048)\n"
        "  --serial S           card serial: 16 digits, first 5-9, last a Luhn check digit\n"
        "                       (default: 80380 + 10 random digits + check digit)\n"
        "  --ca DIR             issue with the CA in DIR (ca.pem, ca.key), copied into --out\n"
        "  --not-after DAYS     certificate (and card) validity from today (default %d);\n"
        "                       0 or negative: a certificate that expired DAYS days ago\n"
        "  --surname S, --given-name G, --codice-fiscale CF, --birth-date DDMMYYYY,\n"
        "  --sex M|F            holder data (default ROSSI MARIO RSSMRA80A01H501U 01011980 M)\n"
        "  --field NAME=VALUE   any EF_DatiPersonali field by its JSON name (issuer,\n"
        "                       issue_date, expiry_date, surname, given_name, birth_date, sex,\n"
        "                       height, codice_fiscale, citizenship, birth_municipality,\n"
        "                       birth_country, birth_record, residence_municipality,\n"
        "                       residence_address, expatriation)\n"
        "  --list-profiles      print the profile table and exit\n"
        "  -h, --help           this text\n",
        DEFAULT_DAYS);
}

static void list_profiles(void)
{
    const vcard_profile *p;
    for (size_t i = 0; (p = vcard_profile_at(i)) != NULL; i++) {
        printf("%-12s %4u-bit  %s\n             ATR %s\n             guesses: %s\n", p->name,
               p->key_bits, p->description, p->atr_hex, p->guesses);
    }
}

static int pin_ok(const char *s)
{
    size_t n = strlen(s);
    return n >= 5 && n <= 8 && strspn(s, "0123456789") == n;
}

static int set_field(options *o, int f, const char *value)
{
    if (f < 0 || strlen(value) > 0xFF || strspn(value, "\r\n") != 0) {
        return -1;
    }
    snprintf(o->personal.field[f], sizeof(o->personal.field[f]), "%s", value);
    o->set[f] = 1;
    return 0;
}

static int parse(int argc, char **argv, options *o)
{
    enum {
        O_PIN = 256,
        O_PUK,
        O_BITS,
        O_SERIAL,
        O_CA,
        O_DAYS,
        O_SN,
        O_GN,
        O_CF,
        O_BD,
        O_SEX,
        O_FIELD,
        O_LIST
    };
    static const struct option longopts[] = {
        {"profile", required_argument, NULL, 'p'},
        {"out", required_argument, NULL, 'o'},
        {"pin", required_argument, NULL, O_PIN},
        {"puk", required_argument, NULL, O_PUK},
        {"bits", required_argument, NULL, O_BITS},
        {"serial", required_argument, NULL, O_SERIAL},
        {"ca", required_argument, NULL, O_CA},
        {"not-after", required_argument, NULL, O_DAYS},
        {"surname", required_argument, NULL, O_SN},
        {"given-name", required_argument, NULL, O_GN},
        {"codice-fiscale", required_argument, NULL, O_CF},
        {"birth-date", required_argument, NULL, O_BD},
        {"sex", required_argument, NULL, O_SEX},
        {"field", required_argument, NULL, O_FIELD},
        {"list-profiles", no_argument, NULL, O_LIST},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;
    char *end;
    o->pin = DEFAULT_PIN;
    o->puk = DEFAULT_PUK;
    o->days = DEFAULT_DAYS;
    while ((c = getopt_long(argc, argv, "p:o:h", longopts, NULL)) != -1) {
        int bad = 0;
        switch (c) {
        case 'p':
            o->profile = optarg;
            break;
        case 'o':
            o->out = optarg;
            break;
        case O_PIN:
            o->pin = optarg;
            break;
        case O_PUK:
            o->puk = optarg;
            break;
        case O_BITS:
            o->bits = (unsigned)strtoul(optarg, &end, 10);
            bad = *end != '\0' || o->bits < 1024 || o->bits > 4096 || o->bits % 8 != 0;
            break;
        case O_SERIAL:
            o->serial = optarg;
            break;
        case O_CA:
            o->ca_dir = optarg;
            break;
        case O_DAYS:
            o->days = strtol(optarg, &end, 10);
            bad = *end != '\0' || o->days < -36500 || o->days > 36500;
            break;
        case O_SN:
            bad = set_field(o, TSCNS_PD_SURNAME, optarg);
            break;
        case O_GN:
            bad = set_field(o, TSCNS_PD_GIVEN_NAME, optarg);
            break;
        case O_CF:
            bad = set_field(o, TSCNS_PD_CODICE_FISCALE, optarg);
            break;
        case O_BD:
            bad = set_field(o, TSCNS_PD_BIRTH_DATE, optarg);
            break;
        case O_SEX:
            bad = set_field(o, TSCNS_PD_SEX, optarg);
            break;
        case O_FIELD: {
            char *eq = strchr(optarg, '=');
            if (!eq) {
                bad = 1;
                break;
            }
            *eq = '\0';
            bad = set_field(o, mk_personal_field_index(optarg), eq + 1);
            break;
        }
        case O_LIST:
            list_profiles();
            exit(0);
        case 'h':
            usage(stdout);
            exit(0);
        default:
            usage(stderr);
            return -1;
        }
        if (bad) {
            fprintf(stderr, "tscns-mkcard: bad value for an option: %s\n", optarg);
            return -1;
        }
    }
    if (optind != argc || !o->profile || !o->out) {
        usage(stderr);
        return -1;
    }
    if (!pin_ok(o->pin) || !pin_ok(o->puk)) {
        fprintf(stderr, "tscns-mkcard: PIN and PUK are 5 to 8 digits\n");
        return -1;
    }
    if (o->serial && !mk_serial_ok(o->serial)) {
        fprintf(stderr,
                "tscns-mkcard: serial must be 16 digits, first 5-9, last the Luhn "
                "check digit (e.g. 803800000000000%c)\n",
                mk_luhn_digit("803800000000000"));
        return -1;
    }
    return 0;
}

static int write_bytes(const char *dir, const char *name, const void *data, size_t len)
{
    if (vc_atomic_write(dir, name, data, len) != 0) {
        fprintf(stderr, "tscns-mkcard: cannot write %s/%s: %s\n", dir, name, strerror(errno));
        return -1;
    }
    return 0;
}

typedef enum pem_kind { PEM_CERT, PEM_KEY } pem_kind;

static int write_pem(const char *dir, const char *name, pem_kind kind, void *obj)
{
    BIO *bio = BIO_new(BIO_s_mem());
    char *data;
    int ok =
        bio && (kind == PEM_CERT ? PEM_write_bio_X509(bio, obj)
                                 : PEM_write_bio_PrivateKey(bio, obj, NULL, NULL, 0, NULL, NULL));
    long len = ok ? BIO_get_mem_data(bio, &data) : 0;
    int rc = ok && len > 0 ? write_bytes(dir, name, data, (size_t)len) : -1;
    BIO_free(bio);
    return rc;
}

static void json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            fprintf(f, "\\%c", c);
        } else if (c < 0x20) {
            fprintf(f, "\\u%04x", c);
        } else {
            fputc(c, f);
        }
    }
    fputc('"', f);
}

static int write_image_json(const options *o, const vcard_profile *p, const char *serial,
                            unsigned bits, size_t cert_len)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) {
        return -1;
    }
    fprintf(f, "{\n  \"profile\": ");
    json_string(f, p->name);
    fprintf(f, ",\n  \"family_description\": ");
    json_string(f, p->description);
    fprintf(f, ",\n  \"atr\": ");
    json_string(f, p->atr_hex);
    fprintf(f, ",\n  \"serial\": \"%s\",\n  \"pin\": \"%s\",\n  \"puk\": \"%s\",\n", serial, o->pin,
            o->puk);
    fprintf(f, "  \"key_bits\": %u,\n  \"key_ref\": %u,\n  \"pin_ref\": %u,\n  \"puk_ref\": %u,\n",
            bits, p->key_ref, p->pin_ref, p->puk_ref);
    fprintf(f,
            "  \"cert_capacity\": %zu,\n  \"cert_length\": %zu,\n  \"guesses\": ", p->cert_capacity,
            cert_len);
    json_string(f, p->guesses);
    fprintf(f, ",\n  \"state_file\": \"card.state\",\n  \"personal\": {\n");
    for (int i = 0; i < TSCNS_PD_COUNT; i++) {
        fprintf(f, "    \"%s\": ", mk_personal_field_name(i));
        json_string(f, o->personal.field[i]);
        fprintf(f, "%s\n", i + 1 < TSCNS_PD_COUNT ? "," : "");
    }
    fprintf(f, "  }\n}\n");
    fclose(f);
    int rc = write_bytes(o->out, "image.json", buf, len);
    free(buf);
    return rc;
}

static int write_card_files(const options *o, const vcard_profile *p, const char *serial,
                            const uint8_t *der, size_t der_len)
{
    uint8_t personal[MK_PERSONAL_SIZE];
    char state[256];
    if (mk_personal_encode(&o->personal, personal) != 0) {
        fprintf(stderr, "tscns-mkcard: the personal data do not fit in %d bytes\n",
                MK_PERSONAL_SIZE);
        return -1;
    }
    snprintf(state, sizeof(state), "profile=%s\npin=%s\npuk=%s\npin_tries=3\npuk_tries=3\n",
             p->name, o->pin, o->puk);
    if (write_bytes(o->out, "card.state", state, strlen(state)) != 0) {
        return -1;
    }
    if (p->layout == VCARD_LAYOUT_NONE) {
        return 0;
    }
    if (der_len > p->cert_capacity) {
        fprintf(stderr,
                "tscns-mkcard: the certificate (%zu bytes) does not fit the %zu-byte "
                "file of %s\n",
                der_len, p->cert_capacity, p->name);
        return -1;
    }
    uint8_t *cert_file = calloc(1, p->cert_capacity);
    if (!cert_file) {
        return -1;
    }
    memcpy(cert_file, der, der_len);
    int rc =
        write_bytes(o->out, vc_role_file(VC_ROLE_SERIAL), serial, 16) == 0 &&
                write_bytes(o->out, vc_role_file(VC_ROLE_PERSONAL), personal, sizeof(personal)) ==
                    0 &&
                write_bytes(o->out, vc_role_file(VC_ROLE_CERT), cert_file, p->cert_capacity) == 0
            ? 0
            : -1;
    free(cert_file);
    return rc;
}

static int prepare_dir(const char *dir)
{
    char path[4096];
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        fprintf(stderr, "tscns-mkcard: cannot create %s: %s\n", dir, strerror(errno));
        return -1;
    }
    snprintf(path, sizeof(path), "%s/card.state", dir);
    struct stat st;
    if (stat(path, &st) == 0) {
        fprintf(stderr, "tscns-mkcard: %s already holds a card image\n", dir);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    options o = {0};
    X509 *ca = NULL, *cert = NULL;
    EVP_PKEY *ca_key = NULL, *key = NULL;
    uint8_t *der = NULL;
    char serial[17];
    int rc = 1;

    if (parse(argc, argv, &o) != 0) {
        return 2;
    }
    const vcard_profile *p = vcard_profile_find(o.profile);
    if (!p) {
        fprintf(stderr, "tscns-mkcard: unknown profile '%s' (see --list-profiles)\n", o.profile);
        return 2;
    }
    unsigned bits = o.bits ? o.bits : p->key_bits;
    tscns_personal chosen = o.personal;
    mk_personal_defaults(&o.personal, o.days > 0 ? o.days : 0);
    for (int f = 0; f < TSCNS_PD_COUNT; f++) {
        if (o.set[f]) {
            memcpy(o.personal.field[f], chosen.field[f], sizeof(chosen.field[f]));
        }
    }
    if (o.serial) {
        memcpy(serial, o.serial, sizeof(serial));
    } else if (mk_serial_new(serial) != 0) {
        goto end;
    }
    if (prepare_dir(o.out) != 0 ||
        (o.ca_dir ? mk_ca_load(o.ca_dir, &ca, &ca_key) : mk_ca_new(&ca, &ca_key)) != 0) {
        goto end;
    }
    key = mk_rsa_key(bits);
    if (!key) {
        fprintf(stderr, "tscns-mkcard: cannot generate an RSA-%u key\n", bits);
        goto end;
    }
    cert = mk_cns_cert(ca, ca_key, key, &o.personal, serial, o.days);
    int der_len = cert ? i2d_X509(cert, &der) : -1;
    if (der_len <= 0) {
        goto end;
    }
    if (write_pem(o.out, "ca.pem", PEM_CERT, ca) != 0 ||
        write_pem(o.out, "ca.key", PEM_KEY, ca_key) != 0 ||
        write_pem(o.out, "cert.pem", PEM_CERT, cert) != 0 ||
        write_bytes(o.out, "cert.der", der, (size_t)der_len) != 0 ||
        write_pem(o.out, "key.pem", PEM_KEY, key) != 0 ||
        write_card_files(&o, p, serial, der, (size_t)der_len) != 0 ||
        write_image_json(&o, p, serial, bits, (size_t)der_len) != 0) {
        goto end;
    }
    printf("%s: %s card, serial %s, RSA-%u, PIN %s, PUK %s\n", o.out, p->name, serial, bits, o.pin,
           o.puk);
    rc = 0;
end:
    OPENSSL_free(der);
    X509_free(cert);
    X509_free(ca);
    EVP_PKEY_free(key);
    EVP_PKEY_free(ca_key);
    return rc;
}
