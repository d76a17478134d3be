/* awscreds: the credentials file is INI as the AWS CLI writes it: [profile]
 * sections of "key = value" lines, # and ; comments. Only the three keys
 * SigV4 needs are read; the rest (region, output, role_arn...) is skipped. */
#include "awscreds.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define AWSCREDS_FILE_MAX (256 * 1024)

static void wipe_free(char **s)
{
    if (*s) {
        memset(*s, 0, strlen(*s));
        free(*s);
        *s = NULL;
    }
}

void awscreds_clear(awscreds *c)
{
    wipe_free(&c->access_key_id);
    wipe_free(&c->secret_access_key);
    wipe_free(&c->session_token);
}

static char *trimmed_dup(const char *s, size_t n)
{
    while (n && (*s == ' ' || *s == '\t'))
        s++, n--;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        n--;
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

/* "[name]" (the CLI's config file spells it "[profile name]"; accept both). */
static int section_is(const char *line, size_t n, const char *profile)
{
    char *name = trimmed_dup(line + 1, n - 2);
    if (!name)
        return 0;
    const char *p = strncmp(name, "profile ", 8) == 0 ? name + 8 : name;
    int is = strcmp(p, profile) == 0;
    free(name);
    return is;
}

static int take_key(awscreds *c, const char *line, size_t n)
{
    const char *eq = memchr(line, '=', n);
    if (!eq)
        return 0;
    char *key = trimmed_dup(line, (size_t)(eq - line));
    char *value = trimmed_dup(eq + 1, n - (size_t)(eq - line) - 1);
    char **field = NULL;
    if (key && strcmp(key, "aws_access_key_id") == 0)
        field = &c->access_key_id;
    else if (key && strcmp(key, "aws_secret_access_key") == 0)
        field = &c->secret_access_key;
    else if (key && strcmp(key, "aws_session_token") == 0)
        field = &c->session_token;
    free(key);
    if (!field || !value) {
        wipe_free(&value);
        return value || !field ? 0 : -1;
    }
    wipe_free(field);
    *field = value;
    return 0;
}

int awscreds_parse(awscreds *c, const char *text, const char *profile, const char *name, char *err,
                   size_t errlen)
{
    int in = 0, seen = 0;
    for (const char *line = text; *line;) {
        const char *end = strchr(line, '\n');
        size_t n = end ? (size_t)(end - line) : strlen(line);
        const char *s = line;
        size_t m = n;
        while (m && (*s == ' ' || *s == '\t'))
            s++, m--;
        while (m && (s[m - 1] == '\r' || s[m - 1] == ' '))
            m--;
        if (m >= 2 && s[0] == '[' && s[m - 1] == ']') {
            in = section_is(s, m, profile);
            seen |= in;
        } else if (in && m && s[0] != '#' && s[0] != ';' && take_key(c, s, m) != 0) {
            snprintf(err, errlen, "%s: out of memory", name);
            awscreds_clear(c);
            return -1;
        }
        line = end ? end + 1 : line + n;
    }
    if (!seen || !c->access_key_id || !c->secret_access_key) {
        snprintf(err, errlen, "%s: profile \"%s\" %s", name, profile,
                 !seen ? "not found" : "lacks aws_access_key_id or aws_secret_access_key");
        awscreds_clear(c);
        return -1;
    }
    return 0;
}

static int from_env(awscreds *c, const char *(*getenv_fn)(const char *))
{
    const char *id = getenv_fn("AWS_ACCESS_KEY_ID"), *secret = getenv_fn("AWS_SECRET_ACCESS_KEY");
    if (!id || !*id || !secret || !*secret)
        return 0;
    const char *token = getenv_fn("AWS_SESSION_TOKEN");
    c->access_key_id = strdup(id);
    c->secret_access_key = strdup(secret);
    c->session_token = token && *token ? strdup(token) : NULL;
    return c->access_key_id && c->secret_access_key && (!token || !*token || c->session_token) ? 1
                                                                                               : -1;
}

int awscreds_load(awscreds *c, const char *(*getenv_fn)(const char *), char *err, size_t errlen)
{
    *c = (awscreds){0};
    int env = from_env(c, getenv_fn);
    if (env != 0) {
        if (env < 0) {
            awscreds_clear(c);
            snprintf(err, errlen, "AWS credentials: out of memory");
        }
        return env > 0 ? 0 : -1;
    }
    char path[4096];
    const char *file = getenv_fn("AWS_SHARED_CREDENTIALS_FILE"), *home = getenv_fn("HOME");
    if (file && *file)
        snprintf(path, sizeof(path), "%s", file);
    else
        snprintf(path, sizeof(path), "%s/.aws/credentials", home ? home : "");
    const char *profile = getenv_fn("AWS_PROFILE");
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen,
                 "no AWS credentials: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY unset and %s: %s",
                 path, strerror(errno));
        return -1;
    }
    char *text = malloc(AWSCREDS_FILE_MAX + 1);
    size_t n = text ? fread(text, 1, AWSCREDS_FILE_MAX, f) : 0;
    fclose(f);
    if (!text) {
        snprintf(err, errlen, "AWS credentials: out of memory");
        return -1;
    }
    text[n] = '\0';
    int rc = awscreds_parse(c, text, profile && *profile ? profile : "default", path, err, errlen);
    memset(text, 0, n);
    free(text);
    return rc;
}

