/*
 * svg.c - charts as inline SVG and the text they are written into. A chart
 * is a fixed 640 x 280 view box: the title on top, the plot with its
 * vertical axis from zero to a round maximum, at most twelve period labels
 * (fewer when wider ones would not fit) under it, the legend at the bottom.
 * Coordinates are printed with one decimal and tick values with %g, both in
 * the C locale, so output depends on the data alone.
 */
#include "svg.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Room for n more bytes and the NUL; false (and failed) when there is none. */
static bool text_reserve(struct svg_text *t, size_t n)
{
    if (t->failed)
        return false;
    if (n > SVG_TEXT_MAX || t->len + n + 1 > SVG_TEXT_MAX) {
        t->failed = true;
        return false;
    }
    if (t->len + n + 1 <= t->cap)
        return true;
    size_t cap = t->cap ? t->cap : 1024;
    while (cap < t->len + n + 1)
        cap *= 2;
    if (cap > SVG_TEXT_MAX)
        cap = SVG_TEXT_MAX;
    char *s = realloc(t->s, cap);
    if (!s) {
        t->failed = true;
        return false;
    }
    t->s = s;
    t->cap = cap;
    return true;
}

void svg_text_put(struct svg_text *t, const char *s, size_t n)
{
    if (!text_reserve(t, n))
        return;
    memcpy(t->s + t->len, s, n);
    t->len += n;
    t->s[t->len] = '\0';
}

void svg_text_puts(struct svg_text *t, const char *s)
{
    svg_text_put(t, s, strlen(s));
}

void svg_text_printf(struct svg_text *t, const char *fmt, ...)
{
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) {
        t->failed = true;
        return;
    }
    if ((size_t)n < sizeof small) {
        svg_text_put(t, small, (size_t)n);
        return;
    }
    if (!text_reserve(t, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(t->s + t->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    t->len += (size_t)n;
}

void svg_text_escaped(struct svg_text *t, const char *s)
{
    const char *run = s;
    for (; *s; s++) {
        const char *ref = NULL;
        switch (*s) {
        case '&':
            ref = "&amp;";
            break;
        case '<':
            ref = "&lt;";
            break;
        case '>':
            ref = "&gt;";
            break;
        case '"':
            ref = "&quot;";
            break;
        case '\'':
            ref = "&#39;";
            break;
        default:
            /* Control characters are not allowed in XML 1.0 text; DEL is not allowed in HTML. */
            if (((unsigned char)*s < 0x20 && *s != '\t') || *s == 0x7f)
                ref = " ";
        }
        if (!ref)
            continue;
        svg_text_put(t, run, (size_t)(s - run));
        svg_text_puts(t, ref);
        run = s + 1;
    }
    svg_text_put(t, run, (size_t)(s - run));
}

void svg_text_free(struct svg_text *t)
{
    free(t->s);
    *t = (struct svg_text){0};
}

/* The view box, and the plot inside it. */
#define W 640.0
#define H 280.0
#define PLOT_LEFT 64.0
#define PLOT_RIGHT (W - 24.0)
#define PLOT_TOP 44.0
#define PLOT_BOTTOM (H - 64.0)
#define MAX_LABELS 12

/*
 * A label's width in the view box at the labels' 11 px: about 6.2 units an ASCII character,
 * 6.6 a Latin letter with its accents, 11 a wide (CJK) character, whose UTF-8 is 3 or 4 bytes.
 */
static double label_width(const char *s)
{
    double w = 0.0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p < 0x80)
            w += 6.2;
        else if (*p >= 0xF0 || (*p >= 0xE0 && *p != 0xE1))
            w += 11.0;
        else if (*p >= 0xC0)
            w += 6.6;
    }
    return w;
}

/* A round step of at least raw / 1: 1, 2, 2.5 or 5 times a power of ten. */
static double nice_step(double raw)
{
    double mag = 1.0;
    while (mag * 10.0 <= raw)
        mag *= 10.0;
    while (mag > raw)
        mag /= 10.0;
    static const double steps[] = {1.0, 2.0, 2.5, 5.0, 10.0};
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
        if (steps[i] * mag >= raw)
            return steps[i] * mag;
    return 10.0 * mag;
}

static bool usable(double v)
{
    return isfinite(v);
}

static double clamp0(double v)
{
    return v > 0.0 ? v : 0.0;
}

/* The chart's id, letters, digits and '-' only, for the ids of its title and desc. */
static void put_id(struct svg_text *t, const char *id)
{
    for (; *id; id++) {
        char c = *id;
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        svg_text_put(t, ok ? &c : "-", 1);
    }
}

/* Where period i of a plot of slot-wide periods is drawn, and value v on an axis to y_max. */
static double x_at(double slot, size_t i)
{
    return PLOT_LEFT + slot * ((double)i + 0.5);
}

