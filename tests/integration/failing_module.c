/*
 * A PKCS#11 module that loads and initialises but whose slot listing fails (C_GetSlotList:
 * CKR_DEVICE_ERROR), as a module does when its device or daemon is gone: no real module fails
 * that way on demand (pkcs11-module-fails.sh). Only what libp11 calls before the slot list is
 * filled in; libp11 stops at the failed slot list and calls nothing else.
 */
#include <string.h>

#include <p11-kit/pkcs11.h>

/* The one symbol a module exports (the build hides the rest). */
__attribute__((visibility("default"))) CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR list);

static CK_RV initialize(void *args)
{
    (void)args;
    return CKR_OK;
}

static CK_RV finalize(void *reserved)
{
    (void)reserved;
    return CKR_OK;
}

static CK_RV get_info(CK_INFO_PTR info)
{
    memset(info, ' ', sizeof(*info));
    info->cryptokiVersion = (CK_VERSION){2, 40};
    info->flags = 0;
    info->libraryVersion = (CK_VERSION){1, 0};
    return CKR_OK;
}

static CK_RV get_slot_list(CK_BBOOL token_present, CK_SLOT_ID_PTR slots, CK_ULONG_PTR count)
{
    (void)token_present;
    (void)slots;
    (void)count;
    return CKR_DEVICE_ERROR;
}

static CK_FUNCTION_LIST functions = {
    .version = {2, 40},
    .C_Initialize = initialize,
    .C_Finalize = finalize,
    .C_GetInfo = get_info,
    .C_GetFunctionList = C_GetFunctionList,
    .C_GetSlotList = get_slot_list,
};

CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR list)
{
    *list = &functions;
    return CKR_OK;
}
