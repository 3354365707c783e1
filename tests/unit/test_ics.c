/*
 * test_ics.c - ics.c's text, parsed back with libical's own parser:
 * Vietnamese and Japanese survive escaping and folding, every line is at
 * most 75 octets and valid UTF-8 on its own (folds fall between
 * characters), the properties a calendar application reads are there, and
 * what cannot go into iCalendar as it is (control characters, quotes in a
 * name, an address that is no mailto: URI) is cleaned or left out. Also
 * the budget: rendering stops before the meeting that would pass it.
 */
#include <stdbool.h>

#include <libical/ical.h>

#include "../check.h"
#include "ics.h"

static const struct ics_calendar cal = {"Công ty Sài Gòn 株式会社", "acme.liaison",
                                        "20260301T120000Z", "Acme \"Tools\" GmbH"};

/* A long title, mixing Vietnamese (combining marks) and Japanese (3-byte) text. */
#define TITLE                                                                                                                   \
    "Họp định kỳ hàng tuần với Nhà phân phối Sài Gòn — 週次定例会議：販売代理店との在庫と" \
    "販売計画の確認; a, b \\ c"

static struct ics_meeting meeting(const char *id, const char *status)
{
    return (struct ics_meeting){
        .id = id,
        .sequence = "3",
        .status = status,
        .kind = "weekly",
        .title = TITLE,
        .dtstart = "20260302T020000Z",
        .dtend = "20260302T030000Z",
        .last_modified = "20260301T100000Z",
        .agenda = "[\"Tồn kho và đơn hàng\", \"在庫の確認\", \"bell\\u0007 here\"]",
        .attendees = "[{\"name\": \"Nguyễn Văn \\\"An\\\"\", \"email\": \"an@saigon.example\"},"
                     " {\"name\": \"No Mail\", \"email\": \"\"},"
                     " {\"name\": \"Bad\", \"email\": \"bad address@x\"},"
                     " {\"name\": \"田中 太郎\", \"email\": \"tanaka@acme.example\"}]",
        .organizer_name = "Bảo Trần",
        .organizer_email = "bao@acme.example",
    };
}

/* Whether s[0..n) is well-formed UTF-8. */
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

/* Every CRLF-ended line of text: at most 75 octets, UTF-8 on its own, no bare CR or LF. */
static void check_lines(const char *text)
{
    const char *p = text;
    int lines = 0;
    while (*p) {
        const char *crlf = strstr(p, "\r\n");
        CHECK(crlf);
        size_t n = (size_t)(crlf - p);
        CHECK(n <= 75);
        CHECK(utf8_ok((const unsigned char *)p, n));
        CHECK(!memchr(p, '\n', n) && !memchr(p, '\r', n));
        p = crlf + 2;
        lines++;
    }
    CHECK(lines > 10);
}

static void test_round_trip(void)
{
    struct arena a;
    arena_init(&a, 1 << 20);
    struct ics_meeting m[2] = {meeting("41", "held"), meeting("42", "cancelled")};
    char *events = NULL;
    CHECK_EQ_INT(ics_render(&cal, m, 2, 1 << 20, &a, &events), 2);
    char *head = ics_begin(&cal, &a);
    CHECK(events && head);
    size_t n = strlen(head) + strlen(events) + strlen(ics_end) + 1;
    char *text = malloc(n);
    CHECK(text);
    snprintf(text, n, "%s%s%s", head, events, ics_end);
    check_lines(text);
    CHECK(strstr(text, "METHOD:PUBLISH\r\n") && strstr(text, "VERSION:2.0\r\n"));

    icalcomponent *c = icalparser_parse_string(text);
    CHECK(c && icalcomponent_isa(c) == ICAL_VCALENDAR_COMPONENT);
    CHECK_EQ_INT(icalcomponent_count_errors(c), 0);
    CHECK_EQ_INT(icalcomponent_get_method(c), ICAL_METHOD_PUBLISH);
    icalproperty *x = icalcomponent_get_first_property(c, ICAL_X_PROPERTY);
    CHECK(x);
    CHECK_EQ_STR(icalproperty_get_x(x), "Công ty Sài Gòn 株式会社");
    int seen = 0;
    for (icalcomponent *ev = icalcomponent_get_first_component(c, ICAL_VEVENT_COMPONENT); ev;
         ev = icalcomponent_get_next_component(c, ICAL_VEVENT_COMPONENT), seen++) {
        CHECK_EQ_STR(icalcomponent_get_uid(ev),
                     seen ? "meeting-42@acme.liaison" : "meeting-41@acme.liaison");
        CHECK_EQ_STR(icalcomponent_get_summary(ev), TITLE);
        CHECK_EQ_STR(icalcomponent_get_description(ev),
                     "Tồn kho và đơn hàng\n在庫の確認\nbell  here");
        CHECK_EQ_INT(icalcomponent_get_sequence(ev), 3);
        CHECK_EQ_INT(icalcomponent_get_status(ev),
                     seen ? ICAL_STATUS_CANCELLED : ICAL_STATUS_CONFIRMED);
        struct icaltimetype start = icalcomponent_get_dtstart(ev);
        CHECK(icaltime_is_utc(start));
        CHECK_EQ_INT(icaltime_as_timet(start), 1772416800); /* 2026-03-02T02:00:00Z */
        CHECK_EQ_INT(icaltime_as_timet(icalcomponent_get_dtend(ev)), 1772416800 + 3600);
        icalproperty *org = icalcomponent_get_first_property(ev, ICAL_ORGANIZER_PROPERTY);
        CHECK(org);
        CHECK_EQ_STR(icalproperty_get_organizer(org), "mailto:bao@acme.example");
        CHECK_EQ_STR(icalproperty_get_parameter_as_string(org, "CN"), "Bảo Trần");
        const char *want[][2] = {{"mailto:an@saigon.example", "Nguyễn Văn 'An'"},
                                 {"mailto:tanaka@acme.example", "田中 太郎"}};
        int k = 0;
        for (icalproperty *att = icalcomponent_get_first_property(ev, ICAL_ATTENDEE_PROPERTY); att;
             att = icalcomponent_get_next_property(ev, ICAL_ATTENDEE_PROPERTY), k++) {
            CHECK(k < 2);
            CHECK_EQ_STR(icalproperty_get_attendee(att), want[k][0]);
            CHECK_EQ_STR(icalproperty_get_parameter_as_string(att, "CN"), want[k][1]);
        }
        CHECK_EQ_INT(k, 2);
    }
    CHECK_EQ_INT(seen, 2);
    icalcomponent_free(c);
    free(text);
    arena_reset(&a);
}

