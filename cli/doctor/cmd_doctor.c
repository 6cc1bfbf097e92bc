/* tscns doctor: check the whole setup and say, line by line, what to fix. Never asks for a PIN. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "doctor.h"
#include "json.h"
#include "options.h"
#include "start.h"

static const char help[] =
    "Usage: tscns doctor [--json]\n\n"
    "Check the setup and say what to fix: the backend and its PKCS#11 module if one is\n"
    "configured (loaded unless the backend is native), the PC/SC service (pcscd), the\n"
    "readers, the card and its family, its certificate, the tscns provider module\n"
    "($TSCNS_PROVIDER, else OpenSSL's modules directory, else <bindir>/../lib/tscns.so)\n"
    "and whether OpenSSL loads it, the OpenSSL configuration in effect ($OPENSSL_CONF, or\n"
    "OpenSSL's default) activating default and then tscns, its pin-source (readable, a PIN\n"
    "of 5 to 8 digits; never printed), and for an RSA-1024 card the TLS security level, of\n"
    "OpenSSL and of the python3 on PATH. Each problem line names its fix.\n"
    "Reads the card without a PIN; never sends one.\n"
    "Exit status: 0 if nothing is wrong, else that of the first problem (2: PC/SC, reader or\n"
    "card; 3: card not supported, its certificate unreadable or expired, or the PKCS#11\n"
    "module failed (the other checks still run); 6: the tscns provider module, the OpenSSL\n"
    "configuration or the TLS security level).\n\n"
    "  --json   print {\"checks\": [{check, status, message}], \"problems\": N}; status is\n"
    "           ok, note, problem or skipped\n";

static const char *const status_words[] = {"ok", "note", "problem", "skipped"};

void doctor_add(struct doctor *d, const char *check, enum doctor_status status, int exit_code,
                const char *fmt, ...)
{
    struct doctor_line *l;
    va_list ap;

    if (d->count == DOCTOR_MAX_LINES)
        return;
    l = &d->lines[d->count++];
    l->check = check;
    l->status = status;
    l->exit_code = status == DOCTOR_PROBLEM ? exit_code : CLI_OK;
    va_start(ap, fmt);
    vsnprintf(l->text, sizeof(l->text), fmt, ap);
    va_end(ap);
}

int doctor_readable_file(const char *path)
{
    struct stat st;

    if (stat(path, &st) != 0)
        return 0;
    if (!S_ISREG(st.st_mode)) {
        errno = 0;
        return 0;
    }
    return access(path, R_OK) == 0;
}

const char *doctor_why_not(void)
{
    return errno != 0 ? strerror(errno) : "not a regular file";
}

static void print_text(const struct doctor *d, size_t problems)
{
    for (size_t i = 0; i < d->count; i++)
        printf("%-8s %-16s %s\n", status_words[d->lines[i].status], d->lines[i].check,
               d->lines[i].text);
    if (problems == 0)
        printf("\nNo problem found.\n");
    else
        printf("\n%zu problem%s found: see the lines marked \"problem\".\n", problems,
               problems == 1 ? "" : "s");
}

static void print_json(const struct doctor *d, size_t problems)
{
    struct json j;

    json_init(&j, stdout);
    json_begin_object(&j, NULL);
    json_begin_array(&j, "checks");
    for (size_t i = 0; i < d->count; i++) {
        json_begin_object(&j, NULL);
        json_string(&j, "check", d->lines[i].check);
        json_string(&j, "status", status_words[d->lines[i].status]);
        json_string(&j, "message", d->lines[i].text);
        json_end_object(&j);
    }
    json_end_array(&j);
    json_int(&j, "problems", (long long)problems);
    json_end_object(&j);
}

int cmd_doctor(const struct cli_global *global, int argc, char **argv)
{
    static const struct option longopts[] = {
        CLI_GLOBAL_LONGOPTS, {"json", no_argument, NULL, 'j'}, {NULL, 0, NULL, 0}};
    struct cli_global g = *global;
    struct cli_parser p;
    struct doctor d = {0};
    size_t problems = 0;
    int json = 0, c, rc, first = CLI_OK;

    cli_parse_init(&p, "doctor", help, "", longopts, argc, argv, &g);
    while ((c = cli_next_option(&p)) >= 0)
        json = 1;
    if (!cli_start(&p, c, NULL, &rc))
        return rc;

    doctor_check_card(&d, &g);
    doctor_check_provider(&d);
    doctor_check_config(&d);
    doctor_check_pin_source(&d);
    doctor_check_security_level(&d);
    doctor_check_python_level(&d);

    for (size_t i = 0; i < d.count; i++) {
        if (d.lines[i].status != DOCTOR_PROBLEM)
            continue;
        if (problems++ == 0)
            first = d.lines[i].exit_code;
    }
    if (json)
        print_json(&d, problems);
    else
        print_text(&d, problems);
    return first;
}
