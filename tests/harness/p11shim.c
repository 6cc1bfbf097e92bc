/*
 * tscns-p11shim.so: a fault-injecting PKCS#11 module for tests. It loads a real module and
 * forwards every function of its CK_FUNCTION_LIST, so that the tests can make a token say what
 * SoftHSM2 and OpenSC 0.23 never say (the user PIN flags) and a module call hang, and count the
 * calls that reach the real module.
 *
 * Environment (TSCNS_SHIM_MODULE read at the first C_GetFunctionList, the rest at C_Initialize;
 * a child after fork() that calls C_Initialize again reads them again):
 *   TSCNS_SHIM_MODULE=PATH   the real module (e.g. /usr/lib/softhsm/libsofthsm2.so); required.
 *   TSCNS_SHIM_FLAGS=LIST    user PIN flags ORed into every C_GetTokenInfo answer: a comma list
 *                            of FINAL_TRY, COUNT_LOW, LOCKED (CKF_USER_PIN_*).
 *   TSCNS_SHIM_FLAGS_AFTER_WRONG_PIN=LIST
 *                            the same, from the moment a C_Login of this process got
 *                            CKR_PIN_INCORRECT from the real module: a token whose flags
 *                            change because of the wrong PIN, as a card's counter does.
 *   TSCNS_SHIM_LOG=FILE      one line per call that reached the real module, appended with one
 *                            write(2) (processes and forked children share the file):
 *                                NAME 0xRV pid=PID
 *                            and, for a call that hangs (below), before it waits:
 *                                NAME hang pid=PID
 *   TSCNS_SHIM_HANG=NAME     hang mode: a call of the function NAME (C_Login, C_Sign,
 *   TSCNS_SHIM_HANG_FILE=F   C_FindObjectsInit, C_GetTokenInfo, ... any function below with
 *                            a wrapper) blocks while the file F exists: the shim looks every
 *                            50 ms and gives up waiting after 120 s (a test that forgot to
 *                            remove F must not hang for good), then forwards the call. A test
 *                            creates F, starts the program, waits for the "NAME hang" line in
 *                            the log (the program is inside the call now), checks what the
 *                            program does meanwhile (its deadline on module calls), and
 *                            removes F. Every call of NAME hangs while F exists.
 *
 * Functions without a wrapper (object creation, digests, encryption updates, ...) go to the real
 * module untouched: the list handed out is the real one with the wrapped entries replaced, so
 * nothing is left out. PINs pass through and are never logged.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <p11-kit/pkcs11.h>

#define HANG_POLL_NS (50L * 1000000L)
#define HANG_MAX_POLLS (120 * 20)

static CK_FUNCTION_LIST *real;
static CK_FUNCTION_LIST shim;
static pthread_mutex_t load_mu = PTHREAD_MUTEX_INITIALIZER;

/* What C_Initialize read from the environment. */
static CK_FLAGS flags_always, flags_after_wrong;
/* Set by a thread's C_Login, read by any thread's C_GetTokenInfo. */
static atomic_int wrong_pin_seen;
static char log_path[1024], hang_name[64], hang_file[1024];

static CK_FLAGS parse_flags(const char *list)
{
    static const struct {
        const char *name;
        CK_FLAGS flag;
    } names[] = {
        {"FINAL_TRY", CKF_USER_PIN_FINAL_TRY},
        {"COUNT_LOW", CKF_USER_PIN_COUNT_LOW},
        {"LOCKED", CKF_USER_PIN_LOCKED},
    };
    CK_FLAGS f = 0;

    if (list == NULL)
        return 0;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strstr(list, names[i].name) != NULL)
            f |= names[i].flag;
    return f;
}

static void copy_env(char *out, size_t cap, const char *name)
{
    const char *v = getenv(name);

    snprintf(out, cap, "%s", v != NULL ? v : "");
}

