/*
 * ics_check.c - reads an .ics file the way a calendar application does
 * (libical's parser) and prints what it found as one JSON object, for the
 * integration tests to compare with the database: the calendar's METHOD,
 * VERSION, PRODID and names (X-WR-CALNAME, and RFC 7986's NAME), how many
 * parse errors libical reported, how many lines are longer than 75 octets
 * or not UTF-8 on their own, and per VEVENT its UID, start and end (Unix
 * seconds, UTC), STATUS, SEQUENCE, SUMMARY, DESCRIPTION, DTSTAMP,
 * ORGANIZER and ATTENDEEs.
 * Usage: ics_check FILE. Exit 1 when the file cannot be read or parsed.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <libical/ical.h>

static bool utf8_ok(const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        size_t len = s[i] < 0x80             ? 1
                     : (s[i] & 0xe0) == 0xc0 ? 2
                     : (s[i] & 0xf0) == 0xe0 ? 3
                     : (s[i] & 0xf8) == 0xf0 ? 4
                                             : 0;
        if (!len || i + len > n)
            return false;
        for (size_t k = 1; k < len; k++)
            if ((s[i + k] & 0xc0) != 0x80)
                return false;
        i += len;
    }
    return true;
}

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap + 1);
    for (size_t got; buf && (got = fread(buf + n, 1, cap - n, f)) > 0;) {
        n += got;
        if (n == cap) {
            char *b = realloc(buf, 2 * cap + 1);
            if (!b) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = b;
            cap *= 2;
        }
    }
    fclose(f);
    if (buf)
        buf[n] = '\0';
    *len = n;
    return buf;
}

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

static json_t *address(icalproperty *p, const char *value)
{
    const char *cn = icalproperty_get_parameter_as_string(p, "CN");
    return json_pack("{s:o,s:o}", "uri", str_or_null(value), "cn", str_or_null(cn));
}

static json_t *event(icalcomponent *ev)
{
    json_t *atts = json_array();
    for (icalproperty *a = icalcomponent_get_first_property(ev, ICAL_ATTENDEE_PROPERTY); a;
         a = icalcomponent_get_next_property(ev, ICAL_ATTENDEE_PROPERTY))
        json_array_append_new(atts, address(a, icalproperty_get_attendee(a)));
    icalproperty *org = icalcomponent_get_first_property(ev, ICAL_ORGANIZER_PROPERTY);
    struct icaltimetype start = icalcomponent_get_dtstart(ev), end = icalcomponent_get_dtend(ev);
    return json_pack(
        "{s:o,s:I,s:I,s:b,s:s,s:i,s:o,s:o,s:o,s:o,s:o}", "uid",
        str_or_null(icalcomponent_get_uid(ev)), "start", (json_int_t)icaltime_as_timet(start),
        "end", (json_int_t)icaltime_as_timet(end), "utc",
        icaltime_is_utc(start) && icaltime_is_utc(end), "status",
        icalenum_status_to_string(icalcomponent_get_status(ev)), "sequence",
        icalcomponent_get_sequence(ev), "summary", str_or_null(icalcomponent_get_summary(ev)),
        "description", str_or_null(icalcomponent_get_description(ev)), "dtstamp",
        str_or_null(icaltime_as_ical_string(icalcomponent_get_dtstamp(ev))), "organizer",
        org ? address(org, icalproperty_get_organizer(org)) : json_null(), "attendees", atts);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: ics_check FILE\n");
        return 2;
    }
    size_t len;
    char *text = read_all(argv[1], &len);
    if (!text) {
        perror(argv[1]);
        return 1;
    }
    long long_lines = 0, bad_utf8 = 0, lines = 0, bare_newlines = 0;
    for (const char *p = text; *p;) {
        const char *crlf = strstr(p, "\r\n");
        size_t n = crlf ? (size_t)(crlf - p) : strlen(p);
        long_lines += n > 75;
        bad_utf8 += !utf8_ok((const unsigned char *)p, n);
        bare_newlines += memchr(p, '\n', n) != NULL || !crlf;
        lines++;
        p += n + (crlf ? 2 : 0);
    }
    icalcomponent *cal = icalparser_parse_string(text);
    free(text);
    if (!cal || icalcomponent_isa(cal) != ICAL_VCALENDAR_COMPONENT) {
        fprintf(stderr, "%s: not a VCALENDAR\n", argv[1]);
        return 1;
    }
    json_t *events = json_array();
    for (icalcomponent *ev = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT); ev;
         ev = icalcomponent_get_next_component(cal, ICAL_VEVENT_COMPONENT))
        json_array_append_new(events, event(ev));
    icalproperty *name = icalcomponent_get_first_property(cal, ICAL_X_PROPERTY);
    icalproperty *name7986 = icalcomponent_get_first_property(cal, ICAL_NAME_PROPERTY);
    icalproperty *prodid = icalcomponent_get_first_property(cal, ICAL_PRODID_PROPERTY);
    icalproperty *version = icalcomponent_get_first_property(cal, ICAL_VERSION_PROPERTY);
    json_t *out =
        json_pack("{s:s,s:o,s:o,s:o,s:o,s:i,s:I,s:I,s:I,s:I,s:o}", "method",
                  icalenum_method_to_string(icalcomponent_get_method(cal)), "version",
                  str_or_null(version ? icalproperty_get_version(version) : NULL), "prodid",
                  str_or_null(prodid ? icalproperty_get_prodid(prodid) : NULL), "name",
                  str_or_null(name ? icalproperty_get_x(name) : NULL), "name_7986",
                  str_or_null(name7986 ? icalproperty_get_name(name7986) : NULL), "errors",
                  icalcomponent_count_errors(cal), "lines", (json_int_t)lines, "long_lines",
                  (json_int_t)long_lines, "bad_utf8_lines", (json_int_t)bad_utf8, "bare_newlines",
                  (json_int_t)bare_newlines, "events", events);
    icalcomponent_free(cal);
    char *s = out ? json_dumps(out, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
    json_decref(out);
    if (!s)
        return 1;
    puts(s);
    free(s);
    return 0;
}
