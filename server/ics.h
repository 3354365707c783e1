/*
 * ics.h - meetings as RFC 5545 text, rendered with libical: the calendar's
 * opening lines, one VEVENT per meeting, its closing line. Pure functions
 * of their arguments, safe on any thread once ics_init() has run, so that
 * rendering runs on libuv's thread pool (request_work), never on a loop.
 */
#ifndef LIAISON_ICS_H
#define LIAISON_ICS_H

#include <stddef.h>

#include "arena.h"

/* What every event of one calendar shares. */
struct ics_calendar {
    const char *name;        /* X-WR-CALNAME: the distributor's or the user's name */
    const char *uid_domain;  /* UIDs are meeting-<id>@<uid_domain> ("acme.liaison") */
    const char *dtstamp;     /* when the export was made, "20260301T120000Z" */
    const char *tenant_name; /* the organizer of meetings without an account manager */
};

/*
 * One meeting, as the calendar statement selects it: times as
 * "YYYYMMDDTHHMMSSZ" (UTC), agenda and attendees as JSON text (an array of
 * strings; an array of {"name", "email"}).
 */
struct ics_meeting {
    const char *id;
    const char *sequence;
    const char *status; /* scheduled, held, missed, cancelled */
    const char *kind;
    const char *title;
    const char *dtstart, *dtend, *last_modified;
    const char *agenda;
    const char *attendees;
    const char *organizer_name, *organizer_email; /* "" without an account manager */
};

/*
 * Makes libical's lazily built state (its UTC zone) before any thread
 * renders. Call once, on the main thread. Returns 0, or -1.
 */
int ics_init(void);

/*
 * The calendar's opening lines (BEGIN:VCALENDAR, PRODID, VERSION,
 * CALSCALE, METHOD:PUBLISH, X-WR-CALNAME) in a, NUL-terminated; NULL when
 * memory ran out.
 */
char *ics_begin(const struct ics_calendar *cal, struct arena *a);

/* The calendar's closing line. */
extern const char ics_end[];

/*
 * Renders meetings m[0..n) as VEVENTs into one NUL-terminated string in a,
 * stopping before the meeting that would take the text past budget bytes
 * (the first is rendered whatever its size). *text gets the string, or
 * NULL when memory ran out. Returns how many meetings it holds.
 */
size_t ics_render(const struct ics_calendar *cal, const struct ics_meeting *m, size_t n,
                  size_t budget, struct arena *a, char **text);

/*
 * Cuts text (CRLF-ended lines, none longer than 75 octets) into pieces of
 * at most max bytes (at least 80), each ending after a line's CRLF, copied
 * into a. *pieces gets the array, or NULL when memory ran out. Returns
 * how many pieces there are.
 */
size_t ics_pieces(const char *text, size_t max, struct arena *a, char ***pieces);

#endif