static void log_line(const char *name, const char *what)
{
    char line[160];
    int fd, n;

    if (log_path[0] == '\0')
        return;
    n = snprintf(line, sizeof(line), "%s %s pid=%ld\n", name, what, (long)getpid());
    fd = open(log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return;
    /* One write: lines of concurrent processes do not interleave (O_APPEND). */
    if (write(fd, line, (size_t)n) != n)
        fprintf(stderr, "tscns-p11shim: writing %s: %s\n", log_path, strerror(errno));
    close(fd);
}

/* The hang mode: wait while the hang file exists, bounded so that a test cannot hang for good. */
static void maybe_hang(const char *name)
{
    const struct timespec pause = {0, HANG_POLL_NS};

    if (hang_name[0] == '\0' || strcmp(hang_name, name) != 0 || access(hang_file, F_OK) != 0)
        return;
    log_line(name, "hang");
    for (int i = 0; i < HANG_MAX_POLLS && access(hang_file, F_OK) == 0; i++)
        nanosleep(&pause, NULL);
}

static CK_RV logged(const char *name, CK_RV rv)
{
    char what[32];

    snprintf(what, sizeof(what), "0x%lX", (unsigned long)rv);
    log_line(name, what);
    return rv;
}

/* A wrapper: the hang point, the call to the real module, the log line. */
#define WRAP(name, params, args)                                                                   \
    static CK_RV w_##name params                                                                   \
    {                                                                                              \
        maybe_hang(#name);                                                                         \
        return logged(#name, real->name args);                                                     \
    }

static CK_RV w_C_Initialize(void *init_args)
{
    flags_always = parse_flags(getenv("TSCNS_SHIM_FLAGS"));
    flags_after_wrong = parse_flags(getenv("TSCNS_SHIM_FLAGS_AFTER_WRONG_PIN"));
    copy_env(log_path, sizeof(log_path), "TSCNS_SHIM_LOG");
    copy_env(hang_name, sizeof(hang_name), "TSCNS_SHIM_HANG");
    copy_env(hang_file, sizeof(hang_file), "TSCNS_SHIM_HANG_FILE");
    maybe_hang("C_Initialize");
    return logged("C_Initialize", real->C_Initialize(init_args));
}

static CK_RV w_C_GetTokenInfo(CK_SLOT_ID slot, CK_TOKEN_INFO *info)
{
    CK_RV rv;

    maybe_hang("C_GetTokenInfo");
    rv = logged("C_GetTokenInfo", real->C_GetTokenInfo(slot, info));
    if (rv == CKR_OK)
        info->flags |= flags_always | (atomic_load(&wrong_pin_seen) ? flags_after_wrong : 0);
    return rv;
}

static CK_RV w_C_Login(CK_SESSION_HANDLE session, CK_USER_TYPE user, CK_UTF8CHAR *pin,
                       CK_ULONG pin_len)
{
    CK_RV rv;

    maybe_hang("C_Login");
    rv = logged("C_Login", real->C_Login(session, user, pin, pin_len));
    if (rv == CKR_PIN_INCORRECT)
        atomic_store(&wrong_pin_seen, 1);
    return rv;
}

WRAP(C_Finalize, (void *reserved), (reserved))
WRAP(C_GetInfo, (CK_INFO * info), (info))
WRAP(C_GetSlotList, (CK_BBOOL present, CK_SLOT_ID *list, CK_ULONG *count), (present, list, count))
WRAP(C_GetSlotInfo, (CK_SLOT_ID slot, CK_SLOT_INFO *info), (slot, info))
WRAP(C_GetMechanismList, (CK_SLOT_ID slot, CK_MECHANISM_TYPE *list, CK_ULONG *count),
     (slot, list, count))
WRAP(C_GetMechanismInfo, (CK_SLOT_ID slot, CK_MECHANISM_TYPE type, CK_MECHANISM_INFO *info),
     (slot, type, info))
WRAP(C_OpenSession,
     (CK_SLOT_ID slot, CK_FLAGS flags, void *app, CK_NOTIFY notify, CK_SESSION_HANDLE *session),
     (slot, flags, app, notify, session))
WRAP(C_CloseSession, (CK_SESSION_HANDLE session), (session))
WRAP(C_CloseAllSessions, (CK_SLOT_ID slot), (slot))
WRAP(C_GetSessionInfo, (CK_SESSION_HANDLE session, CK_SESSION_INFO *info), (session, info))
WRAP(C_Logout, (CK_SESSION_HANDLE session), (session))
WRAP(C_GetAttributeValue,
     (CK_SESSION_HANDLE session, CK_OBJECT_HANDLE object, CK_ATTRIBUTE *templ, CK_ULONG count),
     (session, object, templ, count))
WRAP(C_FindObjectsInit, (CK_SESSION_HANDLE session, CK_ATTRIBUTE *templ, CK_ULONG count),
     (session, templ, count))
WRAP(C_FindObjects,
     (CK_SESSION_HANDLE session, CK_OBJECT_HANDLE *objects, CK_ULONG max, CK_ULONG *count),
     (session, objects, max, count))
WRAP(C_FindObjectsFinal, (CK_SESSION_HANDLE session), (session))
WRAP(C_SignInit, (CK_SESSION_HANDLE session, CK_MECHANISM *mech, CK_OBJECT_HANDLE key),
     (session, mech, key))
WRAP(C_Sign,
     (CK_SESSION_HANDLE session, CK_BYTE *data, CK_ULONG len, CK_BYTE *sig, CK_ULONG *sig_len),
     (session, data, len, sig, sig_len))
WRAP(C_DecryptInit, (CK_SESSION_HANDLE session, CK_MECHANISM *mech, CK_OBJECT_HANDLE key),
     (session, mech, key))
WRAP(C_Decrypt,
     (CK_SESSION_HANDLE session, CK_BYTE *in, CK_ULONG in_len, CK_BYTE *out, CK_ULONG *out_len),
     (session, in, in_len, out, out_len))

/* Load the real module once and make the shim's list: the real one, the wrapped entries ours. */
static CK_RV load_real(void)
{
    const char *path = getenv("TSCNS_SHIM_MODULE");
    CK_C_GetFunctionList get;
    CK_FUNCTION_LIST *list = NULL;
    void *lib;

    if (real != NULL)
        return CKR_OK;
    if (path == NULL) {
        fprintf(stderr, "tscns-p11shim: TSCNS_SHIM_MODULE is not set\n");
        return CKR_GENERAL_ERROR;
    }
    /* Never unloaded: the process's libraries may hold the real module's pointers to the end. */
    lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    get = lib != NULL ? (CK_C_GetFunctionList)dlsym(lib, "C_GetFunctionList") : NULL;
    if (get == NULL || get(&list) != CKR_OK || list == NULL) {
        fprintf(stderr, "tscns-p11shim: cannot load %s: %s\n", path,
                lib == NULL ? dlerror() : "no function list");
        return CKR_GENERAL_ERROR;
    }
    shim = *list;
    /* The shim's list is a 2.40 one whatever the real module's version says. */
    shim.version.major = CRYPTOKI_VERSION_MAJOR;
    shim.version.minor = CRYPTOKI_VERSION_MINOR;
    shim.C_Initialize = w_C_Initialize;
    shim.C_Finalize = w_C_Finalize;
    shim.C_GetInfo = w_C_GetInfo;
    shim.C_GetSlotList = w_C_GetSlotList;
    shim.C_GetSlotInfo = w_C_GetSlotInfo;
    shim.C_GetTokenInfo = w_C_GetTokenInfo;
    shim.C_GetMechanismList = w_C_GetMechanismList;
    shim.C_GetMechanismInfo = w_C_GetMechanismInfo;
    shim.C_OpenSession = w_C_OpenSession;
    shim.C_CloseSession = w_C_CloseSession;
    shim.C_CloseAllSessions = w_C_CloseAllSessions;
    shim.C_GetSessionInfo = w_C_GetSessionInfo;
    shim.C_Login = w_C_Login;
    shim.C_Logout = w_C_Logout;
    shim.C_GetAttributeValue = w_C_GetAttributeValue;
    shim.C_FindObjectsInit = w_C_FindObjectsInit;
    shim.C_FindObjects = w_C_FindObjects;
    shim.C_FindObjectsFinal = w_C_FindObjectsFinal;
    shim.C_SignInit = w_C_SignInit;
    shim.C_Sign = w_C_Sign;
    shim.C_DecryptInit = w_C_DecryptInit;
    shim.C_Decrypt = w_C_Decrypt;
    real = list;
    return CKR_OK;
}

/* The one symbol a PKCS#11 module must export (the build hides the rest). */
__attribute__((visibility("default"))) CK_RV C_GetFunctionList(CK_FUNCTION_LIST **list)
{
    CK_RV rv;

    if (list == NULL)
        return CKR_ARGUMENTS_BAD;
    pthread_mutex_lock(&load_mu);
    rv = load_real();
    pthread_mutex_unlock(&load_mu);
    if (rv == CKR_OK) {
        shim.C_GetFunctionList = C_GetFunctionList;
        *list = &shim;
    }
    return rv;
}
