/*
 * output.c - human tables, JSON and ids for the CLI. Table cells are the
 * JSON values rendered as text, so one table routine serves every command:
 * lists as "vi, en", week days as "Mon–Sat", proto enum names in lower
 * snake case ("tenant_admin"), a cell with something to escape quoted (C escapes), and a cell past
 * OUTPUT_MAX_CELL columns cut on a character boundary with "…", but for the
 * one that ends its line (a table's last column, a field's value): whole.
 */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <uniwidth.h>

#include "cli.h"

#define OUTPUT_MAX_CELL 60

void output_json(const json_t *v)
{
    char *s = json_dumps(v, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
    if (s) {
        printf("%s\n", s);
        free(s);
    }
}

/*
 * Terminal columns of a printable code point: libunistring's Unicode
 * tables (emoji such as U+1F697 are wide since Unicode 9), not wcwidth(3),
 * whose answer depends on the process's locale and its C library's age.
 */
static int output_char_width(uint32_t cp)
{
    int w = uc_width(cp, "UTF-8");
    return w < 0 ? 1 : w;
}

/* Decodes one UTF-8 character of s (len > 0 bytes); returns its length, or 0 if invalid. */
static size_t output_utf8(const unsigned char *s, size_t len, uint32_t *cp)
{
    size_t n = s[0] < 0x80             ? 1
               : (s[0] & 0xE0) == 0xC0 ? 2
               : (s[0] & 0xF0) == 0xE0 ? 3
               : (s[0] & 0xF8) == 0xF0 ? 4
                                       : 0;
    if (n == 0 || n > len)
        return 0;
    *cp = n == 1 ? s[0] : s[0] & (0x7F >> n);
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        *cp = (*cp << 6) | (s[i] & 0x3F);
    }
    return n;
}

size_t output_width(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t len = strlen(s), cols = 0;
    while (len) {
        uint32_t cp;
        size_t n = output_utf8(p, len, &cp);
        if (n == 0)
            n = 1, cp = '?';
        cols += (size_t)output_char_width(cp);
        p += n;
        len -= n;
    }
    return cols;
}

/*
 * Whether the character at s (len > 0 bytes) cannot be shown as it is;
 * *clen its bytes (1 for a byte that is not UTF-8), *cp the code point.
 * Control characters (C0, DEL and C1), the line and paragraph separators,
 * bidirectional embeddings, overrides and isolates, characters that show as
 * nothing (U+00AD, U+034F, the Hangul fillers, U+180E, U+200B,
 * U+2060-U+2064, U+FEFF; not the joiners nor the direction marks that
 * scripts need) and bytes that are not UTF-8: text with them could move the
 * cursor, colour the terminal, reorder the rest of its line, pass for rows
 * of its own or for another name that looks alike.
 */
static bool output_hidden(const unsigned char *s, size_t len, size_t *clen, uint32_t *cp)
{
    *clen = output_utf8(s, len, cp);
    if (*clen == 0 || *cp < 0x20 || *cp == 0x7F) {
        *cp = s[0];
        *clen = 1;
        return true;
    }
    return (*cp >= 0x80 && *cp < 0xA0) || *cp == 0x2028 || *cp == 0x2029 ||
           (*cp >= 0x202A && *cp <= 0x202E) || (*cp >= 0x2066 && *cp <= 0x2069) || *cp == 0xAD ||
           *cp == 0x34F || *cp == 0x115F || *cp == 0x1160 || *cp == 0x180E || *cp == 0x200B ||
           (*cp >= 0x2060 && *cp <= 0x2064) || *cp == 0x3164 || *cp == 0xFEFF || *cp == 0xFFA0;
}

/* What output_piece escapes beyond output_hidden's characters. */
enum output_escapes {
    OUTPUT_BARE,    /* nothing: a cell shown as it is */
    OUTPUT_QUOTED,  /* the backslash and the double quote: a cell between double quotes */
    OUTPUT_MESSAGE, /* the backslash: text quoted inside a message, or prose */
};

/*
 * The terminal form of the character at s (len > 0 bytes) in piece (NUL
 * terminated), its columns in *cols; returns the bytes of s it stands for.
 * What output_hidden finds is escaped (\n, \x1b, \u0085, \u202e, \u200b),
 * and what escapes asks besides, so that an escape received and the same
 * characters typed read apart wherever escapes are shown.
 */
