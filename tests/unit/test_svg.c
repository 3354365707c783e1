/*
 * test_svg.c - svg.c's charts: hostile text (</svg><script>, quotes,
 * control characters) only ever appears escaped; Vietnamese and Japanese
 * labels come out byte for byte; every element that opens closes (a small
 * well-formedness check of our own: elements balanced, no stray '<' or
 * '&'); empty data and a single point draw a chart; more than
 * SVG_MAX_POINTS points draw nothing; the same data gives the same bytes;
 * and the text grows past its first allocation but not past its bound.
 */
#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "../check.h"
#include "svg.h"

/*
 * True when s is one well-formed element tree: tags balance, attribute
 * values are quoted, '&' starts a reference and '<' starts a tag.
 */
static bool well_formed(const char *s)
{
    char stack[64][32];
    int depth = 0;
    bool root_seen = false;
    while (*s) {
        if (*s == '&') {
            const char *end = strchr(s, ';');
            if (!end || end - s > 8)
                return false;
            s = end + 1;
            continue;
        }
        if (*s == '>')
            return false;
        if (*s != '<') {
            s++;
            continue;
        }
        bool closing = s[1] == '/';
        const char *name = s + 1 + closing;
        size_t n = strcspn(name, " />");
        if (n == 0 || n >= sizeof stack[0])
            return false;
        const char *p = name + n;
        /* Attributes: name="value" with no '<' inside. */
        while (*p && *p != '>' && !(*p == '/' && p[1] == '>')) {
            if (*p == '"') {
                const char *q = strchr(p + 1, '"');
                if (!q || memchr(p + 1, '<', (size_t)(q - p - 1)))
                    return false;
                p = q;
            }
            p++;
        }
        if (!*p)
            return false;
        bool empty = *p == '/';
        if (closing) {
            if (depth == 0 || strncmp(stack[depth - 1], name, n) || stack[depth - 1][n])
                return false;
            depth--;
        } else if (!empty) {
            if (depth == 64 || (depth == 0 && root_seen))
                return false;
            memcpy(stack[depth], name, n);
            stack[depth++][n] = '\0';
            root_seen = true;
        }
        s = p + (empty ? 2 : 1);
    }
    return depth == 0 && root_seen;
}

static struct svg_point pt(const char *label, double v, double target)
{
    return (struct svg_point){label, v, !isnan(v), target, !isnan(target)};
}

static const char *render(struct svg_text *t, const struct svg_chart *c)
{
    CHECK_EQ_INT(svg_chart(t, c), 0);
    CHECK(!t->failed);
    CHECK(well_formed(t->s));
    return t->s;
}

static void test_hostile_text(void)
{
    struct svg_point p[] = {pt("</svg><script>alert(1)</script>", 10, 12), pt("a\"b'c&d", 11, NAN),
                            pt("bell\a\x01 tab\t", NAN, 3)};
    struct svg_chart c = {.id = "x\"><script>",
                          .title = "</title></svg><script>alert('t')</script>",
                          .desc = "]]><!-- --> & <b>",
                          .unit = "<i>u</i>",
                          .value_name = "<v>",
                          .target_name = "\"t\"",
                          .points = p,
                          .n = 3,
                          .has_line = true,
                          .line = 5,
                          .line_name = "<line>"};
    struct svg_text t = {0};
    const char *s = render(&t, &c);
    CHECK(!strstr(s, "<script"));
    CHECK(!strstr(s, "</title></svg>"));
    CHECK(!strstr(s, "<i>") && !strstr(s, "<b>") && !strstr(s, "<v>") && !strstr(s, "<line>"));
    /* The id keeps letters, digits and '-' only: it lands in attributes. */
    CHECK(strstr(s, "id=\"x---script--title\""));
    CHECK(!strchr(s, '\a') && !strchr(s, '\x01'));
    svg_text_free(&t);
    /* Each label alone, as labels too wide to stand side by side are not all drawn. */
    const char *escaped[] = {"&lt;/svg&gt;&lt;script&gt;alert(1)&lt;/script&gt;",
                             "a&quot;b&#39;c&amp;d", "bell   tab\t"};
    for (size_t i = 0; i < 3; i++) {
        c.points = &p[i];
        c.n = 1;
        s = render(&t, &c);
        CHECK(strstr(s, escaped[i]));
        CHECK(!strstr(s, "<script") && !strchr(s, '\a') && !strchr(s, '\x01'));
        svg_text_free(&t);
    }
}

