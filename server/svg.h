/*
 * svg.h - charts drawn as inline SVG, and the growing text both the charts
 * and the documents that carry them (handbook.c) are written into. Pure:
 * no I/O, no clock, no locale; the same chart gives the same bytes. Every
 * piece of text a chart shows (title, description, labels, legend) is
 * escaped for XML, so a chart may be pasted into HTML or served alone.
 */
#ifndef LIAISON_SVG_H
#define LIAISON_SVG_H

#include <stdbool.h>
#include <stddef.h>

/* The most points one chart draws: a chart given more draws nothing. */
#define SVG_MAX_POINTS 120
/* The most bytes svg_text grows to: past it, it fails (a bound on any document). */
#define SVG_TEXT_MAX (8u << 20)

/*
 * Text being written, in memory from malloc: svg_text_free releases it.
 * After a failed write (no memory, past SVG_TEXT_MAX) failed stays set and
 * further writes do nothing, so a writer checks once at the end.
 */
struct svg_text {
    char *s; /* NUL-terminated while not failed; NULL before the first write */
    size_t len, cap;
    bool failed;
};

/* Appends n bytes of s as they are. */
void svg_text_put(struct svg_text *t, const char *s, size_t n);

/* Appends a NUL-terminated string as it is. */
void svg_text_puts(struct svg_text *t, const char *s);

/* Appends a printf-formatted string as it is (numbers: the C locale's). */
void svg_text_printf(struct svg_text *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * Appends s escaped for XML and HTML text and attribute values: & < > " '
 * as references, control characters (but tab) as a space, so user text
 * can never open or close an element.
 */
void svg_text_escaped(struct svg_text *t, const char *s);

/* Releases the text; t is empty again. */
void svg_text_free(struct svg_text *t);

/* One period of a chart: its label ("2026-03"), its value and its target, either may be missing. */
struct svg_point {
    const char *label;
    double value;
    bool has_value;
    double target;
    bool has_target;
};

enum svg_kind { SVG_LINE, SVG_BAR };

/*
 * A chart of values by period: the values as a line or bars, the targets
 * as a dashed line, and optionally one horizontal line (a commitment).
 * id names the chart's <title> and <desc> for aria-labelledby and must be
 * unique in its page: letters, digits and '-' only (others become '-').
 * Values below zero and non-finite ones are drawn at zero and as missing.
 */
struct svg_chart {
    const char *id;
    const char *title;       /* shown above the chart, and its <title> */
    const char *desc;        /* its <desc>: what it shows, for screen readers */
    const char *unit;        /* the vertical axis' label ("units", "weeks", "score") */
    const char *value_name;  /* the legend's name of the values */
    const char *target_name; /* of the targets; NULL: no target series */
    enum svg_kind kind;
    const struct svg_point *points;
    size_t n;
    bool has_line;
    double line;
    const char *line_name; /* the legend's name of the line */
    double y_max;          /* > 0: the axis ends here at least (a score's 100) */
};

/*
 * Appends chart c as one <svg> element. Returns 0, or -1 with nothing
 * appended when c has more than SVG_MAX_POINTS points or lacks its id or
 * title (a failed write shows in out->failed).
 */
int svg_chart(struct svg_text *out, const struct svg_chart *c);

#endif