static size_t output_piece(const unsigned char *s, size_t len, char piece[8], size_t *cols,
                           enum output_escapes escapes)
{
    uint32_t cp;
    size_t clen;
    int n;
    bool hidden = output_hidden(s, len, &clen, &cp);
    if (hidden && clen == 1) {
        /* C0, DEL, or a byte that is not UTF-8 */
        uint8_t b = (uint8_t)cp;
        const char *named = b == '\n' ? "\\n" : b == '\t' ? "\\t" : b == '\r' ? "\\r" : NULL;
        n = named ? snprintf(piece, 8, "%s", named) : snprintf(piece, 8, "\\x%02x", b);
    } else if (hidden) {
        n = snprintf(piece, 8, "\\u%04x", (unsigned)cp);
    } else if ((cp == '\\' && escapes != OUTPUT_BARE) || (cp == '"' && escapes == OUTPUT_QUOTED)) {
        n = snprintf(piece, 8, "\\%c", (char)cp);
    } else {
        memcpy(piece, s, clen);
        piece[clen] = '\0';
        *cols = (size_t)output_char_width(cp);
        return clen;
    }
    *cols = (size_t)n;
    return clen;
}

/*
 * Whether text (len bytes) holds a character output_hidden finds; in prose,
 * line breaks (LF, CRLF) and tabs are laid out, not escaped, and so are not
 * counted.
 */
static bool output_any_hidden(const char *text, size_t len, bool prose)
{
    const unsigned char *s = (const unsigned char *)text;
    while (len) {
        size_t clen;
        uint32_t cp;
        if (prose && (s[0] == '\n' || s[0] == '\t'))
            clen = 1;
        else if (prose && s[0] == '\r' && len > 1 && s[1] == '\n')
            clen = 2;
        else if (output_hidden(s, len, &clen, &cp))
            return true;
        s += clen;
        len -= clen;
    }
    return false;
}

/*
 * Whether text (len bytes) is shown quoted: when it holds a character
 * output_hidden finds, or starts with a double quote (which would read as
 * the quoted form of another text). Else it is shown as it is, backslashes
 * and all, so that what a table shows can be copied back as the name it is
 * (git's quotePath, the same rule).
 */
static bool output_needs_quotes(const char *text, size_t len)
{
    return (len && text[0] == '"') || output_any_hidden(text, len, false);
}

/*
 * Renders len bytes of text into buf as a cell: as it is, or quoted with
 * output_piece's escapes (output_needs_quotes), cut with "…" past
 * OUTPUT_MAX_CELL columns or what buf (at least 12 bytes) holds, the cut
 * inside the closing quote. Pieces are whole characters or escapes, so a
 * cut never splits a UTF-8 sequence, and a combining mark stays with the
 * character before it.
 */
static void output_text(const char *text, size_t len, char *buf, size_t cap)
{
    static const char ellipsis[] = "\u2026"; /* one column */
    const unsigned char *s = (const unsigned char *)text;
    bool quoted = output_needs_quotes(text, len);
    /* The closing quote's column and byte are kept from the start. */
    size_t limit = OUTPUT_MAX_CELL - quoted, close = quoted;
    size_t n = 0, cols = 0, cut = 0;
    if (quoted) {
        buf[n++] = '"';
        cols = cut = 1;
    }
    while (len) {
        char piece[8];
        size_t w;
        size_t clen = output_piece(s, len, piece, &w, quoted ? OUTPUT_QUOTED : OUTPUT_BARE);
        size_t plen = strlen(piece);
        if (cols + w > limit || n + plen + sizeof ellipsis + close > cap) {
            memcpy(buf + cut, ellipsis, sizeof ellipsis);
            n = cut + sizeof ellipsis - 1;
            break;
        }
        memcpy(buf + n, piece, plen);
        n += plen;
        cols += w;
        if (cols <= limit - 1)
            cut = n;
        s += clen;
        len -= clen;
    }
    if (quoted)
        buf[n++] = '"';
    buf[n] = '\0';
}

/* Writes text with output_piece's escapes. */
static void output_pieces(FILE *f, const char *text, enum output_escapes escapes)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t len = strlen(text);
    while (len) {
        char piece[8];
        size_t w;
        size_t clen = output_piece(s, len, piece, &w, escapes);
        fputs(piece, f);
        s += clen;
        len -= clen;
    }
}

