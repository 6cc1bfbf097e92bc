#include "confirm.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

int confirm(const char *question)
{
    FILE *tty = fopen("/dev/tty", "r+");
    char line[16];
    int yes = 0;

    if (tty == NULL) {
        fprintf(stderr, "tscns extend: no terminal to confirm the write on: give --yes to write "
                        "without asking\n");
        return 0;
    }
    fprintf(tty, "%s [y/N] ", question);
    fflush(tty);
    if (fgets(line, sizeof(line), tty) != NULL) {
        line[strcspn(line, "\r\n")] = '\0';
        yes = strcasecmp(line, "y") == 0 || strcasecmp(line, "yes") == 0;
    }
    fclose(tty);
    if (!yes)
        fprintf(stderr, "tscns extend: not confirmed: nothing written\n");
    return yes;
}
