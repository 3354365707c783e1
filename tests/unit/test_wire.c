/*
 * test_wire.c - UTF-8 and bounds checks on decoded messages, JSON names,
 * and the opaque pagination cursor.
 */
#include "../check.h"
#include "page.h"
#include "wire.h"

static void test_utf8(void)
{
    CHECK(wire_utf8_valid("", 0));
    CHECK(wire_utf8_valid("Hà Nội", strlen("Hà Nội")));
    CHECK(wire_utf8_valid("\xf0\x9f\x9a\x9a", 4));  /* U+1F69A */
    CHECK(!wire_utf8_valid("\xc0\xaf", 2));         /* overlong '/' */
    CHECK(!wire_utf8_valid("\xe0\x80\xaf", 3));     /* overlong */
    CHECK(!wire_utf8_valid("\xed\xa0\x80", 3));     /* surrogate */
    CHECK(!wire_utf8_valid("\xf4\x90\x80\x80", 4)); /* above U+10FFFF */
    CHECK(!wire_utf8_valid("\xe2\x82", 2));         /* truncated */
    CHECK(!wire_utf8_valid("\x80", 1));             /* lone continuation */
    CHECK(!wire_utf8_valid("\xff", 1));
}

static void test_validate_bounds(void)
{
    char field[128];
    const char *why;
    Liaison__V1__ListMigrationsRequest req = LIAISON__V1__LIST_MIGRATIONS_REQUEST__INIT;
    Liaison__V1__PageRequest page = LIAISON__V1__PAGE_REQUEST__INIT;
    req.page = &page;
    CHECK(wire_validate(&req.base, field, sizeof field, &why));
    char *longstr = malloc(WIRE_MAX_STRING + 2);
    memset(longstr, 'a', WIRE_MAX_STRING + 1);
    longstr[WIRE_MAX_STRING + 1] = '\0';
    page.cursor = longstr;
    CHECK(!wire_validate(&req.base, field, sizeof field, &why));
    CHECK_EQ_STR(field, "page.cursor");
    CHECK_EQ_STR(why, "longer than 4096 bytes of UTF-8");
    longstr[WIRE_MAX_STRING] = '\0'; /* exactly the bound is fine */
    CHECK(wire_validate(&req.base, field, sizeof field, &why));
    free(longstr);

    Liaison__V1__Status st = LIAISON__V1__STATUS__INIT;
    Liaison__V1__FieldViolation v = LIAISON__V1__FIELD_VIOLATION__INIT;
    Liaison__V1__FieldViolation **many = calloc(WIRE_MAX_REPEATED + 1, sizeof *many);
    for (int i = 0; i <= WIRE_MAX_REPEATED; i++)
        many[i] = &v;
    st.violations = many;
    st.n_violations = WIRE_MAX_REPEATED + 1;
    CHECK(!wire_validate(&st.base, field, sizeof field, &why));
    CHECK_EQ_STR(field, "violations");
    st.n_violations = 2;
    v.description = "\xc3\x28";
    CHECK(!wire_validate(&st.base, field, sizeof field, &why));
    CHECK_EQ_STR(field, "violations.description");
    free(many);
}