static void test_vietnamese_japanese(void)
{
    struct svg_point p[] = {pt("Tháng 1", 120, 100), pt("2月", 80, 100),
                            pt("Tháng 3 — 三月", 101, 100)};
    struct svg_chart c = {.id = "attainment",
                          .title = "Doanh số theo tháng · 月別販売実績",
                          .desc = "Đạt chỉ tiêu 達成率",
                          .unit = "đơn vị / 個",
                          .value_name = "Bán ra 販売",
                          .target_name = "Chỉ tiêu 目標",
                          .kind = SVG_BAR,
                          .points = p,
                          .n = 3};
    struct svg_text t = {0};
    const char *s = render(&t, &c);
    CHECK(strstr(s, "<title id=\"attainment-title\">Doanh số theo tháng · 月別販売実績</title>"));
    CHECK(strstr(s, "<desc id=\"attainment-desc\">Đạt chỉ tiêu 達成率</desc>"));
    CHECK(strstr(s, ">Tháng 3 — 三月</text>"));
    CHECK(strstr(s, ">2月</text>"));
    CHECK(strstr(s, ">Chỉ tiêu 目標</text>"));
    CHECK(strstr(s, "aria-labelledby=\"attainment-title attainment-desc\""));
    /* Three bars, and the targets as a dashed line. */
    int rects = 0;
    for (const char *q = s; (q = strstr(q, "<rect x=")); q++)
        rects++;
    CHECK_EQ_INT(rects, 1 + 3); /* the background, then the bars */
    CHECK(strstr(s, "stroke-dasharray=\"6 4\" points=\""));
    svg_text_free(&t);
}

static void test_empty_and_one_point(void)
{
    struct svg_chart c = {.id = "e", .title = "Health", .unit = "score", .value_name = "score"};
    struct svg_text t = {0};
    const char *s = render(&t, &c);
    CHECK(strstr(s, ">No data yet</text>"));
    CHECK(!strstr(s, "<polyline"));
    svg_text_free(&t);

    struct svg_point one = pt("2026-03", 72, NAN);
    c.points = &one;
    c.n = 1;
    c.y_max = 100;
    s = render(&t, &c);
    CHECK(!strstr(s, "No data yet"));
    /* One point is a dot in the middle of the plot, on an axis up to 100. */
    CHECK(strstr(s, "<circle cx=\"340.0\""));
    CHECK(strstr(s, ">100</text>"));
    CHECK(strstr(s, ">2026-03</text>"));
    svg_text_free(&t);

    /* A commitment line with no values is still drawn, and named. */
    struct svg_chart cover = {.id = "cover",
                              .title = "Weeks of cover",
                              .unit = "weeks",
                              .value_name = "cover",
                              .has_line = true,
                              .line = 8,
                              .line_name = "commitment: 8 weeks"};
    s = render(&t, &cover);
    CHECK(strstr(s, "stroke-dasharray=\"2 3\""));
    CHECK(strstr(s, ">commitment: 8 weeks</text>"));
    svg_text_free(&t);
}

static void test_bounds(void)
{
    static struct svg_point many[SVG_MAX_POINTS + 1];
    static char labels[SVG_MAX_POINTS + 1][16];
    for (int i = 0; i <= SVG_MAX_POINTS; i++) {
        snprintf(labels[i], sizeof labels[i], "p%d", i);
        many[i] = pt(labels[i], i % 7 == 0 ? NAN : (double)i, i % 5 ? NAN : 50.0);
    }
    struct svg_chart c = {.id = "many",
                          .title = "t",
                          .value_name = "v",
                          .target_name = "t",
                          .points = many,
                          .n = SVG_MAX_POINTS + 1};
    struct svg_text t = {0};
    CHECK_EQ_INT(svg_chart(&t, &c), -1);
    CHECK(t.s == NULL && t.len == 0);
    c.n = SVG_MAX_POINTS;
    const char *s = render(&t, &c);
    /* At most twelve period labels, the last one among them. */
    int labels_shown = 0;
    for (const char *q = s; (q = strstr(q, ">p")); q++)
        labels_shown++;
    CHECK(labels_shown <= 12);
    CHECK(strstr(s, ">p119</text>"));
    /* Missing values break the line into pieces. */
    int lines = 0;
    for (const char *q = s; (q = strstr(q, "<polyline fill=\"none\" stroke=\"#2b6cb0\"")); q++)
        lines++;
    CHECK(lines > 1);
    /* Negative and infinite values: drawn at zero, and as missing. */
    struct svg_point odd[] = {pt("a", -5, NAN), pt("b", INFINITY, NAN)};
    struct svg_chart c2 = {.id = "odd", .title = "t", .points = odd, .n = 2};
    struct svg_text t2 = {0};
    s = render(&t2, &c2);
    CHECK(!strstr(s, "inf") && !strstr(s, "nan") && !strstr(s, "-5"));
    svg_text_free(&t2);
    /* Lacking an id or a title draws nothing. */
    c2.id = "";
    CHECK_EQ_INT(svg_chart(&t2, &c2), -1);
    CHECK(t2.s == NULL);
    svg_text_free(&t);
}

