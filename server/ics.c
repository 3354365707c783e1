/*
 * ics.c - meetings as RFC 5545 text. libical builds each property and does
 * the escaping (\, ; , and newlines in TEXT) and the folding at 75 octets;
 * what it cannot be handed is cleaned here first: control characters
 * (forbidden in TEXT), double quotes in a CN (a quoted parameter value
 * cannot hold one), e-mail addresses that would not make a mailto: URI.
 */
#include "ics.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <libical/ical.h>

#include "liaison_version.h"

const char ics_end[] = "END:VCALENDAR\r\n";

int ics_init(void)
{
    return icaltimezone_get_utc_timezone() ? 0 : -1;
}

/*
 * A copy of text (malloc'd) fit for a TEXT value or a parameter: control
 * characters become spaces (newlines kept when keep_newlines), and in a
 * parameter double quotes become single ones. NULL when memory ran out.
 */
static char *ics_clean(const char *text, bool keep_newlines, bool parameter)
{
    char *out = strdup(text);
    if (!out)
        return NULL;
    for (unsigned char *p = (unsigned char *)out; *p; p++) {
        if (*p == '\n' && keep_newlines)
            continue;
        if (*p < 0x20 || *p == 0x7f)
            *p = ' ';
        else if (*p == '"' && parameter)
            *p = '\'';
    }
    return out;
}

/* Whether email makes a mailto: URI as it is: one '@', nothing that needs quoting. */
static bool ics_email_ok(const char *email)
{
    const char *at = strchr(email, '@');
    if (!at || at == email || !at[1] || strchr(at + 1, '@'))
        return false;
    for (const unsigned char *p = (const unsigned char *)email; *p; p++)
        if (*p <= 0x20 || *p == 0x7f || strchr("\"<>\\,;:()[]", *p))
            return false;
    return true;
}

/* A CAL-ADDRESS property (ORGANIZER, ATTENDEE) with its CN; NULL when it cannot be made. */
static icalproperty *ics_address(icalproperty_kind kind, const char *name, const char *email)
{
    if (!ics_email_ok(email))
        return NULL;
    size_t n = strlen("mailto:") + strlen(email) + 1;
    char *uri = malloc(n);
    if (!uri)
        return NULL;
    snprintf(uri, n, "mailto:%s", email);
    icalproperty *p = icalproperty_new(kind);
    if (p)
        icalproperty_set_value(p, icalvalue_new_caladdress(uri));
    free(uri);
    if (!p || !name[0])
        return p;
    char *cn = ics_clean(name, false, true);
    if (cn)
        icalproperty_add_parameter(p, icalparameter_new_cn(cn));
    free(cn);
    return p;
}

static void ics_add_text(icalcomponent *ev, icalproperty *(*make)(const char *), const char *text,
                         bool keep_newlines)
{
    char *clean = ics_clean(text, keep_newlines, false);
    if (clean)
        icalcomponent_add_property(ev, make(clean));
    free(clean);
}

/* The agenda's lines (a JSON array of strings), one per line; NULL for none. */
static char *ics_agenda_text(const char *agenda)
{
    json_t *a = json_loads(agenda, 0, NULL);
    size_t i, len = 0;
    json_t *line;
    json_array_foreach(a, i, line)
    {
        const char *s = json_string_value(line);
        len += (s ? strlen(s) : 0) + 1;
    }
    char *text = len ? malloc(len) : NULL;
    if (text) {
        char *p = text;
        json_array_foreach(a, i, line)
        {
            const char *s = json_string_value(line) ? json_string_value(line) : "";
            size_t n = strlen(s);
            memcpy(p, s, n);
            p += n;
            *p++ = '\n';
        }
        p[-1] = '\0';
    }
    json_decref(a);
    return text;
}