/* Free text (a meeting note) may be longer than a name, up to WIRE_MAX_TEXT. */
static void test_validate_text_fields(void)
{
    char field[128];
    const char *why;
    char *text = malloc(WIRE_MAX_TEXT + 2);
    memset(text, 'a', WIRE_MAX_TEXT + 1);
    text[WIRE_MAX_TEXT + 1] = '\0';
    Liaison__V1__AddMeetingNoteRequest note = LIAISON__V1__ADD_MEETING_NOTE_REQUEST__INIT;
    note.body = text;
    CHECK(!wire_validate(&note.base, field, sizeof field, &why));
    CHECK_EQ_STR(field, "body");
    CHECK_EQ_STR(why, "longer than 409600 bytes of UTF-8");
    text[WIRE_MAX_TEXT] = '\0';
    CHECK(wire_validate(&note.base, field, sizeof field, &why));
    /* Fields limited in characters, not bytes: 20,000 Vietnamese ones are 60,000 bytes. */
    char *viet = malloc(20000 * 3 + 1);
    for (int i = 0; i < 20000; i++)
        memcpy(viet + 3 * i, "\xe1\xbb\x87", 3); /* U+1EC7 ệ */
    viet[20000 * 3] = '\0';
    Liaison__V1__SaveReportRequest save = LIAISON__V1__SAVE_REPORT_REQUEST__INIT;
    save.market_intelligence = viet;
    CHECK(wire_validate(&save.base, field, sizeof field, &why));
    Liaison__V1__CreateUpstreamUpdateRequest upd =
        LIAISON__V1__CREATE_UPSTREAM_UPDATE_REQUEST__INIT;
    upd.body = viet;
    CHECK(wire_validate(&upd.base, field, sizeof field, &why));
    /* ...and the answers that carry them back, which the client checks as well. */
    Liaison__V1__UpstreamUpdate shown = LIAISON__V1__UPSTREAM_UPDATE__INIT;
    shown.body = viet;
    CHECK(wire_validate(&shown.base, field, sizeof field, &why));
    Liaison__V1__MonthlyReport report = LIAISON__V1__MONTHLY_REPORT__INIT;
    report.market_intelligence = viet;
    CHECK(wire_validate(&report.base, field, sizeof field, &why));
    viet[4000 * 3] = '\0';
    Liaison__V1__DecidePlanRequest decide = LIAISON__V1__DECIDE_PLAN_REQUEST__INIT;
    decide.comment = viet;
    CHECK(wire_validate(&decide.base, field, sizeof field, &why));
    free(viet);
    /* Its other strings, and other messages' strings, keep the short bound. */
    text[WIRE_MAX_STRING + 1] = '\0';
    note.language = text;
    CHECK(!wire_validate(&note.base, field, sizeof field, &why));
    CHECK_EQ_STR(field, "language");
    Liaison__V1__ListMigrationsRequest req = LIAISON__V1__LIST_MIGRATIONS_REQUEST__INIT;
    Liaison__V1__PageRequest page = LIAISON__V1__PAGE_REQUEST__INIT;
    page.cursor = text;
    req.page = &page;
    CHECK(!wire_validate(&req.base, field, sizeof field, &why));
    free(text);
}

/* Packs m into a fresh buffer of *n bytes. */
static uint8_t *pack(const ProtobufCMessage *m, size_t *n)
{
    *n = protobuf_c_message_get_packed_size(m);
    uint8_t *buf = malloc(*n ? *n : 1);
    CHECK(buf != NULL);
    protobuf_c_message_pack(m, buf);
    return buf;
}

/*
 * A string with U+0000 is refused with its JSON path, at the top and in a
 * nested message; protobuf-c alone would hand over the part before the NUL.
 */
