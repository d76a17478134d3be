/* render: times snapshot rendering on a real page without a daemon or an ES: reads a text-format
 * /metrics body esvigil wrote, rebuilds its metric_set, and renders it RUNS times (checking the
 * plain body comes out byte for byte as read and the gzip body inflates to it).
 *   cc -O2 -Ilib -o render bench/render.c build/lib/libesvigil.a -lz -lm -lpthread
 *   render FILE [RUNS [plain|gzip|both|null]]   (valgrind --tool=callgrind for instructions) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "exposition.h"
#include "snapshot.h"

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *p = malloc((size_t)n + 1);
    if (p && fread(p, 1, (size_t)n, f) != (size_t)n) {
        free(p);
        p = NULL;
    }
    fclose(f);
    if (p)
        p[n] = '\0';
    *len = (size_t)n;
    return p;
}

/* Undoes the text format's escaping in place (\\, \n and, when quoted, \"); returns the end. */
static char *unescape(char *s, int quoted)
{
    char *o = s, *p = s;
    for (; *p && *p != '\n' && !(quoted && *p == '"'); p++) {
        if (*p == '\\' && p[1]) {
            p++;
            *o++ = *p == 'n' ? '\n' : *p;
        } else {
            *o++ = *p;
        }
    }
    char *end = p;
    *o = '\0';
    return end;
}

typedef struct family {
    metric_def def;
    char name[256];
} family;

/* Parses one sample line (NUL-terminated, escapes intact) into f's family. */
static int add_sample(metric_set *set, family *f, char *line)
{
    const char *values[METRIC_MAX_LABELS];
    size_t n = 0;
    char *p = line + strlen(f->name);
    if (*p == '{') {
        p++;
        while (*p != '}') {
            char *eq = strchr(p, '=');
            *eq = '\0';
            if (!f->def.labels[n])
                f->def.labels[n] = strdup(p);
            values[n] = eq + 2;
            p = unescape(eq + 2, 1) + 1;
            n++;
            if (*p == ',')
                p++;
        }
        p++;
    }
    double v = strtod(p + 1, NULL);
    return metric_set_add(set, &f->def, values, v);
}

static metric_type type_of(const char *w)
{
    return strcmp(w, "counter") == 0 ? METRIC_COUNTER
           : strcmp(w, "gauge") == 0 ? METRIC_GAUGE
                                     : METRIC_UNTYPED;
}

static void family_reset(family *f)
{
    for (size_t j = 0; f->def.labels[j]; j++)
        free((char *)f->def.labels[j]);
    free((char *)f->def.help);
    memset(f, 0, sizeof(*f));
    f->def.help = strdup("");
}

static metric_set *parse(char *text)
{
    metric_set *set = metric_set_new();
    family f;
    memset(&f, 0, sizeof(f));
    family_reset(&f);
    for (char *line = text; line && *line;) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        if (strncmp(line, "# HELP ", 7) == 0) {
            family_reset(&f);
            char *sp = strchr(line + 7, ' ');
            *sp = '\0';
            snprintf(f.name, sizeof(f.name), "%s", line + 7);
            f.def.name = f.name;
            unescape(sp + 1, 0);
            free((char *)f.def.help);
            f.def.help = strdup(sp + 1);
        } else if (strncmp(line, "# TYPE ", 7) == 0) {
            char *sp = strchr(line + 7, ' ');
            *sp = '\0';
            if (strcmp(f.name, line + 7) != 0) {
                family_reset(&f);
                snprintf(f.name, sizeof(f.name), "%s", line + 7);
                f.def.name = f.name;
            }
            f.def.type = type_of(sp + 1);
        } else if (line[0] && line[0] != '#' && add_sample(set, &f, line) < 0) {
            fprintf(stderr, "render: cannot add %s\n", line);
            exit(1);
        }
        line = nl ? nl + 1 : NULL;
    }
    family_reset(&f);
    free((char *)f.def.help);
    return set;
}

static int inflates_to(const char *gz, size_t gzlen, const char *want, size_t wantlen)
{
    char *out = malloc(wantlen + 1);
    z_stream z;
    memset(&z, 0, sizeof(z));
    inflateInit2(&z, 15 + 16);
    z.next_in = (Bytef *)gz;
    z.avail_in = (uInt)gzlen;
    z.next_out = (Bytef *)out;
    z.avail_out = (uInt)wantlen + 1;
    int rc = inflate(&z, Z_FINISH);
    int ok = rc == Z_STREAM_END && z.total_out == wantlen && z.avail_in == 0 &&
             memcmp(out, want, wantlen) == 0;
    inflateEnd(&z);
    free(out);
    return ok;
}

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int null_sink(void *ctx, const void *p, size_t n)
{
    (void)p;
    *(size_t *)ctx += n;
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: render FILE [RUNS [plain|gzip|both|null]]\n");
        return 2;
    }
    int runs = argc > 2 ? atoi(argv[2]) : 5;
    const char *mode = argc > 3 ? argv[3] : "gzip";
    size_t len;
    char *orig = slurp(argv[1], &len), *text = orig ? malloc(len + 1) : NULL;
    if (!text) {
        fprintf(stderr, "render: cannot read %s\n", argv[1]);
        return 2;
    }
    unsigned bits = strcmp(mode, "plain") == 0  ? snapshot_body_bit(EXPOSITION_TEXT, 0)
                    : strcmp(mode, "both") == 0 ? snapshot_body_bit(EXPOSITION_TEXT, 0) |
                                                      snapshot_body_bit(EXPOSITION_TEXT, 1)
                                                : snapshot_body_bit(EXPOSITION_TEXT, 1);
    snapshot_info info = {0};
    double best = 1e9, wall_best = 1e9;
    size_t gzlen = 0;
    int bad = 0;
    for (int r = 0; r < runs; r++) {
        memcpy(text, orig, len + 1);
        metric_set *set = parse(text);
        double c0 = cpu_now();
        if (strcmp(mode, "null") == 0) {
            size_t n = 0;
            struct timespec a, b;
            clock_gettime(CLOCK_MONOTONIC, &a);
            exposition_render_to(set, EXPOSITION_TEXT, null_sink, &n);
            clock_gettime(CLOCK_MONOTONIC, &b);
            double w = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
            wall_best = w < wall_best ? w : wall_best;
            bad |= n != len;
            metric_set_free(set);
        } else {
            snapshot *s = snapshot_new(set, &info, bits);
            double w = snapshot_render_seconds(s);
            wall_best = w < wall_best ? w : wall_best;
            size_t pl;
            const char *p;
            if (bits & snapshot_body_bit(EXPOSITION_TEXT, 0)) {
                p = snapshot_body(s, EXPOSITION_TEXT, 0, &pl);
                bad |= pl != len || memcmp(p, orig, len) != 0;
            }
            if (bits & snapshot_body_bit(EXPOSITION_TEXT, 1)) {
                p = snapshot_body(s, EXPOSITION_TEXT, 1, &gzlen);
                bad |= !inflates_to(p, gzlen, orig, len);
            }
            snapshot_release(s);
        }
        double c = cpu_now() - c0;
        best = c < best ? c : best;
    }
    printf(
        "%s: %zu bytes, mode %s: best of %d: render %.2f ms wall, %.2f ms CPU; gzip %zu bytes%s\n",
        argv[1], len, mode, runs, wall_best * 1e3, best * 1e3, gzlen,
        bad ? "; OUTPUT DIFFERS" : "");
    free(text);
    free(orig);
    return bad;
}
