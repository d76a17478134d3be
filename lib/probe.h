/* probe: the testable half of /probe?target=URL&auth_module=NAME (the
 * reference exporter's multi-target mode): the target allowlist, the auth
 * modules of the config file and which HTTP status a request earns. */
#ifndef ESVIGIL_PROBE_H
#define ESVIGIL_PROBE_H

#include <stddef.h>

typedef enum {
    PROBE_AUTH_NONE = 0,
    PROBE_AUTH_USERPASS,
    PROBE_AUTH_APIKEY,
    PROBE_AUTH_AWS
} probe_auth_type;

/* One auth_modules.NAME entry. Strings owned; password and api_key are
 * secrets (from the file or read from *_file by probe_auth_resolve). */
typedef struct probe_auth {
    char *name;
    probe_auth_type type;
    char *username, *password, *password_file;
    char *api_key, *api_key_file;
    char *region;
    int line; /* of the name in the config file, for errors */
} probe_auth;

/* Sets one field ("type", "username", "password", "password_file", "api_key",
 * "api_key_file", "region") from text. 0, or -1 with why (never quoting a
 * secret). */
int probe_auth_set(probe_auth *m, const char *field, const char *text, char *why, size_t n);
/* The fields the type needs are there, no field of another type is: 0, or -1 with why. */
int probe_auth_check(const probe_auth *m, char *why, size_t n);
/* Wipes the secrets and frees the strings; m itself is the caller's. */
void probe_auth_clear(probe_auth *m);
/* The module called name, or NULL. */
const probe_auth *probe_auth_find(const probe_auth *mods, size_t n, const char *name);

/* A target esvigil may be asked to poll: http(s)://host[:port][/path], no
 * credentials, query, fragment, space or control character. */
int probe_target_valid(const char *target);
/* target matches one of the glob patterns (fnmatch, FNM_PATHNAME). */
int probe_allowed(char *const *patterns, size_t n, const char *target);

/* The answer /probe owes a request: 0 (go ahead, *mod the auth module or
 * NULL), 404 when the allowlist is empty, 400 for a missing or invalid
 * target or an unknown auth module, 403 for a target outside the allowlist.
 * why gets one line for the client, without secrets. */
int probe_admit(char *const *allow, size_t nallow, const probe_auth *mods, size_t nmods,
                const char *target, const char *auth_module, const probe_auth **mod, char *why,
                size_t n);

#endif