static void test_tenant_organizes_without_manager(void)
{
    struct arena a;
    arena_init(&a, 1 << 20);
    struct ics_meeting m = meeting("7", "scheduled");
    m.organizer_name = m.organizer_email = "";
    char *events = NULL;
    CHECK_EQ_INT(ics_render(&cal, &m, 1, 1 << 20, &a, &events), 1);
    icalcomponent *ev = icalparser_parse_string(events);
    CHECK(ev);
    icalproperty *org = icalcomponent_get_first_property(ev, ICAL_ORGANIZER_PROPERTY);
    CHECK(org);
    CHECK_EQ_STR(icalproperty_get_organizer(org), "mailto:calendar@acme.liaison");
    CHECK_EQ_STR(icalproperty_get_parameter_as_string(org, "CN"), "Acme 'Tools' GmbH");
    icalcomponent_free(ev);
    arena_reset(&a);
}

static void test_budget(void)
{
    struct arena a;
    arena_init(&a, 1 << 20);
    struct ics_meeting m[3] = {meeting("1", "scheduled"), meeting("2", "scheduled"),
                               meeting("3", "scheduled")};
    char *one = NULL, *some = NULL;
    CHECK_EQ_INT(ics_render(&cal, m, 1, 1 << 20, &a, &one), 1);
    size_t each = strlen(one);
    /* Room for two and a half: two. The first goes whatever the budget. */
    CHECK_EQ_INT(ics_render(&cal, m, 3, each * 5 / 2, &a, &some), 2);
    CHECK_EQ_INT(strlen(some), 2 * each);
    CHECK_EQ_INT(ics_render(&cal, m, 3, 1, &a, &some), 1);
    CHECK_EQ_INT(ics_render(&cal, m, 0, 1, &a, &some), 0);
    CHECK_EQ_STR(some, "");
    arena_reset(&a);
}

static void test_pieces(void)
{
    struct arena a;
    arena_init(&a, 1 << 20);
    char text[8192] = "";
    for (int i = 0; i < 50; i++)
        strcat(text, "DESCRIPTION:Tồn kho và đơn hàng 在庫の確認 line of some length\r\n");
    char **pieces = NULL;
    size_t n = ics_pieces(text, 200, &a, &pieces);
    CHECK(pieces && n > 1);
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(pieces[i]);
        CHECK(len <= 200 && len >= 2);
        CHECK(!strcmp(pieces[i] + len - 2, "\r\n"));
        CHECK(!strncmp(text + total, pieces[i], len));
        total += len;
    }
    CHECK_EQ_INT(total, strlen(text));
    CHECK_EQ_INT(ics_pieces("", 200, &a, &pieces), 0);
    arena_reset(&a);
}

int main(void)
{
    CHECK_EQ_INT(ics_init(), 0);
    RUN(test_round_trip);
    RUN(test_tenant_organizes_without_manager);
    RUN(test_budget);
    RUN(test_pieces);
    return 0;
}
