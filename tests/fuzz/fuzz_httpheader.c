/* fuzz_httpheader: q-value lookup and Accept negotiation on arbitrary header text. The input is
 * "token NUL header", or just the header with a token from a table. */
#include <ctype.h>

#include "fuzz_common.h"
#include "httpheader.h"

static const char *const tokens[] = {"gzip", "identity", "deflate", "br", "*", ""};

static void check_token(const char *header, const char *token)
{
    double q = httpheader_qvalue(header, token);
    FUZZ_ASSERT(q == -1 || (q >= 0 && q <= 1));
    FUZZ_ASSERT(httpheader_accepts(header, token) == (q > 0));
    FUZZ_ASSERT(httpheader_qvalue(NULL, token) == -1);
    FUZZ_ASSERT(httpheader_accepts(NULL, token) == 0);

    size_t n = strlen(token);
    char *upper = malloc(n + 1);
    FUZZ_ASSERT(upper != NULL);
    for (size_t i = 0; i <= n; i++)
        upper[i] = (token[i] >= 'a' && token[i] <= 'z') ? (char)(token[i] - 'a' + 'A') : token[i];
    double qu = httpheader_qvalue(header, upper);
    FUZZ_ASSERT(qu == q || (isnan(qu) && isnan(q))); /* tokens are case-insensitive */
    free(upper);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    FUZZ_ASSERT(text != NULL);
    memcpy(text, data, size);
    text[size] = '\0';
    const char *header = text;
    const char *token = tokens[size % (sizeof(tokens) / sizeof(tokens[0]))];
    const char *nul = memchr(text, '\0', size);
    if (nul) {
        token = text;
        header = nul + 1;
    }
    check_token(header, token);
    exposition_format f = exposition_negotiate(header);
    FUZZ_ASSERT(f == EXPOSITION_TEXT || f == EXPOSITION_OPENMETRICS);
    FUZZ_ASSERT(exposition_negotiate(NULL) == EXPOSITION_TEXT);
    free(text);
    return 0;
}
