/* jsonlex: string scanning, escape decoding and the number check shared by
 * catjson and jsonwalk, each following yajl 2.1's lexer and decoder. */
#include "jsonlex.h"

static int is_hex(unsigned char ch)
{
    return (ch >= '0' && ch <= '9') || ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'f');
}

/* One byte of an escape (s->esc != 0), checked as yajl's lexer does: NULL,
 * or why the byte is wrong. */
static const char *escape_byte(jsonlex_str *s, unsigned char ch)
{
    if (s->esc > 1) {
        if (!is_hex(ch))
            return "invalid \\u escape in a string (not a hex digit)";
        s->esc = s->esc == 2 ? 0 : s->esc - 1;
    } else if (ch == 'u') {
        s->esc = 5;
    } else if (ch && strchr("\"\\/bfnrt", ch)) {
        s->esc = 0;
    } else {
        return "invalid escape in a string";
    }
    return NULL;
}

const char *jsonlex_scan_string(jsonlex_str *s, const char *p, const char *end, const char **bad,
                                const char **why)
{
    while (p < end) {
        if (s->esc) {
            if ((*why = escape_byte(s, (unsigned char)*p)) != NULL) {
                *bad = p;
                return NULL;
            }
            p++;
            continue;
        }
        p = jsonlex_plain_run(p, end, s->nonascii);
        if (p == end)
            break;
        unsigned char ch = (unsigned char)*p;
        if (ch == '"')
            return p;
        if (ch == '\\') {
            s->has_esc = 1;
            s->esc = 1;
        } else if (ch < 0x20) {
            *bad = p;
            *why = "control character in a string";
            return NULL;
        } else {
            s->nonascii = 1;
        }
        p++;
    }
    return end;
}

static unsigned hex4(const char *s)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        unsigned char ch = (unsigned char)s[i];
        v = v << 4 | (ch <= '9' ? ch - 48u : (ch | 0x20u) - 87u); /* '0' and 'a' - 10 */
    }
    return v;
}

static void put_codepoint(buf *b, unsigned cp)
{
    char u[4];
    size_t n;
    if (cp < 0x80) {
        u[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (char)(0xC0 | cp >> 6);
        u[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (char)(0xE0 | cp >> 12);
        u[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        u[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        u[0] = (char)(0xF0 | cp >> 18);
        u[1] = (char)(0x80 | (cp >> 12 & 0x3F));
        u[2] = (char)(0x80 | (cp >> 6 & 0x3F));
        u[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    buf_append(b, u, n);
}

/* yajl's quirks: a high surrogate followed by any \u escape is combined
 * with it, one followed by anything else becomes '?', a lone low surrogate
 * is encoded as is (utf8_repair then replaces it), \u0000 is a NUL byte. */
const char *jsonlex_decode(buf *b, const char *s, size_t n, size_t *len)
{
    static const char simple[256] = {['"'] = '"',  ['\\'] = '\\', ['/'] = '/',  ['b'] = '\b',
                                     ['f'] = '\f', ['n'] = '\n',  ['r'] = '\r', ['t'] = '\t'};
    buf_reset(b);
    size_t i = 0;
    while (i < n) {
        const char *bs = memchr(s + i, '\\', n - i);
        size_t stop = bs ? (size_t)(bs - s) : n;
        buf_append(b, s + i, stop - i);
        if ((i = stop) == n)
            break;
        unsigned char e = (unsigned char)s[i + 1];
        if (e != 'u') {
            buf_putc(b, simple[e]);
            i += 2;
            continue;
        }
        unsigned cp = hex4(s + i + 2);
        i += 6;
        if ((cp & 0xFC00) == 0xD800) {
            if (i + 1 < n && s[i] == '\\' && s[i + 1] == 'u') {
                unsigned lo = hex4(s + i + 2);
                cp = ((cp & 0x3F) << 10 | (((cp >> 6) & 0xF) + 1) << 16) | (lo & 0x3FF);
                i += 6;
            } else {
                buf_putc(b, '?');
                continue;
            }
        }
        put_codepoint(b, cp);
    }
    if (b->failed)
        return NULL;
    *len = b->len;
    return b->data;
}

static size_t digits(const char *s, size_t i, size_t n)
{
    while (i < n && s[i] >= '0' && s[i] <= '9')
        i++;
    return i;
}

int jsonlex_is_number(const char *s, size_t n)
{
    size_t i = s[0] == '-', j;
    if (i < n && s[i] == '0')
        i++;
    else if ((j = digits(s, i, n)) > i)
        i = j;
    else
        return 0;
    if (i < n && s[i] == '.') {
        if ((j = digits(s, i + 1, n)) == i + 1)
            return 0;
        i = j;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        if ((j = digits(s, i, n)) == i)
            return 0;
        i = j;
    }
    return i == n;
}
