/**
 * @file state_dir.h
 * @brief Per-user folders for state (and cached data) other processes of the same user rely on:
 * opened as a descriptor only after checking that it is the user's own real folder.
 */
#ifndef CARDIO_STATE_DIR_H
#define CARDIO_STATE_DIR_H

#include <stddef.h>

/**
 * $XDG_STATE_HOME/tscns/@p leaf, or ~/.local/state/tscns/@p leaf when XDG_STATE_HOME is unset
 * or relative (the XDG spec says to ignore a relative one). -1 when there is no absolute home.
 */
int state_dir_path(const char *leaf, char *out, size_t cap);

/** $XDG_CACHE_HOME/tscns/@p leaf, or ~/.cache/tscns/@p leaf: data that can be made again. */
int cache_dir_path(const char *leaf, char *out, size_t cap);

/**
 * Open the folder @p path (made 0700 with its parents when @p create and missing) as an
 * O_DIRECTORY descriptor; -1 when it is missing, a symbolic link, not a folder, another user's,
 * or writable by group or others: someone else could then swap the files in it.
 */
int state_dir_open(const char *path, int create);

#endif
