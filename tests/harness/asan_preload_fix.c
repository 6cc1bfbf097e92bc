/*
 * tscns-asan-preload-fix.so: loaded after the ASan runtime into programs that were not built
 * with it (curl, openssl, python3), so that they can load a sanitizer build of tscns.so.
 *
 * Why curl hung: a preloaded ASan runtime is initialised lazily, by the first malloc, and
 * ld.so runs the constructors of preloaded libraries last. curl links libp11-kit, whose
 * constructor calls newlocale(); newlocale() takes glibc's locale lock for writing and then
 * mallocs, and that malloc initialises ASan. The initialisation looks up "swift_demangle"
 * with dlsym() and, the symbol being absent, calls dlerror(), which translates its message
 * with gettext, which takes the same locale lock for reading. glibc refuses the read lock to
 * the thread holding the write lock, but gettext ignores the refusal and unlocks anyway: the
 * write lock is dropped early and newlocale's own unlock then drives the reader count below
 * zero. curl's second setlocale() in main() waits on that lock forever.
 *
 * With this symbol present, the lookup succeeds, dlerror() has nothing to translate and the
 * lock is never touched during the initialisation. The sanitizer asks it to demangle Swift
 * names only; there are none here.
 */
#include <stddef.h>

/* Exported despite the project's -fvisibility=hidden: dlsym() must find it. */
__attribute__((visibility("default"))) char *
swift_demangle(const char *mangled, size_t len, char *out, size_t *outlen, unsigned int flags);

char *swift_demangle(const char *mangled, size_t len, char *out, size_t *outlen, unsigned int flags)
{
    (void)mangled;
    (void)len;
    (void)out;
    (void)outlen;
    (void)flags;
    return NULL;
}