static void test_decode_nul(void)
{
    struct arena a;
    arena_init(&a, 1 << 20);
    char field[128];
    const char *why = NULL;
    /* "AB\0!!" packed by hand: protobuf-c cannot pack a string with a NUL. */
    static const uint8_t code[] = {0x0a, 0x05, 'A', 'B', 0x00, '!', '!', 0x12, 0x01, 'x'};
    CHECK(wire_decode(&liaison__v1__create_product_line_request__descriptor, code, sizeof code, &a,
                      field, sizeof field, &why) == NULL);
    CHECK_EQ_STR(field, "code");
    CHECK(strstr(why, "NUL") != NULL);

    static const uint8_t login[] = {0x0a, 0x06, 'a', 'c', 'm', 'e',  0x00, 'j',
                                    0x12, 0x03, 'a', '@', 'b', 0x1a, 0x01, 'p'};
    CHECK(wire_decode(&liaison__v1__login_request__descriptor, login, sizeof login, &a, field,
                      sizeof field, &why) == NULL);
    CHECK_EQ_STR(field, "tenant");

    /* Nested: ListMigrationsRequest.page.cursor, after a clean page_size. */
    static const uint8_t nested[] = {0x0a, 0x06, 0x08, 0x05, 0x12, 0x02, 'a', 0x00};
    CHECK(wire_decode(&liaison__v1__list_migrations_request__descriptor, nested, sizeof nested, &a,
                      field, sizeof field, &why) == NULL);
    CHECK_EQ_STR(field, "page.cursor");

    /* A repeated message: Status.violations[1].description. */
    static const uint8_t st[] = {0x1a, 0x03, 0x0a, 0x01, 'f',  0x1a, 0x05, 0x0a, 0x01,
                                 'g',  0x12, 0x00, 0x1a, 0x03, 0x12, 0x01, 0x00};
    CHECK(wire_decode(&liaison__v1__status__descriptor, st, sizeof st, &a, field, sizeof field,
                      &why) == NULL);
    CHECK_EQ_STR(field, "violations.description");

    /* Bytes may hold NUL; so may unknown fields. The same strings without it pass. */
    Liaison__V1__Frame f = LIAISON__V1__FRAME__INIT;
    uint8_t payload[] = {0x00, 0x01};
    f.request_id = 1;
    f.method = "Ping";
    f.payload.data = payload;
    f.payload.len = sizeof payload;
    size_t n;
    uint8_t *buf = pack(&f.base, &n);
    CHECK(wire_decode(&liaison__v1__frame__descriptor, buf, n, &a, field, sizeof field, &why));
    free(buf);
    static const uint8_t unknown[] = {0x0a, 0x02, 'A', 'B', 0xfa, 0x01, 0x02, 'a', 0x00};
    Liaison__V1__CreateProductLineRequest *ok =
        (Liaison__V1__CreateProductLineRequest *)wire_decode(
            &liaison__v1__create_product_line_request__descriptor, unknown, sizeof unknown, &a,
            field, sizeof field, &why);
    CHECK(ok != NULL);
    CHECK_EQ_STR(ok->code, "AB");
    arena_reset(&a);
}

static void test_json_names(void)
{
    char out[64];
    wire_json_name("page_size", out, sizeof out);
    CHECK_EQ_STR(out, "pageSize");
    wire_json_name("request_id", out, sizeof out);
    CHECK_EQ_STR(out, "requestId");
    wire_json_name("echo", out, sizeof out);
    CHECK_EQ_STR(out, "echo");
}

static void test_methods(void)
{
    CHECK(wire_method("Hello") != NULL);
    CHECK(wire_method("GetHealth") != NULL);
    CHECK(wire_method("gethealth") == NULL);
    CHECK_EQ_STR(wire_code_name(3), "INVALID_ARGUMENT");
    CHECK_EQ_STR(wire_code_name(99), "UNKNOWN");
}