static double y_at(double v, double y_max)
{
    return PLOT_BOTTOM - (PLOT_BOTTOM - PLOT_TOP) * clamp0(v) / y_max;
}

/* Point p's value, or with target its target, in *v: false when it has none to draw. */
static bool point_at(const struct svg_point *p, bool target, double *v)
{
    *v = target ? p->target : p->value;
    return (target ? p->has_target : p->has_value) && usable(*v);
}

/*
 * The values (or targets) as polylines, each opened with head (an open
 * <polyline ... points=" tag), broken where a period has none.
 */
static void put_polylines(struct svg_text *out, const struct svg_chart *c, bool target, double slot,
                          double y_max, const char *head)
{
    bool open = false;
    double v;
    for (size_t i = 0; i < c->n; i++) {
        if (!point_at(&c->points[i], target, &v)) {
            if (open)
                svg_text_puts(out, "\"/>");
            open = false;
            continue;
        }
        svg_text_printf(out, "%s%.1f,%.1f", open ? " " : head, x_at(slot, i), y_at(v, y_max));
        open = true;
    }
    if (open)
        svg_text_puts(out, "\"/>");
}

int svg_chart(struct svg_text *out, const struct svg_chart *c)
{
    if (!c->id || !c->id[0] || !c->title || c->n > SVG_MAX_POINTS || (c->n && !c->points))
        return -1;
    double top = c->y_max > 0.0 && usable(c->y_max) ? c->y_max : 0.0;
    bool any = false;
    for (size_t i = 0; i < c->n; i++) {
        const struct svg_point *p = &c->points[i];
        if (p->has_value && usable(p->value)) {
            any = true;
            top = clamp0(p->value) > top ? clamp0(p->value) : top;
        }
        if (c->target_name && p->has_target && usable(p->target)) {
            any = true;
            top = clamp0(p->target) > top ? clamp0(p->target) : top;
        }
    }
    bool line = c->has_line && usable(c->line);
    if (line)
        top = clamp0(c->line) > top ? clamp0(c->line) : top;
    double step = nice_step(top > 0.0 ? top / 4.0 : 0.25);
    double y_max = step;
    while (y_max < top)
        y_max += step;
    double slot = c->n ? (PLOT_RIGHT - PLOT_LEFT) / (double)c->n : 0.0;
#define X(i) x_at(slot, i)
#define Y(v) y_at(v, y_max)

    svg_text_puts(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" role=\"img\""
                       " viewBox=\"0 0 640 280\" width=\"640\" height=\"280\" aria-labelledby=\"");
    put_id(out, c->id);
    svg_text_puts(out, "-title ");
    put_id(out, c->id);
    svg_text_puts(out, "-desc\"><title id=\"");
    put_id(out, c->id);
    svg_text_puts(out, "-title\">");
    svg_text_escaped(out, c->title);
    svg_text_puts(out, "</title><desc id=\"");
    put_id(out, c->id);
    svg_text_puts(out, "-desc\">");
    svg_text_escaped(out, c->desc ? c->desc : "");
    svg_text_puts(out, "</desc>");
    svg_text_puts(out, "<rect x=\"0\" y=\"0\" width=\"640\" height=\"280\" fill=\"#ffffff\"/>");
    svg_text_puts(out, "<text x=\"320\" y=\"24\" text-anchor=\"middle\" font-size=\"15\""
                       " font-weight=\"bold\" fill=\"#222222\">");
    svg_text_escaped(out, c->title);
    svg_text_puts(out, "</text>");

    /* The vertical axis: grid lines and their values, then its unit, turned. */
    svg_text_puts(out, "<g font-size=\"11\" fill=\"#444444\">");
    for (double v = 0.0; v <= y_max + step / 2.0; v += step) {
        svg_text_printf(out,
                        "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#dddddd\"/>"
                        "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%g</text>",
                        PLOT_LEFT, Y(v), PLOT_RIGHT, Y(v), PLOT_LEFT - 6.0, Y(v) + 4.0, v);
    }
    svg_text_printf(out,
                    "<text transform=\"translate(16 %.1f) rotate(-90)\" text-anchor=\"middle\">",
                    (PLOT_TOP + PLOT_BOTTOM) / 2.0);
    svg_text_escaped(out, c->unit ? c->unit : "");
    svg_text_puts(out, "</text>");
    /*
     * Period labels, evenly spaced, the last one always shown: at most MAX_LABELS, and no
     * more than fit side by side; a label the one after it shown already says is left out.
     * Twelve dates of a score computed many times a day were drawn over one another, each
     * the same day (a try-out).
     */
    double widest = 1.0;
    for (size_t i = 0; i < c->n; i++) {
        double w = label_width(c->points[i].label ? c->points[i].label : "");
        widest = w > widest ? w : widest;
    }
    size_t fit = (size_t)((PLOT_RIGHT - PLOT_LEFT) / (widest + 2.0));
    fit = fit < 1 ? 1 : fit > MAX_LABELS ? MAX_LABELS : fit;
    size_t stride = c->n > fit ? (c->n + fit - 1) / fit : 1;
    const char *said = NULL;
    /* From the last leftwards, so that of labels alike the last one is kept. */
    for (size_t k = 0; k < c->n; k += stride) {
        size_t i = c->n - 1 - k;
        const char *label = c->points[i].label ? c->points[i].label : "";
        if (said && !strcmp(said, label))
            continue;
        said = label;
        svg_text_printf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">", X(i),
                        PLOT_BOTTOM + 16.0);
        svg_text_escaped(out, label);
        svg_text_puts(out, "</text>");
    }
    svg_text_puts(out, "</g>");
    svg_text_printf(out,
                    "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#444444\"/>",
                    PLOT_LEFT, PLOT_BOTTOM, PLOT_RIGHT, PLOT_BOTTOM);

    if (!any && !line) {
        svg_text_printf(out,
                        "<text x=\"320\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"13\""
                        " fill=\"#666666\">No data yet</text>",
                        (PLOT_TOP + PLOT_BOTTOM) / 2.0);
    }

    /* The values: bars, or a line broken where a period has none, with a dot on each. */
    if (c->kind == SVG_BAR) {
        svg_text_puts(out, "<g fill=\"#2b6cb0\">");
        for (size_t i = 0; i < c->n; i++) {
            const struct svg_point *p = &c->points[i];
            if (!p->has_value || !usable(p->value))
                continue;
            svg_text_printf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"/>",
                            X(i) - slot * 0.3, Y(p->value), slot * 0.6, PLOT_BOTTOM - Y(p->value));
        }
        svg_text_puts(out, "</g>");
    } else {
        put_polylines(out, c, false, slot, y_max,
                      "<polyline fill=\"none\" stroke=\"#2b6cb0\" stroke-width=\"2\" points=\"");
        svg_text_puts(out, "<g fill=\"#2b6cb0\">");
        for (size_t i = 0; i < c->n; i++)
            if (c->points[i].has_value && usable(c->points[i].value))
                svg_text_printf(out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\"/>", X(i),
                                Y(c->points[i].value));
        svg_text_puts(out, "</g>");
    }
    /* The targets: a dashed line through them, a mark on each. */
    if (c->target_name) {
        put_polylines(out, c, true, slot, y_max,
                      "<polyline fill=\"none\" stroke=\"#c05621\" stroke-width=\"2\""
                      " stroke-dasharray=\"6 4\" points=\"");
        svg_text_puts(out, "<g stroke=\"#c05621\" stroke-width=\"2\">");
        for (size_t i = 0; i < c->n; i++)
            if (c->points[i].has_target && usable(c->points[i].target))
                svg_text_printf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>",
                                X(i) - 6.0, Y(c->points[i].target), X(i) + 6.0,
                                Y(c->points[i].target));
        svg_text_puts(out, "</g>");
    }
    if (line)
        svg_text_printf(out,
                        "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#c53030\""
                        " stroke-width=\"2\" stroke-dasharray=\"2 3\"/>",
                        PLOT_LEFT, Y(c->line), PLOT_RIGHT, Y(c->line));

    /* The legend: a swatch and a name per series shown. */
    double lx = PLOT_LEFT;
    const double ly = H - 18.0;
    struct {
        const char *name, *colour, *dash;
        bool shown;
    } legend[] = {
        {c->value_name, "#2b6cb0", "", c->value_name != NULL},
        {c->target_name, "#c05621", " stroke-dasharray=\"6 4\"", c->target_name != NULL},
        {c->line_name, "#c53030", " stroke-dasharray=\"2 3\"", line && c->line_name},
    };
    svg_text_puts(out, "<g font-size=\"12\" fill=\"#222222\">");
    for (size_t i = 0; i < sizeof legend / sizeof legend[0]; i++) {
        if (!legend[i].shown)
            continue;
        svg_text_printf(out,
                        "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\""
                        " stroke-width=\"3\"%s/><text x=\"%.1f\" y=\"%.1f\">",
                        lx, ly - 4.0, lx + 20.0, ly - 4.0, legend[i].colour, legend[i].dash,
                        lx + 26.0, ly);
        svg_text_escaped(out, legend[i].name);
        svg_text_puts(out, "</text>");
        lx += 190.0;
    }
    svg_text_puts(out, "</g></svg>");
#undef X
#undef Y
    return 0;
}