void output_escaped(FILE *f, const char *text)
{
    /* A backslash is doubled only beside an escape, where a "\n" typed and a
     * line break received must read apart; else it is shown as it is, as a
     * table's cell shows it. */
    bool escaping = output_any_hidden(text, strlen(text), false);
    output_pieces(f, text, escaping ? OUTPUT_MESSAGE : OUTPUT_BARE);
}

void output_echo(FILE *f, const char *text)
{
    /* A long one is cut as a table's cell is: 100,000 bytes of a pasted word came back whole. */
    if (strlen(text) <= 200) {
        output_escaped(f, text);
        return;
    }
    char buf[OUTPUT_MAX_CELL * 8 + 16];
    output_text(text, strlen(text), buf, sizeof buf);
    fputs(buf, f);
}

void output_quoted(FILE *f, const char *text)
{
    if (!text)
        text = ""; /* a field the answer left out */
    bool quoted = output_needs_quotes(text, strlen(text));
    if (quoted)
        fputc('"', f);
    output_pieces(f, text, quoted ? OUTPUT_QUOTED : OUTPUT_BARE);
    if (quoted)
        fputc('"', f);
}

void output_prose(FILE *f, const char *text, const char *indent)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t len = strlen(text);
    bool line_start = true;
    enum output_escapes escapes = output_any_hidden(text, len, true) ? OUTPUT_MESSAGE : OUTPUT_BARE;
    while (len) {
        size_t nl = s[0] == '\n' ? 1 : s[0] == '\r' && len > 1 && s[1] == '\n' ? 2 : 0;
        if (nl) {
            fputc('\n', f);
            line_start = true;
            s += nl;
            len -= nl;
            continue;
        }
        if (line_start)
            fputs(indent, f);
        line_start = false;
        if (s[0] == '\t') {
            fputs("    ", f);
            s++;
            len--;
            continue;
        }
        char piece[8];
        size_t w;
        size_t clen = output_piece(s, len, piece, &w, escapes);
        fputs(piece, f);
        s += clen;
        len -= clen;
    }
    if (!line_start)
        fputc('\n', f);
}

/* "ROLE_TENANT_ADMIN" with prefix "ROLE_" -> "tenant_admin", in buf. */
static const char *output_enum(const char *name, const char *prefix, char *buf, size_t cap)
{
    size_t plen = prefix ? strlen(prefix) : 0;
    if (plen && !strncmp(name, prefix, plen))
        name += plen;
    size_t i = 0;
    for (; name[i] && i + 1 < cap; i++)
        buf[i] = (char)tolower((unsigned char)name[i]);
    buf[i] = '\0';
    return buf;
}

/*
 * ISO week days (1 Monday .. 7 Sunday) as "Mon–Sat", "Mon, Wed, Fri" or
 * "Mon–Wed, Fri": runs of three or more days joined with an en dash.
 */