static void test_deterministic(void)
{
    struct svg_point p[] = {pt("2026-01", 1.5, 2), pt("2026-02", 2.25, 2), pt("2026-03", NAN, 2)};
    struct svg_chart c = {.id = "d",
                          .title = "T",
                          .value_name = "v",
                          .target_name = "t",
                          .points = p,
                          .n = 3,
                          .has_line = true,
                          .line = 1.75,
                          .line_name = "l"};
    struct svg_text a = {0}, b = {0};
    render(&a, &c);
    render(&b, &c);
    CHECK_EQ_INT(a.len, b.len);
    CHECK(!memcmp(a.s, b.s, a.len));
    /* A different value is a different chart. */
    p[1].value = 2.5;
    struct svg_text d = {0};
    render(&d, &c);
    CHECK(d.len != a.len || memcmp(a.s, d.s, a.len));
    svg_text_free(&a);
    svg_text_free(&b);
    svg_text_free(&d);
}

static void test_text_bound(void)
{
    struct svg_text t = {0};
    static char block[1 << 16];
    memset(block, 'x', sizeof block);
    for (size_t i = 0; i < SVG_TEXT_MAX / sizeof block + 1; i++)
        svg_text_put(&t, block, sizeof block);
    CHECK(t.failed);
    CHECK(t.len < SVG_TEXT_MAX);
    size_t len = t.len;
    svg_text_puts(&t, "more");
    CHECK_EQ_INT(t.len, len);
    svg_text_free(&t);
    CHECK(!t.failed && !t.s);
    svg_text_printf(&t, "%0300d|", 7); /* longer than printf's small buffer */
    CHECK_EQ_INT(t.len, 301);
    CHECK(t.s[299] == '7' && t.s[300] == '|');
    svg_text_free(&t);
}

static int count(const char *s, const char *what)
{
    int n = 0;
    for (const char *q = s; (q = strstr(q, what)); q++)
        n++;
    return n;
}

/*
 * Labels fit side by side: twelve dates of a score computed many times one day were drawn over
 * one another (a try-out). The same day is said once; wide labels are fewer; the last stays.
 */
static void test_labels_fit(void)
{
    struct svg_point same[12];
    for (int i = 0; i < 12; i++)
        same[i] = pt("2026-12-06", 60 + i, NAN);
    struct svg_chart c = {.id = "h", .title = "Health over time", .points = same, .n = 12};
    struct svg_text t = {0};
    const char *one = render(&t, &c);
    CHECK_EQ_INT(count(one, ">2026-12-06</text>"), 1);
    /* The one kept is the last point's, at its x: the last label is always shown. */
    CHECK(strstr(one, "<text x=\"593.0\" y=\"232.0\" text-anchor=\"middle\">2026-12-06</text>"));
    svg_text_free(&t);

    static char days[12][24];
    struct svg_point dated[12];
    for (int i = 0; i < 12; i++) {
        snprintf(days[i], sizeof days[i], "2026-11-%02d", i + 1);
        dated[i] = pt(days[i], 60 + i, NAN);
    }
    c.points = dated;
    const char *s = render(&t, &c);
    int shown = count(s, ">2026-11-");
    CHECK(shown >= 4 && shown <= 7);
    CHECK(strstr(s, ">2026-11-12</text>"));
    svg_text_free(&t);

    /* Months of seven characters: all twelve, as before. */
    static char months[12][24];
    for (int i = 0; i < 12; i++) {
        snprintf(months[i], sizeof months[i], "2026-%02d", i + 1);
        dated[i] = pt(months[i], 60 + i, NAN);
    }
    CHECK_EQ_INT(count(render(&t, &c), ">2026-"), 12);
    svg_text_free(&t);

    /* Japanese labels are wide: fewer of them than of dates. */
    static char wide[12][48];
    for (int i = 0; i < 12; i++) {
        snprintf(wide[i], sizeof wide[i], "第%d四半期の販売目標", i + 1);
        dated[i] = pt(wide[i], 60 + i, NAN);
    }
    s = render(&t, &c);
    CHECK(count(s, ">第") < shown);
    CHECK(strstr(s, ">第12四半期の販売目標</text>"));
    svg_text_free(&t);
}

int main(void)
{
    RUN(test_hostile_text);
    RUN(test_vietnamese_japanese);
    RUN(test_empty_and_one_point);
    RUN(test_bounds);
    RUN(test_deterministic);
    RUN(test_text_bound);
    RUN(test_labels_fit);
    return 0;
}