static void test_cursor(void)
{
    struct arena a;
    arena_init(&a, 0);
    char key[64];
    for (int i = 0; i < 3; i++) {
        const char *keys[] = {"1", "12345", "a:b/c+d"};
        char *c = page_cursor_encode(&a, "mig", "7", keys[i]);
        CHECK(c != NULL);
        CHECK(strspn(c, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
              strlen(c));
        CHECK_EQ_INT(page_cursor_decode(c, "mig", "7", key, sizeof key), 0);
        CHECK_EQ_STR(key, keys[i]);
        CHECK_EQ_INT(page_cursor_decode(c, "other", "7", key, sizeof key), -1);
        /* bound to the filters it was made with */
        CHECK_EQ_INT(page_cursor_decode(c, "mig", "8", key, sizeof key), -1);
        CHECK_EQ_INT(page_cursor_decode(c, "mig", "", key, sizeof key), -1);
    }
    CHECK_EQ_INT(page_cursor_decode("", "mig", "", key, sizeof key), 0);
    CHECK_EQ_STR(key, "");
    /* a cursor with an empty key is none the server makes: forged, it started the list over */
    char *empty = page_cursor_encode(&a, "mig", "7", "");
    CHECK(empty != NULL);
    CHECK_EQ_INT(page_cursor_decode(empty, "mig", "7", key, sizeof key), -1);
    CHECK_EQ_INT(page_cursor_decode("!!!", "mig", "", key, sizeof key), -1);
    CHECK_EQ_INT(page_cursor_decode("a", "mig", "", key, sizeof key), -1);
    /* a forged cursor's id must fit a bigint, or the database answers it */
    Liaison__V1__PageRequest page = LIAISON__V1__PAGE_REQUEST__INIT;
    const char *ids[] = {"9223372036854775807",
                         "9223372036854775808",
                         "9999999999999999999",
                         "18446744073709551615",
                         "0",
                         "-1",
                         "1e5",
                         ""};
    const int want[] = {0, -1, -1, -1, 0, -1, -1, 0};
    for (int i = 0; i < 8; i++) {
        page.cursor = ids[i][0] ? page_cursor_encode(&a, "mig", "7", ids[i]) : "";
        CHECK(page.cursor != NULL);
        CHECK_EQ_INT(page_after_id(&page, "mig", "7", key, sizeof key), want[i]);
    }
    /* a time key: microseconds and an id, both refused unless numbers in range */
    struct {
        const char *key, *at, *id;
    } times[] = {
        {"1795478400000000:42", "2026-11-24T00:00:00.000000Z", "42"},
        {"1795478400123456:7", "2026-11-24T00:00:00.123456Z", "7"},
        {"-1:1", "1969-12-31T23:59:59.999999Z", "1"},
        {"-62135596800000000:1", "0001-01-01T00:00:00.000000Z", "1"},
        {"253402300799999999:9223372036854775807", "9999-12-31T23:59:59.999999Z",
         "9223372036854775807"},
        {"-62135596800000001:1", NULL, NULL},
        {"253402300800000000:1", NULL, NULL},
        {"999999999999999999999:1", NULL, NULL},
        {"1795478400000000:9223372036854775808", NULL, NULL},
        {"1795478400000000", NULL, NULL},
        {"1795478400000000:", NULL, NULL},
        {":1", NULL, NULL},
        {"-:1", NULL, NULL},
        {"+5:1", NULL, NULL},
        {" 5:1", NULL, NULL},
        {"5:1:2", NULL, NULL},
        {"1e9:1", NULL, NULL},
        {"5:-1", NULL, NULL},
        {"'; DROP TABLE meetings; --:1", NULL, NULL},
    };
    char at[40];
    for (size_t i = 0; i < sizeof times / sizeof times[0]; i++) {
        page.cursor = page_cursor_encode(&a, "mtg", "7", times[i].key);
        CHECK(page.cursor != NULL);
        int rc = page_after_time_id(&page, "mtg", "7", at, sizeof at, key, sizeof key);
        CHECK_EQ_INT(rc, times[i].at ? 0 : -1);
        if (times[i].at && rc == 0) {
            CHECK_EQ_STR(at, times[i].at);
            CHECK_EQ_STR(key, times[i].id);
        }
    }
    page.cursor = "";
    CHECK_EQ_INT(page_after_time_id(&page, "mtg", "7", at, sizeof at, key, sizeof key), 0);
    CHECK_EQ_STR(at, "-infinity");
    CHECK_EQ_STR(key, "0");
    /* an id cursor of the same list is no time cursor */
    page.cursor = page_cursor_encode(&a, "mtg", "7", "42");
    CHECK_EQ_INT(page_after_time_id(&page, "mtg", "7", at, sizeof at, key, sizeof key), -1);
    CHECK(page_id_digits("9223372036854775807", 19));
    CHECK(!page_id_digits("9223372036854775808", 19));
    CHECK(page_id_digits("99999999999999999", 17));
    CHECK(!page_id_digits("", 0));
    /* no value of one filter can pass for two */
    const char *one[] = {"a;1:b"}, *two[] = {"a", "b"};
    CHECK(strcmp(page_filters(&a, 1, one), page_filters(&a, 2, two)) != 0);
    CHECK(!a.failed);
    arena_reset(&a);
    /* a failed allocation is remembered until the arena is reset */
    arena_init(&a, 64);
    CHECK(arena_alloc(&a, 48) != NULL);
    CHECK(!a.failed);
    CHECK(arena_alloc(&a, 32) == NULL);
    CHECK(a.failed);
    CHECK(arena_alloc(&a, 8) != NULL);
    CHECK(a.failed);
    arena_reset(&a);
    CHECK(!a.failed);
    Liaison__V1__PageRequest p = LIAISON__V1__PAGE_REQUEST__INIT;
    CHECK_EQ_INT(page_size(NULL), PAGE_DEFAULT_SIZE);
    CHECK_EQ_INT(page_size(&p), PAGE_DEFAULT_SIZE);
    p.page_size = 7;
    CHECK_EQ_INT(page_size(&p), 7);
    p.page_size = 100000;
    CHECK_EQ_INT(page_size(&p), PAGE_MAX_SIZE);
}

/* What text a request may hold, and where the server says the field is. */
static void test_text_clean(void)
{
    CHECK(!wire_text_refused("Nguyễn Văn An\tline one\r\nline two"));
    CHECK(!wire_text_refused("\xd9\x85 \xe2\x80\x8f(Dubai)")); /* a right-to-left mark */
    CHECK(wire_text_refused("a\x1b[31m"));
    CHECK(wire_text_refused("a\x7f"));
    CHECK(wire_text_refused("a\xc2\x85"));                   /* C1 NEL */
    CHECK(wire_text_refused("Invoice \xe2\x80\xaegpj.exe")); /* U+202E */
    CHECK(wire_text_refused("x \xe2\x81\xa7y"));             /* U+2067 */
    CHECK(!wire_text_refused("\xe2\x80\xa9"));               /* U+2029, not an override */
    CHECK(wire_text_refused("a\xef\xbf\xbe"));               /* U+FFFE */
    CHECK(wire_text_refused("\xef\xbf\xbf"));                /* U+FFFF */
    CHECK(wire_text_refused("\xef\xb7\x90"));                /* U+FDD0 */
    CHECK(wire_text_refused("\xf4\x8f\xbf\xbf"));            /* U+10FFFF */
    CHECK(wire_text_refused("\xf0\x9f\xbf\xbe"));            /* U+1FFFE */
    CHECK(!wire_text_refused("\xef\xbf\xbd"));               /* U+FFFD, a replacement */
    CHECK(!wire_text_refused("\xf0\x9f\x98\x80"));           /* U+1F600, an emoji */
    CHECK(!wire_text_refused("\xef\xb7\xb0"));               /* U+FDF0, an Arabic ligature */

    char field[128];
    const char *why = NULL;
    Liaison__V1__CreateContactRequest req = LIAISON__V1__CREATE_CONTACT_REQUEST__INIT;
    Liaison__V1__ContactFields f = LIAISON__V1__CONTACT_FIELDS__INIT;
    req.fields = &f;
    f.name = "Lê Thị Hoa";
    f.time_zone = "Asia/Ho_Chi_Minh";
    CHECK(wire_text_clean(&req.base, field, sizeof field, &why));
    CHECK(field[0] == '\0');
    f.time_zone = "Asia/\x1b[2J";
    CHECK(!wire_text_clean(&req.base, field, sizeof field, &why));
    CHECK(!strcmp(field, "fields.timeZone"));
    CHECK(why && strstr(why, "control characters"));

    /* A password is a secret taken as it is. */
    Liaison__V1__LoginRequest login = LIAISON__V1__LOGIN_REQUEST__INIT;
    login.tenant = "demo";
    login.password = "p\x01ss";
    CHECK(wire_text_clean(&login.base, field, sizeof field, &why));
}

int main(void)
{
    RUN(test_utf8);
    RUN(test_validate_bounds);
    RUN(test_validate_text_fields);
    RUN(test_text_clean);
    RUN(test_decode_nul);
    RUN(test_json_names);
    RUN(test_methods);
    RUN(test_cursor);
    return 0;
}