static void output_days(const json_t *days, char *buf, size_t cap)
{
    static const char *const names[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
    bool on[8] = {false};
    size_t i;
    const json_t *d;
    json_array_foreach(days, i, d)
    {
        json_int_t v = json_is_integer(d) ? json_integer_value(d) : 0;
        if (v >= 1 && v <= 7)
            on[v] = true;
    }
    /* A week that runs over Sunday into Monday (Sun-Thu in the Gulf) starts
     * where its run does, so it reads "Sun–Thu", not "Mon–Thu, Sun". */
    int start = 1, count = 0;
    for (int day = 1; day <= 7; day++)
        count += on[day];
    if (on[7] && on[1] && count < 7)
        for (start = 7; on[start - 1];)
            start--;
    size_t n = 0;
    buf[0] = '\0';
    for (int k = 0; k < 7; k++) {
        int day = (start - 1 + k) % 7 + 1;
        if (!on[day])
            continue;
        int len = 1;
        while (k + len < 7 && on[(start - 1 + k + len) % 7 + 1])
            len++;
        const char *sep = n ? ", " : "";
        if (len >= 3)
            n += (size_t)snprintf(buf + n, cap - n, "%s%s\u2013%s", sep, names[day - 1],
                                  names[(day - 1 + len - 1) % 7]);
        else
            for (int j = 0; j < len; j++, sep = ", ")
                n += (size_t)snprintf(buf + n, cap - n, "%s%s", sep, names[(day - 1 + j) % 7]);
        if (n >= cap)
            return;
        k += len - 1;
    }
}

/* A scalar's text: strings as they are, numbers, yes/no, "-" for nothing. */
static const char *output_scalar(const json_t *v, const struct output_column *col, char *raw,
                                 size_t cap)
{
    if ((!v || json_is_null(v)) && col && col->format == OUTPUT_BOOL)
        return "no";
    if ((!v || json_is_null(v)) && col && col->format == OUTPUT_COUNT)
        return "0";
    if (!v || json_is_null(v))
        return "-";
    if (json_is_string(v))
        return col && col->format == OUTPUT_ENUM
                   ? output_enum(json_string_value(v), col->enum_prefix, raw, cap)
                   : json_string_value(v);
    if (json_is_integer(v))
        snprintf(raw, cap, "%lld", (long long)json_integer_value(v));
    else if (json_is_real(v))
        snprintf(raw, cap, "%g", json_real_value(v));
    else if (json_is_boolean(v))
        snprintf(raw, cap, "%s", json_is_true(v) ? "yes" : "no");
    else
        return NULL;
    return raw;
}

/*
 * A column's value as text, before escaping and cutting: raw (256 bytes)
 * holds a number or a day list; *joined, which the caller frees, a list or
 * an object. Returns the text.
 */
static const char *output_value(const json_t *v, const struct output_column *col, char *raw,
                                char **joined)
{
    const char *text;
    *joined = NULL;
    if (json_is_array(v) && col && col->format == OUTPUT_DAYS) {
        output_days(v, raw, 256);
        text = raw;
    } else if (json_is_array(v)) {
        /* A list of scalars reads "vi, en"; its cell is cut like any other. */
        size_t len = 1, i;
        const json_t *item;
        char one[256];
        json_array_foreach(v, i, item)
        {
            const char *t = output_scalar(item, col, one, sizeof one);
            len += (t ? strlen(t) : 1) + 2;
        }
        *joined = malloc(len);
        if (*joined) {
            (*joined)[0] = '\0';
            json_array_foreach(v, i, item)
            {
                const char *t = output_scalar(item, col, one, sizeof one);
                strcat(*joined, i ? ", " : "");
                strcat(*joined, t ? t : "?");
            }
        }
        text = *joined ? *joined : "?";
        if (json_array_size(v) == 0)
            text = "-";
    } else {
        text = output_scalar(v, col, raw, 256);
        if (!text) {
            *joined = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
            text = *joined ? *joined : "?";
        }
    }
    return text;
}

/* The cell text for a column's value, as output_text renders it, in buf. */
static const char *output_cell(const json_t *v, const struct output_column *col, char *buf,
                               size_t cap)
{
    char raw[256], *joined;
    const char *text = output_value(v, col, raw, &joined);
    output_text(text, strlen(text), buf, cap);
    free(joined);
    return buf;
}

/*
 * Prints a column's value whole, quoted and escaped as output_text does it: the last
 * cell of a row pads nothing after it, so cutting it would only hide what
 * it says (a health reason's figures, a charter's last report section).
 */
static void output_cell_whole(const json_t *v, const struct output_column *col)
{
    char raw[256], *joined;
    output_quoted(stdout, output_value(v, col, raw, &joined));
    free(joined);
}

/* Prints text and pads it with spaces to width columns. */
static void output_padded(const char *text, size_t width)
{
    size_t w = output_width(text);
    printf("%s%*s", text, (int)(width > w ? width - w : 0), "");
}

/*
 * A column's value in row: its key's, or with keys "a|b" the first of them the row has, so that
 * a column shows an owner's e-mail where the caller may read it and the id where not.
 */
static const json_t *output_column_value(const json_t *row, const char *key)
{
    const char *bar;
    while ((bar = strchr(key, '|'))) {
        /* A key of its own: json_object_getn() is jansson 2.14's, and 2.13 is enough else. */
        char first[64];
        snprintf(first, sizeof first, "%.*s", (int)(bar - key), key);
        const json_t *v = json_object_get(row, first);
        if (v && !json_is_null(v) && !(json_is_string(v) && !*json_string_value(v)))
            return v;
        key = bar + 1;
    }
    return json_object_get(row, key);
}

void output_table(const struct output_column *cols, int ncols, const json_t *rows)
{
    size_t width[16] = {0};
    char cell[OUTPUT_MAX_CELL * 4 + 8];
    if (ncols > 16)
        ncols = 16;
    for (int c = 0; c < ncols; c++)
        width[c] = output_width(cols[c].header);
    size_t i;
    const json_t *row;
    json_array_foreach(rows, i, row)
    {
        for (int c = 0; c + 1 < ncols; c++) {
            size_t w = output_width(
                output_cell(output_column_value(row, cols[c].key), &cols[c], cell, sizeof cell));
            if (w > width[c])
                width[c] = w;
        }
    }
    /* The last column is not padded (no trailing spaces) and not cut. */
    for (int c = 0; c < ncols; c++) {
        output_padded(cols[c].header, c + 1 < ncols ? width[c] : 0);
        fputs(c + 1 < ncols ? "  " : "\n", stdout);
    }
    json_array_foreach(rows, i, row)
    {
        for (int c = 0; c + 1 < ncols; c++) {
            output_padded(
                output_cell(output_column_value(row, cols[c].key), &cols[c], cell, sizeof cell),
                width[c]);
            fputs("  ", stdout);
        }
        if (ncols > 0)
            output_cell_whole(output_column_value(row, cols[ncols - 1].key), &cols[ncols - 1]);
        putchar('\n');
    }
}

/*
 * One CSV field. A text a spreadsheet would run as a formula (=, +, -, @,
 * a tab or CR first: an actor's name, an entity id from a request) is kept
 * as text behind an apostrophe, as OWASP advises for CSV injection; a
 * number stays a number.
 */
static void output_csv_field(const char *text)
{
    char *end = NULL;
    bool formula = text[0] && strchr("=+-@\t\r", text[0]);
    if (formula) {
        strtod(text, &end);
        formula = end == text || *end != '\0';
    }
    if (!formula && !text[strcspn(text, ",\"\r\n")]) {
        fputs(text, stdout);
        return;
    }
    putchar('"');
    if (formula)
        putchar('\'');
    for (const char *c = text; *c; c++) {
        if (*c == '"')
            putchar('"');
        putchar(*c);
    }
    putchar('"');
}

void output_csv(const struct output_column *cols, int ncols, const json_t *rows)
{
    for (int c = 0; c < ncols; c++) {
        output_csv_field(cols[c].header);
        fputs(c + 1 < ncols ? "," : "\r\n", stdout);
    }
    size_t i;
    const json_t *row;
    json_array_foreach(rows, i, row)
    {
        for (int c = 0; c < ncols; c++) {
            const json_t *v = output_column_value(row, cols[c].key);
            char raw[256], *joined = NULL;
            bool none = (!v || json_is_null(v) || (json_is_array(v) && !json_array_size(v))) &&
                        cols[c].format != OUTPUT_BOOL && cols[c].format != OUTPUT_COUNT;
            output_csv_field(none ? "" : output_value(v, &cols[c], raw, &joined));
            free(joined);
            fputs(c + 1 < ncols ? "," : "\r\n", stdout);
        }
    }
}

void output_fields(const struct output_column *cols, int ncols, const json_t *obj)
{
    size_t width = 0;
    for (int c = 0; c < ncols; c++)
        if (strlen(cols[c].header) > width)
            width = strlen(cols[c].header);
    /* Each value ends its line: whole, not cut. */
    for (int c = 0; c < ncols; c++) {
        output_padded(cols[c].header, width);
        fputs("  ", stdout);
        output_cell_whole(output_column_value(obj, cols[c].key), &cols[c]);
        putchar('\n');
    }
}

/* The id of a row (its first column's value) on a line of its own. */
static void output_id(const struct output_column *cols, const json_t *obj)
{
    char raw[64];
    const char *id = output_scalar(json_object_get(obj, cols[0].key), NULL, raw, sizeof raw);
    if (id) {
        output_escaped(stdout, id);
        putchar('\n');
    }
}

void cli_print_object(const struct cli *cli, const struct output_column *cols, int ncols,
                      const json_t *obj)
{
    if (cli->set.json)
        output_json(obj ? obj : json_object());
    else if (cli->set.ids)
        output_id(cols, obj);
    else
        output_fields(cols, ncols, obj);
}

void cli_print_rows(const struct cli *cli, const struct output_column *cols, int ncols,
                    const json_t *rows)
{
    size_t i;
    const json_t *row;
    if (cli->set.json) {
        output_json(rows);
    } else if (cli->set.csv) {
        output_csv(cols, ncols, rows);
    } else if (cli->set.ids) {
        json_array_foreach(rows, i, row) output_id(cols, row);
    } else {
        output_table(cols, ncols, rows);
    }
}

int cli_list(struct cli *cli, const char *method, json_t *request, const char *items_key,
             const struct output_column *cols, int ncols, const struct cli_paging *paging)
{
    return cli_list_mapped(cli, method, request, items_key, cols, ncols, paging, NULL);
}

int cli_list_mapped(struct cli *cli, const char *method, json_t *request, const char *items_key,
                    const struct output_column *cols, int ncols, const struct cli_paging *paging,
                    void (*map)(json_t *row))
{
    long size = 0;
    if (cli->set.csv && (cli->set.json || cli->set.ids)) {
        fprintf(stderr, "liaison: --csv and --%s ask for two forms of output: give one\n",
                cli->set.json ? "json" : "ids");
        json_decref(request);
        return EXIT_USAGE;
    }
    /* A filter given empty reached the server as "not given" and listed everything. */
    const char *empty = cli_args_empty();
    if (empty) {
        fprintf(stderr, "liaison: invalid --%s: empty; leave it out to list without it\n", empty);
        json_decref(request);
        return EXIT_USAGE;
    }
    if (paging->page_size) {
        char *end;
        size = strtol(paging->page_size, &end, 10);
        if (*end || size < 1 || size > 500) {
            fprintf(stderr, "liaison: --page-size must be 1 to 500\n");
            json_decref(request);
            return EXIT_USAGE;
        }
    }
    json_t *rows = json_array();
    char *next = strdup(paging->cursor ? paging->cursor : "");
    int rc = rows && next ? EXIT_OK : EXIT_ERROR;
    while (rc == EXIT_OK) {
        json_t *req = json_deep_copy(request);
        json_object_set_new(req, "page",
                            json_pack("{s:I,s:s}", "pageSize", (json_int_t)size, "cursor", next));
        json_t *resp;
        rc = cli_call(cli, method, req, &resp);
        if (rc != EXIT_OK)
            break;
        json_array_extend(rows, json_object_get(resp, items_key));
        const char *nc =
            json_string_value(json_object_get(json_object_get(resp, "page"), "nextCursor"));
        free(next);
        next = strdup(nc ? nc : "");
        json_decref(resp);
        if (!next)
            rc = EXIT_ERROR;
        else if (!paging->all || !*next)
            break;
    }
    if (rc == EXIT_OK && map) {
        size_t i;
        json_t *row;
        json_array_foreach(rows, i, row) map(row);
    }
    if (rc == EXIT_OK) {
        /* A list is its rows in every format ([] when empty), so `jq '.[]'`
         * and `xargs` read it alike; the way to the next page goes beside
         * the rows a script reads, never into them. */
        cli_print_rows(cli, cols, ncols, rows);
        if (*next)
            fprintf(cli->set.json || cli->set.ids || cli->set.csv ? stderr : stdout,
                    "more: --cursor %s\n", next);
    }
    free(next);
    json_decref(rows);
    json_decref(request);
    return rc;
}

json_t *cli_pick(const json_t *obj, const char *const *keys, size_t n)
{
    json_t *f = json_object();
    for (size_t i = 0; f && i < n; i++) {
        json_t *v = json_object_get(obj, keys[i]);
        if (v && json_object_set(f, keys[i], v) != 0) {
            json_decref(f);
            f = NULL;
        }
    }
    return f;
}

json_t *cli_split(const char *list, bool as_ints)
{
    json_t *arr = json_array();
    const char *p = list;
    while (arr && p && *p) {
        size_t len = strcspn(p, ",");
        /* "BRK, FLT" as every list is shown: the spaces after a comma are no part of an item. */
        const char *w = p;
        size_t n = len;
        for (; n && (*w == ' ' || *w == '\t'); n--)
            w++;
        while (n && (w[n - 1] == ' ' || w[n - 1] == '\t'))
            n--;
        char item[32];
        /* A word's length is the server's to bound: an agenda item of 300 bytes was refused
         * as "a comma-separated list" (a try-out), and its bound is 200. */
        if (n == 0 || (as_ints && n >= sizeof item)) {
            json_decref(arr);
            return NULL;
        }
        if (as_ints) {
            memcpy(item, w, n);
            item[n] = '\0';
            char *end;
            errno = 0;
            long long v = strtoll(item, &end, 10);
            if (*end || errno == ERANGE || v < 0) {
                json_decref(arr);
                return NULL;
            }
            json_array_append_new(arr, json_integer(v));
        } else if (json_array_append_new(arr, json_stringn(w, n)) != 0) {
            json_decref(arr);
            return NULL;
        }
        p += len;
        if (*p == ',')
            p++;
    }
    return arr;
}

const char *cli_enum_word(const char *value, char *buf, size_t cap)
{
    size_t i = 0;
    /* "at-risk" as people write it: no value of this protocol has a hyphen. */
    for (; value[i] && i + 1 < cap; i++)
        buf[i] = value[i] == '-' ? '_' : (char)tolower((unsigned char)value[i]);
    buf[i] = '\0';
    return value[i] ? value : buf;
}

json_t *cli_enum_string(const char *value)
{
    char buf[64];
    return json_string(cli_enum_word(value, buf, sizeof buf));
}

/* A week day: 1..7, or a name ("mon", "Monday"), any case; 0 if neither. */
static int cli_day(const char *s, size_t n)
{
    static const char *const names[] = {"monday", "tuesday",  "wednesday", "thursday",
                                        "friday", "saturday", "sunday"};
    if (n == 1 && s[0] >= '1' && s[0] <= '7')
        return s[0] - '0';
    for (int d = 0; d < 7; d++)
        if (n >= 3 && n <= strlen(names[d]) && !strncasecmp(s, names[d], n))
            return d + 1;
    return 0;
}

json_t *cli_days(const char *list)
{
    bool on[8] = {false};
    const char *p = list;
    if (!*p)
        return NULL; /* "" would be no day at all, which the server reads as its default */
    while (*p) {
        /* "Mon, Wed, Fri" as tables show it: spaces around a day are no part of it. */
        while (*p == ' ')
            p++;
        size_t n = strcspn(p, ","), len = n;
        while (n && p[n - 1] == ' ')
            n--;
        /* A range is "Mon-Sat", or "Mon–Sat" as tables show it. */
        const char *dash = NULL;
        size_t dlen = 0;
        for (size_t k = 1; k < n && !dash; k++) {
            if (p[k] == '-')
                dash = p + k, dlen = 1;
            else if (!strncmp(p + k, "\u2013", 3) && k + 3 <= n)
                dash = p + k, dlen = 3;
        }
        int from = dash ? cli_day(p, (size_t)(dash - p)) : cli_day(p, n);
        int to = dash ? cli_day(dash + dlen, n - (size_t)(dash - p) - dlen) : from;
        if (!from || !to)
            return NULL;
        /* A range may run over Sunday into Monday: Sun-Thu is 7,1,2,3,4. */
        for (int d = from;; d = d % 7 + 1) {
            on[d] = true;
            if (d == to)
                break;
        }
        p += len;
        if (*p == ',' && *++p == '\0')
            return NULL;
    }
    json_t *days = json_array();
    for (int d = 1; days && d <= 7; d++)
        if (on[d] && json_array_append_new(days, json_integer(d)) < 0) {
            json_decref(days);
            return NULL;
        }
    return days;
}

int cli_list_some(struct cli *cli, const char *method, json_t *request, const char *items,
                  const char *label_field, const char *label, char *line, size_t cap, bool *more)
{
    json_t *resp;
    if (request)
        json_object_set_new(request, "page", json_pack("{s:i}", "pageSize", CLI_SOME));
    if (cli_call(cli, method, request, &resp))
        return -1;
    json_t *rows = json_object_get(resp, items), *row;
    size_t i, len = strlen(line);
    json_array_foreach(rows, i, row)
    {
        const char *what =
            label_field ? json_string_value(json_object_get(row, label_field)) : label;
        int n = snprintf(line + len, cap - len, "%s%lld (%s)", len ? ", " : "",
                         (long long)cli_json_id(json_object_get(row, "id")), what ? what : "");
        if (*more || n < 0 || (size_t)n >= cap - len) {
            line[len] = '\0'; /* no item cut in two: the first ones, as many as fit */
            *more = true;
            break;
        }
        len += (size_t)n;
    }
    int n = (int)json_array_size(rows);
    /* A page full: there are more than it names. */
    *more = *more || n == CLI_SOME;
    json_decref(resp);
    return n;
}
