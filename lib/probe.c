/* probe: allowlist, auth modules and admission for /probe; no I/O, so the
 * daemon's handler only runs what this module admitted. */
#include "probe.h"

#include <fnmatch.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct {
    const char *field;
    size_t offset;
    int secret;
} fields[] = {
    {"username", offsetof(probe_auth, username), 0},
    {"password", offsetof(probe_auth, password), 1},
    {"password_file", offsetof(probe_auth, password_file), 0},
    {"api_key", offsetof(probe_auth, api_key), 1},
    {"api_key_file", offsetof(probe_auth, api_key_file), 0},
    {"region", offsetof(probe_auth, region), 0},
};
#define N_FIELDS (sizeof(fields) / sizeof(fields[0]))

static char **field_at(probe_auth *m, size_t i)
{
    return (char **)(void *)((char *)m + fields[i].offset);
}

static void wipe(char **p, int secret)
{
    if (*p && secret)
        memset(*p, 0, strlen(*p));
    free(*p);
    *p = NULL;
}

int probe_auth_set(probe_auth *m, const char *field, const char *text, char *why, size_t n)
{
    if (strcmp(field, "type") == 0) {
        m->type = strcmp(text, "userpass") == 0 ? PROBE_AUTH_USERPASS
                  : strcmp(text, "apikey") == 0 ? PROBE_AUTH_APIKEY
                  : strcmp(text, "aws") == 0    ? PROBE_AUTH_AWS
                                                : PROBE_AUTH_NONE;
        if (m->type == PROBE_AUTH_NONE) {
            snprintf(why, n, "not one of userpass|apikey|aws");
            return -1;
        }
        return 0;
    }
    for (size_t i = 0; i < N_FIELDS; i++) {
        if (strcmp(field, fields[i].field) != 0)
            continue;
        char *copy = strdup(text);
        if (!copy) {
            snprintf(why, n, "out of memory");
            return -1;
        }
        wipe(field_at(m, i), fields[i].secret);
        *field_at(m, i) = copy;
        return 0;
    }
    snprintf(why, n,
             "unknown field (type, username, password, password_file, api_key, "
             "api_key_file, region)");
    return -1;
}

int probe_auth_check(const probe_auth *m, char *why, size_t n)
{
    switch (m->type) {
    case PROBE_AUTH_NONE:
        snprintf(why, n, "type: missing (userpass, apikey or aws)");
        return -1;
    case PROBE_AUTH_USERPASS:
        if (!m->username || !(!m->password != !m->password_file)) {
            snprintf(why, n, "type userpass needs username and one of password, password_file");
            return -1;
        }
        break;
    case PROBE_AUTH_APIKEY:
        if (!m->api_key == !m->api_key_file) {
            snprintf(why, n, "type apikey needs one of api_key, api_key_file");
            return -1;
        }
        break;
    case PROBE_AUTH_AWS:
        if (!m->region || !m->region[0] || strpbrk(m->region, ": \t\r\n")) {
            snprintf(why, n, "type aws needs region (like eu-west-1)");
            return -1;
        }
        break;
    }
    return 0;
}

void probe_auth_clear(probe_auth *m)
{
    free(m->name);
    m->name = NULL;
    for (size_t i = 0; i < N_FIELDS; i++)
        wipe(field_at(m, i), fields[i].secret);
    m->type = PROBE_AUTH_NONE;
}

const probe_auth *probe_auth_find(const probe_auth *mods, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (mods[i].name && strcmp(mods[i].name, name) == 0)
            return &mods[i];
    return NULL;
}

int probe_target_valid(const char *target)
{
    size_t skip = strncasecmp(target, "http://", 7) == 0    ? 7
                  : strncasecmp(target, "https://", 8) == 0 ? 8
                                                            : 0;
    if (!skip || !target[skip] || target[skip] == '/' || target[skip] == ':')
        return 0;
    for (const unsigned char *p = (const unsigned char *)target; *p; p++)
        if (*p <= ' ' || *p == 0x7f || *p == '@' || *p == '?' || *p == '#' || *p == '\\')
            return 0;
    return 1;
}

/* FNM_PATHNAME: a star in the host part cannot cover "evil.org/x" and so
 * admit a path on another host. */
int probe_allowed(char *const *patterns, size_t n, const char *target)
{
    for (size_t i = 0; i < n; i++)
        if (fnmatch(patterns[i], target, FNM_PATHNAME) == 0)
            return 1;
    return 0;
}

int probe_admit(char *const *allow, size_t nallow, const probe_auth *mods, size_t nmods,
                const char *target, const char *auth_module, const probe_auth **mod, char *why,
                size_t n)
{
    *mod = NULL;
    if (nallow == 0) {
        snprintf(why, n, "not found (probe.allow is empty)");
        return 404;
    }
    if (!target || !*target) {
        snprintf(why, n, "missing target parameter");
        return 400;
    }
    if (!probe_target_valid(target)) {
        snprintf(why, n,
                 "target is not an http(s)://host[:port][/path] URL without "
                 "credentials or query");
        return 400;
    }
    if (auth_module && *auth_module && !(*mod = probe_auth_find(mods, nmods, auth_module))) {
        snprintf(why, n, "unknown auth_module");
        return 400;
    }
    if (!probe_allowed(allow, nallow, target)) {
        snprintf(why, n, "target not allowed by probe.allow");
        return 403;
    }
    return 0;
}
