/* awscreds: AWS credentials for SigV4 (--aws.region), found where the AWS
 * SDKs look: the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
 * AWS_SESSION_TOKEN), else the shared credentials file
 * ($AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials, profile $AWS_PROFILE
 * or "default"). */
#ifndef ESVIGIL_AWSCREDS_H
#define ESVIGIL_AWSCREDS_H

#include <stddef.h>

typedef struct awscreds {
    char *access_key_id;
    char *secret_access_key;
    char *session_token; /* NULL when there is none */
} awscreds;

/* Fills c from the environment or the credentials file. 0, or -1 with one
 * line in err (never a secret): none found, a profile without a key, an
 * unreadable file. getenv_fn is getenv in the daemon, a fake in tests. */
int awscreds_load(awscreds *c, const char *(*getenv_fn)(const char *), char *err, size_t errlen);
/* The profile's keys from the text of a credentials file (INI). name is for
 * messages. 0, or -1 with err. */
int awscreds_parse(awscreds *c, const char *text, const char *profile, const char *name, char *err,
                   size_t errlen);
/* path with its query in SigV4's canonical form (parameters sorted, names
 * and values percent-encoded but for A-Z a-z 0-9 - _ . ~), into out; so
 * what libcurl signs is what AWS recomputes (libcurl before 8.1 signs the
 * query as sent). -1 when out is too small. Values already encoded are kept. */
int awscreds_canonical_target(const char *path, char *out, size_t outlen);
/* Wipes and frees the strings; c itself is the caller's. */
void awscreds_clear(awscreds *c);

#endif
