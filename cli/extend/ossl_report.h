/**
 * @file ossl_report.h
 * @brief OpenSSL's error queue in words on stderr (the provider's reasons name the card).
 */
#ifndef TSCNS_CLI_EXTEND_OSSL_REPORT_H
#define TSCNS_CLI_EXTEND_OSSL_REPORT_H

/** "tscns extend: WHAT: reason (detail)" per queued error, oldest first; empties the queue. */
void ossl_report(const char *what);

/**
 * ossl_report(), and the reason code of the newest queued error raised by the library named
 * @p lib (a provider's errors carry the name it was loaded by); 0 when there is none.
 */
int ossl_report_reason(const char *what, const char *lib);

#endif
