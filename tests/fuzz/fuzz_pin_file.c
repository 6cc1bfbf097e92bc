/*
 * The PIN-file reader (include/tscns/pin_file.h) on any file contents. The first byte picks the
 * caller's buffer size, the rest is the file, written 0600 into a private directory.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scratch.h"
#include "tscns/pin_file.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char path[64];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    snprintf(path, sizeof(path), "%s/pin", fuzz_scratch_dir("pin"));
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char buf[TSCNS_PIN_FILE_MAX + 8], why[512];
    size_t cap;
    int fd;

    if (size == 0)
        return 0;
    cap = 1 + data[0] % sizeof(buf);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0 || write(fd, data + 1, size - 1) != (ssize_t)(size - 1) || close(fd) != 0)
        abort();
    memset(buf, 'x', sizeof(buf));
    if (tscns_pin_file_read(path, buf, cap, why, sizeof(why)) == TSCNS_PIN_FILE_OK) {
        /* The first line, terminated, within the caller's buffer, without its line end. */
        if (memchr(buf, '\0', cap) == NULL || strchr(buf, '\n') != NULL || buf[0] == '\0')
            abort();
    } else {
        /* A refusal leaves nothing of the secret behind and says why. */
        for (size_t i = 0; i < cap; i++)
            if (buf[i] != '\0')
                abort();
        if (memchr(why, '\0', sizeof(why)) == NULL || why[0] == '\0')
            abort();
    }
    return 0;
}
