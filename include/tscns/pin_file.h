/**
 * @file pin_file.h
 * @brief Reading a PIN or PUK from a file, the one way the CLI (--pin-file, --puk-file) and the
 * provider (pin-source = file:PATH) both do it.
 *
 * A file that holds a card secret must be the user's own and closed to everyone else, and
 * reading it must never hang. So the file is opened without following a symbolic link and
 * without blocking (a FIFO with no writer would block open() forever), and refused unless it
 * is a regular file owned by the effective user with no group or other permission bit. Every
 * refusal says how to fix it (`chmod 600 FILE`, give the real path, ...).
 */
#ifndef TSCNS_PIN_FILE_H
#define TSCNS_PIN_FILE_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/** The most a PIN file's first line may hold: far more than a PIN or PUK (8 digits). */
#define TSCNS_PIN_FILE_MAX 64

typedef enum tscns_pin_file_status {
    TSCNS_PIN_FILE_OK = 0,
    TSCNS_PIN_FILE_UNREADABLE, /**< cannot be opened or read (missing, no access, I/O error) */
    TSCNS_PIN_FILE_UNSAFE,     /**< a symbolic link, not a regular file, not the user's own, or
                                    open to group or others */
    TSCNS_PIN_FILE_BAD_CONTENT /**< the first line is empty, holds a NUL byte, or is too
                                    long for @p cap */
} tscns_pin_file_status;

/**
 * Read the secret in @p path into @p buf (@p cap bytes, NUL-terminated): the file's first line
 * without its line end (LF or CRLF). At most TSCNS_PIN_FILE_MAX + 1 bytes are read. Nothing is
 * checked about the secret's format: that is the caller's rule.
 *
 * On failure @p buf is cleansed and @p why (@p whycap bytes) holds a sentence naming the file,
 * the fault and its fix, never any byte of the file. Temporary copies are cleansed too.
 */
tscns_pin_file_status tscns_pin_file_read(const char *path, char *buf, size_t cap, char *why,
                                          size_t whycap);

/** The two forms of the provider's pin-source value. */
typedef enum tscns_pin_source_kind {
    TSCNS_PIN_SOURCE_ENV, /**< env:NAME */
    TSCNS_PIN_SOURCE_FILE /**< file:/ABSOLUTE/PATH */
} tscns_pin_source_kind;

/**
 * Parse a pin-source value (the provider and `tscns doctor` read it the same way). On success
 * *kind and *arg (NAME or PATH, pointing into @p value) are set and NULL is returned. Otherwise
 * the answer is a sentence saying what is wrong, which never repeats the value: a bare PIN in
 * place of env:/file: is the likely mistake. NAME must be non-empty and without '=' (no
 * variable could match); PATH must be absolute, since programs that load the provider start in
 * all sorts of folders (a nightly job starts in $HOME).
 */
const char *tscns_pin_source_parse(const char *value, tscns_pin_source_kind *kind,
                                   const char **arg);

#ifdef __cplusplus
}
#endif

#endif
