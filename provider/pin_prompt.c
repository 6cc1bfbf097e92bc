#include "pin_prompt.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/objects.h>
#include <openssl/x509.h>

/* givenName and surname of the certificate's subject, "" when it has neither. */
static void holder_name(tscns_card *card, char *out, size_t cap)
{
    const uint8_t *der, *p;
    size_t len;
    X509 *x = NULL;
    X509_NAME *subject;
    char given[128] = "", surname[128] = "";

    out[0] = '\0';
    if (tscns_card_certificate(card, &der, &len) != TSCNS_OK)
        return;
    p = der;
    if ((x = d2i_X509(NULL, &p, (long)len)) != NULL &&
        (subject = X509_get_subject_name(x)) != NULL) {
        X509_NAME_get_text_by_NID(subject, NID_givenName, given, sizeof(given));
        X509_NAME_get_text_by_NID(subject, NID_surname, surname, sizeof(surname));
        snprintf(out, cap, "%s%s%s", given, given[0] != '\0' && surname[0] != '\0' ? " " : "",
                 surname);
    }
    X509_free(x);
}

void tsp_pin_describe(tscns_card *card, const char *serial, int tries, char *out, size_t cap)
{
    char name[260], left[32] = "";

    holder_name(card, name, sizeof(name));
    if (tries >= 0)
        snprintf(left, sizeof(left), "; %d %s left", tries, tries == 1 ? "try" : "tries");
    if (name[0] != '\0')
        snprintf(out, cap, "PIN of the TS-CNS card of %s (serial %s%s)", name,
                 serial != NULL ? serial : "unknown", left);
    else
        snprintf(out, cap, "PIN of the TS-CNS card in %s (serial %s%s)", tscns_card_reader(card),
                 serial != NULL ? serial : "unknown", left);
}

void tsp_pin_tell_tty(const char *line)
{
    int fd = open("/dev/tty", O_WRONLY | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
    char buf[640];
    int n;

    if (fd < 0)
        return;
    n = snprintf(buf, sizeof(buf), "tscns: %s\n", line);
    if (n > 0)
        (void)!write(fd, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
    close(fd);
}
