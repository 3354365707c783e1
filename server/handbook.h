/*
 * handbook.h - the Relationship Operating Handbook and the scorecard as
 * text, from the JSON the database gives (migration 0035:
 * liaison_handbook_data, liaison_scorecard_data). Pure: no I/O, no clock;
 * the same data gives the same bytes. The handbook comes as Markdown or as
 * a standalone HTML page with a print stylesheet and inline SVG charts; the
 * scorecard as such a page. Every piece of user text is escaped for the
 * format it lands in.
 */
#ifndef LIAISON_HANDBOOK_H
#define LIAISON_HANDBOOK_H

#include <jansson.h>

#include "svg.h"

enum handbook_format { HANDBOOK_MARKDOWN, HANDBOOK_HTML };

/*
 * Appends the handbook of data (liaison_handbook_data's object) to out in
 * format f. Returns 0, or -1 when data is not an object or out failed.
 */
int handbook_render(const json_t *data, enum handbook_format f, struct svg_text *out);

/*
 * Appends the scorecard page of data (liaison_scorecard_data's object) to
 * out. Returns 0, or -1 as handbook_render.
 */
int handbook_scorecard(const json_t *data, struct svg_text *out);

#endif