static int unreserved(unsigned char ch)
{
    return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
           ch == '-' || ch == '_' || ch == '.' || ch == '~';
}

/* Appends s[0..n) encoded; an existing %XX escape stays as it is. */
static int put_encoded(char *out, size_t outlen, size_t *at, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        int keep = unreserved(ch) || (ch == '%' && i + 2 < n && isxdigit((unsigned char)s[i + 1]) &&
                                      isxdigit((unsigned char)s[i + 2]));
        size_t need = keep ? 1 : 3;
        if (*at + need >= outlen)
            return -1;
        if (keep) {
            out[(*at)++] = (char)ch;
        } else {
            out[(*at)++] = '%';
            out[(*at)++] = hex[ch >> 4];
            out[(*at)++] = hex[ch & 15];
        }
    }
    return 0;
}

static int cmp_param(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int awscreds_canonical_target(const char *path, char *out, size_t outlen)
{
    const char *q = strchr(path, '?');
    size_t plen = q ? (size_t)(q - path) : strlen(path);
    if (plen >= outlen)
        return -1;
    memcpy(out, path, plen);
    size_t at = plen;
    out[at] = '\0';
    if (!q || !q[1])
        return 0;
    enum { MAX_PARAMS = 32 };
    char *params[MAX_PARAMS], *copy = strdup(q + 1);
    size_t n = 0;
    for (char *save = NULL, *t = copy ? strtok_r(copy, "&", &save) : NULL; t && n < MAX_PARAMS;
         t = strtok_r(NULL, "&", &save))
        params[n++] = t;
    if (!copy || n == MAX_PARAMS)
        return free(copy), -1;
    /* sorted on the encoded name: plain names (all esvigil sends) sort alike */
    qsort(params, n, sizeof(params[0]), cmp_param);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        const char *eq = strchr(params[i], '=');
        size_t klen = eq ? (size_t)(eq - params[i]) : strlen(params[i]);
        if (at + 2 >= outlen)
            rc = -1;
        else
            out[at++] = i ? '&' : '?';
        rc = rc ? rc : put_encoded(out, outlen, &at, params[i], klen);
        if (rc == 0 && at + 1 < outlen)
            out[at++] = '=';
        else
            rc = -1;
        if (rc == 0 && eq)
            rc = put_encoded(out, outlen, &at, eq + 1, strlen(eq + 1));
    }
    free(copy);
    if (rc == 0)
        out[at] = '\0';
    return rc;
}
