/* Messages a user can act on; the detail strings add the reader, ATR or status word. */
#include "tscns/error.h"

const char *tscns_strerror(tscns_err err)
{
    switch (err) {
    case TSCNS_OK:
        return "success";
    case TSCNS_E_INVALID_ARG:
        return "invalid argument";
    case TSCNS_E_NOMEM:
        return "out of memory";
    case TSCNS_E_NO_SERVICE:
        return "the smart-card service (pcscd) is not running";
    case TSCNS_E_NO_READER:
        return "no smart-card reader found";
    case TSCNS_E_NO_CARD:
        return "no card in the reader";
    case TSCNS_E_CARD_REMOVED:
        return "the card was removed; insert it and try again";
    case TSCNS_E_CARD_RESET:
        return "the card was reset by another program: the PIN must be verified again";
    case TSCNS_E_SHARING:
        return "another program is using the card exclusively";
    case TSCNS_E_UNKNOWN_CARD:
        return "card family not supported";
    case TSCNS_E_CONTACTLESS:
        return "the card answered over the contactless interface: use the reader's contact slot";
    case TSCNS_E_COMM:
        return "communication with the reader failed";
    case TSCNS_E_BAD_RESPONSE:
        return "the card gave a malformed answer";
    case TSCNS_E_NOT_FOUND:
        return "file or application not found on the card";
    case TSCNS_E_PIN_INCORRECT:
        return "wrong PIN or PUK";
    case TSCNS_E_PIN_BLOCKED:
        return "PIN blocked: unblock it with `tscns pin unblock` and the PUK";
    case TSCNS_E_PUK_BLOCKED:
        return "PUK blocked: the card's PIN can no longer be unblocked";
    case TSCNS_E_PIN_REJECTED:
        return "this PIN was already rejected by the card and was not sent again";
    case TSCNS_E_SECURITY:
        return "the card requires the PIN first (security status not satisfied)";
    case TSCNS_E_CARD_STATUS:
        return "the card refused the command";
    case TSCNS_E_TOO_LARGE:
        return "data too large for the card file or command";
    case TSCNS_E_MISMATCH:
        return "the data read back from the card differs from what was written";
    case TSCNS_E_CANCELLED:
        return "cancelled: no PIN given";
    case TSCNS_E_INTERNAL:
        return "internal error";
    case TSCNS_E_TIMEOUT:
        return "the card, the reader or pcscd stopped answering";
    case TSCNS_E_UNSUPPORTED:
        return "the card or token cannot do this through the backend that serves it";
    case TSCNS_E_PKCS11:
        return "the PKCS#11 module failed";
    }
    return "unknown error";
}
