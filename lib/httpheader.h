/* httpheader: reading comma-separated HTTP header lists with q-values
 * (Accept-Encoding), so content negotiation is testable without a server. */
#ifndef ESVIGIL_HTTPHEADER_H
#define ESVIGIL_HTTPHEADER_H

/* The q-value header gives token (case-insensitive), falling back to "*";
 * 1.0 when listed without q, -1 when neither is listed or header is NULL.
 * Parameters other than q are ignored. */
double httpheader_qvalue(const char *header, const char *token);

/* 1 when header lists token (or "*") with q > 0. */
int httpheader_accepts(const char *header, const char *token);

#endif
