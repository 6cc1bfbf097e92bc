/*
 * A PKCS#11 module that loads and initialises but whose slot listing fails (C_GetSlotList:
 * CKR_DEVICE_ERROR), as a module does when its device or daemon is gone: no real module fails
 * that way on demand (pkcs11-module-fails.sh). Only what libp11 calls before the slot list is
 * here; the types are written out (PKCS#11 v2.40, section 5) so that no PKCS#11 header is needed.
 */
#include <stddef.h>
#include <string.h>

typedef unsigned long ck_rv;

#define CKR_OK 0x00UL
#define CKR_DEVICE_ERROR 0x30UL

struct ck_version {
    unsigned char major, minor;
};

struct ck_info {
    struct ck_version cryptoki_version;
    unsigned char manufacturer_id[32];
    unsigned long flags;
    unsigned char library_description[32];
    struct ck_version library_version;
};

/* CK_FUNCTION_LIST: the version, then the functions in the standard's order (68 in v2.40). */
struct ck_function_list {
    struct ck_version version;
    ck_rv (*initialize)(void *args);
    ck_rv (*finalize)(void *reserved);
    ck_rv (*get_info)(struct ck_info *info);
    ck_rv (*get_function_list)(struct ck_function_list **list);
    ck_rv (*get_slot_list)(unsigned char token_present, unsigned long *slots, unsigned long *count);
    /* Never called here: libp11 stops at the failed slot list. */
    void (*rest[63])(void);
};

/* The one symbol a module exports (the build hides the rest). */
__attribute__((visibility("default"))) ck_rv C_GetFunctionList(struct ck_function_list **list);

static ck_rv initialize(void *args)
{
    (void)args;
    return CKR_OK;
}

static ck_rv finalize(void *reserved)
{
    (void)reserved;
    return CKR_OK;
}

static ck_rv get_info(struct ck_info *info)
{
    memset(info, ' ', sizeof(*info));
    info->cryptoki_version = (struct ck_version){2, 40};
    info->flags = 0;
    info->library_version = (struct ck_version){1, 0};
    return CKR_OK;
}

static ck_rv get_slot_list(unsigned char token_present, unsigned long *slots, unsigned long *count)
{
    (void)token_present;
    (void)slots;
    (void)count;
    return CKR_DEVICE_ERROR;
}

static struct ck_function_list functions = {
    .version = {2, 40},
    .initialize = initialize,
    .finalize = finalize,
    .get_info = get_info,
    .get_function_list = C_GetFunctionList,
    .get_slot_list = get_slot_list,
};

ck_rv C_GetFunctionList(struct ck_function_list **list)
{
    *list = &functions;
    return CKR_OK;
}