static icalcomponent *ics_event(const struct ics_calendar *cal, const struct ics_meeting *m)
{
    icalcomponent *ev = icalcomponent_new(ICAL_VEVENT_COMPONENT);
    if (!ev)
        return NULL;
    char uid[256];
    snprintf(uid, sizeof uid, "meeting-%s@%s", m->id, cal->uid_domain);
    icalcomponent_add_property(ev, icalproperty_new_uid(uid));
    icalcomponent_add_property(ev, icalproperty_new_dtstamp(icaltime_from_string(cal->dtstamp)));
    icalcomponent_add_property(ev, icalproperty_new_dtstart(icaltime_from_string(m->dtstart)));
    icalcomponent_add_property(ev, icalproperty_new_dtend(icaltime_from_string(m->dtend)));
    icalcomponent_add_property(
        ev, icalproperty_new_lastmodified(icaltime_from_string(m->last_modified)));
    icalcomponent_add_property(ev, icalproperty_new_sequence(atoi(m->sequence)));
    /* Held and missed meetings took place (or were due to): only a cancellation un-books. */
    icalcomponent_add_property(ev, icalproperty_new_status(strcmp(m->status, "cancelled")
                                                               ? ICAL_STATUS_CONFIRMED
                                                               : ICAL_STATUS_CANCELLED));
    ics_add_text(ev, icalproperty_new_summary, m->title, false);
    ics_add_text(ev, icalproperty_new_categories, m->kind, false);
    char *agenda = ics_agenda_text(m->agenda);
    if (agenda)
        ics_add_text(ev, icalproperty_new_description, agenda, true);
    free(agenda);
    icalproperty *org = m->organizer_email[0] ? ics_address(ICAL_ORGANIZER_PROPERTY,
                                                            m->organizer_name, m->organizer_email)
                                              : NULL;
    if (!org) {
        /* No account manager: the tenant organizes, at its calendar's own domain. */
        size_t n = strlen("calendar@") + strlen(cal->uid_domain) + 1;
        char *email = malloc(n);
        if (email) {
            snprintf(email, n, "calendar@%s", cal->uid_domain);
            org = ics_address(ICAL_ORGANIZER_PROPERTY, cal->tenant_name, email);
        }
        free(email);
    }
    if (org)
        icalcomponent_add_property(ev, org);
    json_t *people = json_loads(m->attendees, 0, NULL);
    size_t i;
    json_t *person;
    json_array_foreach(people, i, person)
    {
        const char *name = json_string_value(json_object_get(person, "name"));
        const char *email = json_string_value(json_object_get(person, "email"));
        icalproperty *att =
            email ? ics_address(ICAL_ATTENDEE_PROPERTY, name ? name : "", email) : NULL;
        if (!att)
            continue; /* a contact without an e-mail address cannot be invited */
        icalproperty_add_parameter(att, icalparameter_new_role(ICAL_ROLE_REQPARTICIPANT));
        icalcomponent_add_property(ev, att);
    }
    json_decref(people);
    return ev;
}

/*
 * "X-WR-CALNAME:" and name as a TEXT value, folded at 75 octets (malloc'd;
 * NULL when memory ran out). libical writes an x-property's value as given
 * but for its backslashes, and a ';' or ',' left bare ends a TEXT value's
 * part for a strict reader; the value is escaped as NAME's is, then folded
 * here between UTF-8 characters, as libical folds its own lines.
 */
static char *ics_x_calname(const char *name)
{
    icalvalue *v = icalvalue_new_text(name);
    char *text = v ? icalvalue_as_ical_string_r(v) : NULL;
    if (v)
        icalvalue_free(v);
    if (!text)
        return NULL;
    static const char key[] = "X-WR-CALNAME:";
    size_t n = strlen(text);
    /* Each fold adds 3 octets ("\r\n ") and continues with at least 1 of 74. */
    char *out = malloc(sizeof key + n + 3 * (n / 70 + 1) + 2);
    if (out) {
        size_t o = strlen(strcpy(out, key)), col = o;
        for (size_t k = 0; k < n; k++) {
            unsigned char c = (unsigned char)text[k];
            size_t len = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 0;
            if (len && col + len > 75) {
                memcpy(out + o, "\r\n ", 3);
                o += 3;
                col = 1;
            }
            out[o++] = (char)c;
            col++;
        }
        memcpy(out + o, "\r\n", 3);
    }
    icalmemory_free_buffer(text);
    return out;
}

