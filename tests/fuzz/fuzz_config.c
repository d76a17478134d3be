/* fuzz_config: the YAML config loader (the input written to a memfd and loaded through
 * /proc/self/fd, since lib/config.h only loads from a path) and, for inputs holding a NUL byte,
 * the flag parser with the NUL-separated pieces as argv. Either way the result then goes
 * through config_finalize, every key's formatter and the threshold overrides. */
#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

#include "checks.h"
#include "config.h"
#include "fuzz_common.h"

#define MAX_ARGS 48

static int memfd = -1;
static char memfd_path[64];
/* FUZZ_LAX_ERRLINES=1 skips the one-line check on err, to fuzz past a known multi-line error */
static int lax_errlines;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    /* finalize reads secrets from the environment: keep the runs independent of it */
    unsetenv("ESVIGIL_ES_PASSWORD");
    unsetenv("ESVIGIL_ES_API_KEY");
    lax_errlines = getenv("FUZZ_LAX_ERRLINES") != NULL;
    memfd = memfd_create("fuzz_config.yml", MFD_CLOEXEC);
    if (memfd < 0) {
        perror("memfd_create");
        abort();
    }
    snprintf(memfd_path, sizeof(memfd_path), "/proc/self/fd/%d", memfd);
    return 0;
}

static void check_err(const char *err)
{
    FUZZ_ASSERT(memchr(err, '\0', 512) != NULL);
    if (!lax_errlines)
        fuzz_check_line(err); /* config.h: "one line in err" */
}

/* Secret files named by the input could be anything (a FIFO, /dev/stdin): never read them. */
static void drop_secret_files(config *c)
{
    free(c->es_password_file);
    free(c->es_api_key_file);
    c->es_password_file = NULL;
    c->es_api_key_file = NULL;
}

static void exercise(config *c)
{
    char err[512], value[512];
    for (size_t i = 0; i < config_key_count(); i++) {
        const char *key = config_key_name(i);
        FUZZ_ASSERT(key != NULL);
        FUZZ_ASSERT(config_format_value(c, key, value, sizeof(value)) == 0);
        FUZZ_ASSERT(memchr(value, '\0', sizeof(value)) != NULL);
        FUZZ_ASSERT(config_key_line(c, key) >= 0);
    }
    FUZZ_ASSERT(config_key_name(config_key_count()) == NULL);
    FUZZ_ASSERT(config_format_value(c, "no.such.key", value, sizeof(value)) == -1);
    drop_secret_files(c);
    err[0] = '\0';
    if (config_finalize(c, err, sizeof(err)) != 0) {
        FUZZ_ASSERT(err[0] != '\0');
        check_err(err);
    } else {
        char host[256];
        int port;
        FUZZ_ASSERT(config_listen_split(c->web_listen_address, host, sizeof(host), &port) == 0);
        FUZZ_ASSERT(port >= 0 && port <= 65535);
    }
    checks_thresholds *t = checks_thresholds_new();
    FUZZ_ASSERT(t != NULL);
    config_apply_thresholds(c, t);
    checks_thresholds_free(t);
}

static void fuzz_file(const uint8_t *data, size_t size)
{
    FUZZ_ASSERT(ftruncate(memfd, 0) == 0);
    FUZZ_ASSERT(pwrite(memfd, data, size, 0) == (ssize_t)size);
    config *c = config_new();
    FUZZ_ASSERT(c != NULL);
    char err[512];
    err[0] = '\0';
    if (config_load_file(c, memfd_path, err, sizeof(err)) != 0) {
        FUZZ_ASSERT(err[0] != '\0');
        check_err(err);
    } else {
        for (size_t i = 0; i < config_key_count(); i++)
            FUZZ_ASSERT(config_key_line(c, config_key_name(i)) <= (int)size + 1);
    }
    exercise(c); /* valid values either way, says config.h */
    config_free(c);
}

static void fuzz_flags(const uint8_t *data, size_t size)
{
    static const char *const passthrough[] = {"--check", "--version", "--help", NULL};
    char *copy = malloc(size + 1);
    FUZZ_ASSERT(copy != NULL);
    memcpy(copy, data, size);
    copy[size] = '\0';
    char *argv[MAX_ARGS + 2];
    int argc = 0;
    argv[argc++] = (char *)"esvigil";
    for (char *p = copy; argc <= MAX_ARGS && p <= copy + size; p += strlen(p) + 1)
        argv[argc++] = p;
    argv[argc] = NULL;

    const char *file = config_file_arg(argc, argv);
    FUZZ_ASSERT(file == NULL || (file >= copy && file <= copy + size));
    for (int i = 1; i < argc; i++) {
        char host[64];
        int port = -1;
        if (config_listen_split(argv[i], host, sizeof(host), &port) == 0)
            FUZZ_ASSERT(memchr(host, '\0', sizeof(host)) != NULL && port >= 0 && port <= 65535);
    }
    config *c = config_new();
    FUZZ_ASSERT(c != NULL);
    char err[512];
    err[0] = '\0';
    if (config_apply_flags(c, argc, argv, passthrough, err, sizeof(err)) != 0) {
        FUZZ_ASSERT(err[0] != '\0');
        check_err(err);
    }
    exercise(c);
    config_free(c);
    free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (memchr(data, '\0', size))
        fuzz_flags(data, size);
    else
        fuzz_file(data, size);
    return 0;
}