char *ics_begin(const struct ics_calendar *cal, struct arena *a)
{
    enum { N_PROPS = 5 };
    icalproperty *props[N_PROPS] = {
        icalproperty_new_prodid("-//Liaison//liaisond " LIAISON_VERSION "//EN"),
        icalproperty_new_version("2.0"),
        icalproperty_new_calscale("GREGORIAN"),
        icalproperty_new_method(ICAL_METHOD_PUBLISH),
        NULL,
    };
    /* RFC 7986's NAME, and the X-WR-CALNAME that readers before it show. */
    char *name = ics_clean(cal->name, false, false);
    props[4] = name ? icalproperty_new_name(name) : NULL;
    char *calname = name ? ics_x_calname(name) : NULL;
    free(name);
    char *lines[N_PROPS] = {0};
    size_t len = strlen("BEGIN:VCALENDAR\r\n") + (calname ? strlen(calname) : 0);
    bool ok = calname != NULL;
    for (int i = 0; i < N_PROPS; i++) {
        lines[i] = props[i] ? icalproperty_as_ical_string_r(props[i]) : NULL;
        ok = ok && lines[i];
        len += lines[i] ? strlen(lines[i]) : 0;
        if (props[i])
            icalproperty_free(props[i]);
    }
    char *out = ok ? arena_alloc(a, len + 1) : NULL;
    if (out) {
        strcpy(out, "BEGIN:VCALENDAR\r\n");
        for (int i = 0; i < N_PROPS; i++)
            strcat(out, lines[i]);
        strcat(out, calname);
    }
    for (int i = 0; i < N_PROPS; i++)
        icalmemory_free_buffer(lines[i]);
    free(calname);
    return out;
}

size_t ics_render(const struct ics_calendar *cal, const struct ics_meeting *m, size_t n,
                  size_t budget, struct arena *a, char **text)
{
    char *buf = NULL;
    size_t len = 0, cap = 0, done = 0;
    bool failed = false;
    for (; done < n; done++) {
        icalcomponent *ev = ics_event(cal, &m[done]);
        char *s = ev ? icalcomponent_as_ical_string_r(ev) : NULL;
        if (ev)
            icalcomponent_free(ev);
        if (!s) {
            failed = true;
            break;
        }
        size_t sl = strlen(s);
        if (done > 0 && len + sl > budget) {
            icalmemory_free_buffer(s);
            break;
        }
        if (len + sl + 1 > cap) {
            size_t grown = 2 * (len + sl + 1);
            char *b = realloc(buf, grown);
            if (!b) {
                icalmemory_free_buffer(s);
                failed = true;
                break;
            }
            buf = b;
            cap = grown;
        }
        memcpy(buf + len, s, sl);
        len += sl;
        icalmemory_free_buffer(s);
    }
    char *out = failed ? NULL : arena_alloc(a, len + 1);
    if (out) {
        if (len)
            memcpy(out, buf, len);
        out[len] = '\0';
    }
    free(buf);
    *text = out;
    return done;
}

size_t ics_pieces(const char *text, size_t max, struct arena *a, char ***pieces)
{
    size_t len = strlen(text), n = 0;
    /* Every piece but the last holds more than max - 77 bytes: this many at most. */
    size_t cap = len / (max - 77) + 1;
    char **out = arena_alloc(a, cap * sizeof *out);
    for (size_t at = 0; out && at < len; n++) {
        size_t take = len - at;
        if (take > max) {
            take = max;
            while (take > 1 && !(text[at + take - 2] == '\r' && text[at + take - 1] == '\n'))
                take--;
            if (take <= 1)
                take = max; /* not lines: cut anyway, bounded */
        }
        if (!(out[n] = arena_alloc(a, take + 1))) {
            out = NULL;
            break;
        }
        memcpy(out[n], text + at, take);
        out[n][take] = '\0';
        at += take;
    }
    *pieces = out;
    return out ? n : 0;
}
