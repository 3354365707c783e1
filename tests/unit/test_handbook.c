/*
 * test_handbook.c - handbook.c's rendering from the database's JSON: the
 * Markdown and the HTML name the territory, coverage, commitments,
 * reporting duties, competing-line policy, cadence, both sides' time
 * zones, the escalation ladder and the documents' languages; user text
 * (with <script> in it, Vietnamese and Japanese) is escaped for each
 * format and otherwise kept byte for byte; the HTML is a standalone page
 * with a print stylesheet and two charts a product line and one of health; a distributor without a
 * charter or data gets words, not gaps; the same data gives the same
 * bytes; the scorecard shows the score and its reasons.
 */
#include <stdbool.h>
#include <string.h>

#include <jansson.h>

#include "../check.h"
#include "handbook.h"

#define HOSTILE "</p><script>alert(1)</script>"

static const char full[] =
    "{\"distributor\": {\"id\": 7, \"name\": \"Sài Gòn Auto " HOSTILE "\", \"country\": \"VN\","
    " \"languages\": [\"vi\"], \"status\": \"active\", \"tenant_name\": \"Müller Teile 株式会社\","
    " \"generated_on\": \"2026-11-30\","
    " \"distributor_time\": {\"time_zone\": \"Asia/Ho_Chi_Minh\", \"business_hours_start\":"
    " \"08:00\", \"business_hours_end\": \"17:00\", \"work_days\": [1,2,3,4,5,6]},"
    " \"exporter_time\": {\"time_zone\": \"Europe/Berlin\", \"business_hours_start\": \"09:00\","
    " \"business_hours_end\": \"17:00\", \"work_days\": [1,2,3,4,5]},"
    " \"account_manager\": {\"name\": \"Jana Müller\", \"email\": \"jana@mueller.example\"},"
    " \"contacts\": [{\"name\": \"Trần Thị Bình\", \"role\": \"purchasing manager\","
    " \"email\": \"binh@saigon.example\", \"phone\": \"+84 28 1234 5678\", \"messaging\":"
    " \"Zalo: binh.tran | " HOSTILE "\", \"language\": \"vi\"}, {\"name\": \"田中 太郎\","
    " \"role\": \"\", \"email\": \"\", \"phone\": \"\", \"messaging\": \"\", \"language\": "
    "\"ja\"}]},"
    " \"charter\": {\"id\": 3, \"version\": 2, \"status\": \"active\", \"signed_on\":"
    " \"2026-01-15\", \"signatories\": [\"Nguyễn Văn An\", \"田中 太郎\"], \"full_coverage\":"
    " false, \"covered_lines\": [\"BRK Phanh *bold*\"], \"competing_allowed\": false,"
    " \"report_due_day\": 12, \"report_sections\": [\"sales_by_line\", \"inventory_on_hand\"],"
    " \"grants\": [{\"region\": \"VN-SG\", \"all_lines\": false, \"lines\": [\"BRK Phanh *bold*\"],"
    " \"exclusive\": true, \"starts_on\": \"2026-01-01\", \"ends_on\": null}],"
    " \"carve_outs\": [{\"account_name\": \"VinFast <b>\", \"region\": \"VN-HN\", \"note\":"
    " \"served directly\"}],"
    " \"commitments\": [{\"line\": \"BRK Phanh *bold*\", \"moq\": 50, \"buffer_unit\": \"weeks\","
    " \"buffer_amount\": 8, \"financing\": \"shared\", \"payment_terms_days\": 60}],"
    " \"competing_lines\": [{\"competitor\": \"Rival | Co\", \"line\": \"Bremsen & Öl &lt; "
    "R&D\"}]},"
    " \"series\": [{\"kind\": \"weekly\", \"title\": \"Họp tuần 週次 " HOSTILE "\","
    " \"duration_minutes\": 30, \"starts_on\": \"2026-02-01\", \"ends_on\": null, \"status\":"
    " \"active\"}, {\"kind\": \"onboarding\", \"title\": \"Khởi động\", \"duration_minutes\": 30,"
    " \"starts_on\": \"2026-01-05\", \"ends_on\": \"2026-02-04\", \"status\": \"active\"}],"
    " \"fairness\": {\"meetings\": 12, \"exporter\": {\"outside_count\": 2, \"outside_minutes\":"
    " 60}, \"distributor\": {\"outside_count\": 3, \"outside_minutes\": 90}},"
    " \"escalation\": [{\"severity\": \"high\", \"source\": \"distributor\", \"visit_hours\": 72,"
    " \"ladder\": [{\"contact_name\": \"Trần Thị Bình\", \"contact_role\": \"purchasing"
    " manager\", \"method\": \"phone\", \"response_hours\": 24}, {\"contact_name\": \"\","
    " \"contact_role\": \"general manager\", \"method\": \"email\", \"response_hours\": 48}]}],"
    " \"languages\": [\"vi\", \"ja\"],"
    " \"documents\": [{\"title\": \"Bảng giá 価格表\", \"kind\": \"price_sheet\", \"language\":"
    " \"en\", \"latest_version\": 3, \"variants\": [{\"language\": \"vi\", \"translated_from\":"
    " 2}]}],"
    " \"notes\": {\"held\": 10, \"on_time\": 7, \"late\": 2, \"missing\": 1, \"missed\": 3,"
    " \"open_actions\": 4,"
    " \"overdue_actions\": 1},"
    " \"charts\": {\"months\": [\"2026-09\", \"2026-10\"], \"lines_more\": 0, \"lines\": ["
    " {\"code\": \"BRK <i>\", \"name\": \"Phanh *bold*\", \"buffer_unit\": \"weeks\","
    " \"buffer_amount\": 8, \"months\": [{\"period\": \"2026-09\", \"units\": 120,"
    " \"target\": 100, \"weeks\": 6.6}, {\"period\": \"2026-10\", \"units\": null,"
    " \"target\": 100, \"weeks\": null}]},"
    " {\"code\": \"FLT\", \"name\": \"\", \"buffer_unit\": \"units\", \"buffer_amount\": 2000,"
    " \"months\": [{\"period\": \"2026-09\", \"units\": 300, \"target\": null,"
    " \"weeks\": 37.1, \"on_hand\": 2500}, {\"period\": \"2026-10\", \"units\": 0,"
    " \"target\": null, \"weeks\": null}]}],"
    " \"cover_lines\": [{\"period\": "
    "\"2026-09\", \"line\": \"BRK <i>\","
    " \"on_hand\": 100, \"weeks\": 6.56, \"buffer_unit\": \"weeks\", \"buffer_amount\": 8, "
    "\"below\":"
    " true}, {\"period\": \"2026-09\", \"line\": \"FLT\", \"on_hand\": 2500, \"weeks\": null,"
    " \"buffer_unit\": \"units\", \"buffer_amount\": 2000, \"below\": false},"
    " {\"period\": \"2026-09\", \"line\": \"OIL\", \"on_hand\": null, \"weeks\": null,"
    " \"buffer_unit\": \"units\", \"buffer_amount\": 50, \"below\": true}],"
    " \"health\": [{\"at\": \"2026-10-01\", \"score\": 71}],"
    " \"health_now\": {\"score\": 71, \"computed_at\": \"2026-10-01T00:00:00.000Z\", \"reasons\":"
    " [{\"factor\": \"report_timeliness " HOSTILE "\", \"points\": 12, \"detail\": \"2 late"
    " báo cáo\"}]}}}";

static json_t *load(const char *text)
{
    json_error_t err;
    json_t *j = json_loads(text, 0, &err);
    if (!j)
        fprintf(stderr, "bad test JSON: %s at %d\n", err.text, err.position);
    CHECK(j != NULL);
    return j;
}

static int count(const char *s, const char *what)
{
    int n = 0;
    for (const char *q = s; (q = strstr(q, what)); q++)
        n++;
    return n;
}

static void test_markdown(void)
{
    json_t *data = load(full);
    struct svg_text t = {0};
    CHECK_EQ_INT(handbook_render(data, HANDBOOK_MARKDOWN, &t), 0);
    const char *s = t.s;
    CHECK(!strstr(s, "<script") && !strstr(s, "<b>") && !strstr(s, "</p>"));
    CHECK(strstr(s, "# Relationship Operating Handbook: Sài Gòn Auto &lt;/p&gt;&lt;script&gt;"));
    CHECK(strstr(s, "- VN-SG, exclusive, BRK Phanh \\*bold\\*, from 2026-01-01, open-ended"));
    CHECK(strstr(s, "charter version 2"));
    CHECK(strstr(s, "Version 2, active, signed by Nguyễn Văn An, 田中 太郎 on 2026-01-15."));
    CHECK(strstr(s, "VinFast &lt;b&gt; (VN-HN): served directly"));
    CHECK(strstr(s, "The listed lines only: BRK Phanh \\*bold\\*."));
    CHECK(strstr(s, "| BRK Phanh \\*bold\\* | 50 | 8 weeks of cover | shared | 60 days |"));
    CHECK(strstr(s, "by day 12 of the month after the period"));
    CHECK(strstr(s, "Required sections: sales by product line, inventory on hand."));
    CHECK(strstr(s, "may not carry competitors' lines"));
    CHECK(strstr(s, "Declared competing lines, which this commitment does not allow; both sides "
                    "take them up at the next review:"));
    /* A plain '&' stays one; one that would read as a character reference is escaped. */
    CHECK(strstr(s, "Rival \\| Co: Bremsen & Öl &amp;lt; R&D"));
    CHECK(strstr(s, "at the end of 2026-09:"));
    CHECK(strstr(s, "- BRK &lt;i&gt;: 6.6 weeks of cover against 8 weeks, below the commitment"));
    CHECK(strstr(s, "Họp tuần 週次 &lt;/p&gt;&lt;script&gt;alert(1)&lt;/script&gt; (weekly, every "
                    "week): 30 minutes"));
    CHECK(strstr(s, "Exporter: Europe/Berlin, 09:00–17:00, Mon Tue Wed Thu Fri"));
    CHECK(strstr(s, "Distributor: Asia/Ho\\_Chi\\_Minh, 08:00–17:00, Mon Tue Wed Thu Fri Sat"));
    CHECK(strstr(s, "of 12 meetings, 2 (60 minutes)"));
    CHECK(strstr(s, "### Severity high"));
    CHECK(strstr(s, "Step 1: Trần Thị Bình (purchasing manager), by phone; an answer is expected "
                    "within 24 hours"));
    CHECK(strstr(s, "Step 2: the general manager (no contact holds this role yet: a request "
                    "skips this step until one does), by e-mail"));
    CHECK(strstr(s, "Then a visit, due within 72 hours"));
    /* Who to reach, and how (migration 0222), after the ladders that name them. */
    CHECK(strstr(s, "### Who to reach\n\nThe exporter's account manager: Jana Müller, "
                    "jana@mueller.example."));
    CHECK(strstr(s, "| Trần Thị Bình | purchasing manager | binh@saigon.example | +84 28 1234 5678 "
                    "| Zalo: binh.tran \\| &lt;/p&gt;&lt;script&gt;"));
    CHECK(strstr(s, "| 田中 太郎 | – | – | – | – | ja |"));
    CHECK(strstr(s, "### Who to reach") > strstr(s, "Then a visit, due within 72 hours"));
    CHECK(strstr(s, "| Bảng giá 価格表 | price\\_sheet | en | 3 | vi (v2, stale) | ja |"));
    CHECK(strstr(s, "notes on time 7, late 2, missing 1"));
    CHECK(strstr(s, "Meetings missed or not recorded within 24 hours, in the last 90 days: 3"));
    /* A series whose last day is over before the handbook's day has ended, whatever its status. */
    CHECK(strstr(s, "from 2026-01-05 to 2026-02-04, ended"));
    CHECK(strstr(s, "from 2026-02-01, active"));
    /* Each line its own table, named, against its own commitment (migration 0220). */
    CHECK(strstr(s, "BRK &lt;i&gt; (Phanh \\*bold\\*): buffer-stock commitment 8 weeks of "
                    "cover."));
    CHECK(strstr(s, "FLT: buffer-stock commitment 2000 units on hand."));
    CHECK(strstr(s, "| 2026-09 | 120 | 100 | 6.6 |"));
    CHECK(strstr(s, "| 2026-10 | – | 100 | – |"));
    CHECK(strstr(s, "| 2026-09 | 300 | – | 37.1 |"));
    CHECK(strstr(s, "| 2026-10 | 0 | – | – |"));
    CHECK_EQ_INT(count(s, "| Month | Units sold | Unit target | Weeks of cover | Units on hand |"),
                 2);
    CHECK(strstr(s, "| 2026-09 | 300 | – | 37.1 | 2500 |")); /* FLT's units commitment, read */
    CHECK(!strstr(s, "more product line") && !strstr(s, "more current contact"));
    /* Markdown carries no SVG: the charts' values are the table above. */
    CHECK(!strstr(s, "<svg"));
    svg_text_free(&t);
    /* Lines and contacts past the bounds are counted, in the singular for one. */
    json_object_set_new(json_object_get(data, "charts"), "lines_more", json_integer(1));
    json_object_set_new(json_object_get(data, "distributor"), "contacts_more", json_integer(3));
    CHECK_EQ_INT(handbook_render(data, HANDBOOK_MARKDOWN, &t), 0);
    CHECK(strstr(t.s, "1 more product line is not charted here"));
    CHECK(strstr(t.s, "And 3 more current contacts, not listed here."));
    svg_text_free(&t);
    json_decref(data);
}

static void test_html(void)
{
    json_t *data = load(full);
    struct svg_text t = {0};
    CHECK_EQ_INT(handbook_render(data, HANDBOOK_HTML, &t), 0);
    const char *s = t.s;
    CHECK(!strncmp(s, "<!DOCTYPE html>\n<html lang=\"en\">", 32));
    CHECK(strstr(s, "<meta charset=\"utf-8\">"));
    CHECK(strstr(s, "@media print{"));
    CHECK(!strstr(s, "<script") && !strstr(s, "<b>"));
    CHECK_EQ_INT(count(s, "</p>"), count(s, "<p>"));
    CHECK(strstr(s, "<title>Relationship Operating Handbook: Sài Gòn Auto &lt;/p&gt;&lt;script"));
    CHECK(strstr(s, "<li>VN-SG, exclusive, BRK Phanh *bold*, from 2026-01-01, open-ended</li>"));
    CHECK(strstr(s, "<td>Rival | Co</td>") == NULL); /* competing lines are a list */
    CHECK(strstr(s, "<li>Rival | Co: Bremsen &amp; Öl &amp;lt; R&amp;D</li>"));
    CHECK(strstr(s, "<td>vi (v2, stale)</td><td>ja</td>"));
    /* Two charts a line and the health chart; a commitment in units is read against the stock. */
    CHECK_EQ_INT(count(s, "<svg "), 5);
    CHECK_EQ_INT(count(s, "</svg>"), 5);
    CHECK(strstr(s, "<title id=\"chart-attainment-1-title\">Attainment by month: BRK "
                    "&lt;i&gt;</title>"));
    CHECK(strstr(s, "<title id=\"chart-cover-2-title\">Stock on hand: FLT</title>"));
    CHECK_EQ_INT(count(s, ">commitment: 8 weeks</text>"), 1);
    CHECK_EQ_INT(count(s, ">commitment: 2000 units</text>"), 1);
    CHECK_EQ_INT(count(s, ">target</text>"), 1); /* FLT has none: its legend names none */
    CHECK(strstr(s, "<li>BRK &lt;i&gt;: 6.6 weeks of cover against 8 weeks, below the "
                    "commitment</li>"));
    CHECK(strstr(s, "<li>FLT: 2500 units on hand against 2000 units</li>"));
    /* No stock reported for a committed line: said so, not "0 units on hand". */
    CHECK(strstr(s, "<li>OIL: no stock reported (commitment 50 units), below the "
                    "commitment</li>"));
    CHECK_EQ_INT(count(s, "<table>"), count(s, "</table>"));
    CHECK_EQ_INT(count(s, "<ul>"), count(s, "</ul>"));
    CHECK(!strcmp(s + t.len - 16, "</body>\n</html>\n"));
    /* The same data, the same bytes. */
    struct svg_text again = {0};
    CHECK_EQ_INT(handbook_render(data, HANDBOOK_HTML, &again), 0);
    CHECK(again.len == t.len && !memcmp(again.s, t.s, t.len));
    svg_text_free(&again);
    svg_text_free(&t);
    json_decref(data);
}

static void test_empty(void)
{
    json_t *data = load("{\"distributor\": {\"name\": \"Kho Đà Nẵng\"}, \"charter\": null,"
                        " \"series\": [], \"escalation\": [], \"languages\": [],"
                        " \"documents\": [], \"notes\": {}, \"charts\": {}}");
    struct svg_text t = {0};
    CHECK_EQ_INT(handbook_render(data, HANDBOOK_HTML, &t), 0);
    CHECK(strstr(t.s, "No charter is active for this distributor"));
    CHECK(strstr(t.s, "No meeting series yet"));
    CHECK(strstr(t.s, "No escalation protocol is set"));
    CHECK(strstr(t.s, "No account manager who can be reached is assigned to this distributor. No "
                      "current contact of the distributor is recorded."));
    CHECK(strstr(t.s, "No documents are shared"));
    /* No month of a relationship to chart: a sentence, not three empty charts (0087). */
    CHECK_EQ_INT(count(t.s, ">No data yet</text>"), 0);
    CHECK(strstr(t.s, "No charter has been activated yet") && !strstr(t.s, "<svg"));
    svg_text_free(&t);
    json_t *young =
        load("{\"distributor\": {\"name\": \"Kho Đà Nẵng\"}, \"charter\": null,"
             " \"series\": [], \"escalation\": [], \"languages\": [],"
             " \"documents\": [], \"notes\": {}, \"charts\": {\"since\": \"2026-12-01\","
             " \"attainment\": null, \"health\": [{\"at\": \"2026-12-01\", \"score\": 80}]}}");
    CHECK_EQ_INT(handbook_render(young, HANDBOOK_MARKDOWN, &t), 0);
    CHECK(
        strstr(t.s, "The charter was first activated on 2026-12-01: no month since is over yet") &&
        !strstr(t.s, "| Month |"));
    svg_text_free(&t);
    json_decref(young);
    json_t *unsigned_ = load("{\"distributor\": {\"name\": \"Kho Đà Nẵng\"}, \"charter\":"
                             " {\"version\": 2, \"status\": \"active\", \"signed_on\": \"\","
                             " \"signatories\": [], \"grants\": [], \"competing_allowed\": true,"
                             " \"competing_lines\": [{\"competitor\": \"X\", \"line\": \"Y\"}]},"
                             " \"series\": [], \"escalation\": [], \"languages\": [],"
                             " \"documents\": [], \"notes\": {}, \"charts\": {}}");
    CHECK_EQ_INT(handbook_render(unsigned_, HANDBOOK_MARKDOWN, &t), 0);
    CHECK(strstr(t.s, "Version 2, active; no signature is recorded."));
    CHECK(strstr(t.s, "Declared competing lines:") && !strstr(t.s, "against this commitment"));
    svg_text_free(&t);
    json_decref(unsigned_);
    /* An amendment carries its signatories over, undated: they are to sign, not signed (a try-out).
     */
    json_t *to_sign = load(
        "{\"distributor\": {\"name\": \"Kho Đà Nẵng\"}, \"charter\":"
        " {\"version\": 2, \"status\": \"active\", \"signed_on\": \"\","
        " \"signatories\": [\"田中 太郎\", \"Lê Hoàng Phúc\"], \"grants\": []},"
        " \"series\": [{\"title\": \"Annual\", \"kind\": \"annual\", \"duration_minutes\": 180,"
        " \"starts_on\": \"2027-03-01\", \"ends_on\": \"2027-03-01\", \"status\": \"active\","
        " \"note\": \"begins after the charter in force ends on 2026-08-31\"}],"
        " \"escalation\": [], \"languages\": [], \"documents\": [], \"notes\": {},"
        " \"charts\": {}}");
    CHECK_EQ_INT(handbook_render(to_sign, HANDBOOK_MARKDOWN, &t), 0);
    CHECK(strstr(t.s, "Version 2, active; its signatories are 田中 太郎, Lê Hoàng Phúc; no signing "
                      "date is recorded."));
    CHECK(!strstr(t.s, "signed by"));
    CHECK(strstr(t.s, "180 minutes, begins after the charter in force ends on 2026-08-31") &&
          !strstr(t.s, "from 2027-03-01"));
    svg_text_free(&t);
    json_decref(to_sign);
    /* Months over but nothing reported: a sentence, no table. */
    json_t *bare = load("{\"distributor\": {\"name\": \"Kho Đà Nẵng\"}, \"charter\": null,"
                        " \"series\": [], \"escalation\": [], \"languages\": [],"
                        " \"documents\": [], \"notes\": {}, \"charts\": {\"months\": [\"2026-11\"],"
                        " \"lines\": [], \"lines_more\": 0, \"cover_lines\": null}}");
    CHECK_EQ_INT(handbook_render(bare, HANDBOOK_MARKDOWN, &t), 0);
    CHECK(strstr(t.s, "No product line has sales, stock, a monthly unit target or a buffer-stock "
                      "commitment in these months.") &&
          !strstr(t.s, "| Month |") && !strstr(t.s, "more product line"));
    svg_text_free(&t);
    CHECK_EQ_INT(handbook_render(bare, HANDBOOK_HTML, &t), 0);
    CHECK_EQ_INT(count(t.s, "<svg "), 1); /* health only */
    svg_text_free(&t);
    json_decref(bare);
    json_t *array = load("[]");
    CHECK_EQ_INT(handbook_render(array, HANDBOOK_MARKDOWN, &t), -1);
    CHECK_EQ_INT(handbook_scorecard(array, &t), -1);
    CHECK(t.s == NULL);
    json_decref(array);
    json_decref(data);
}

static void test_scorecard(void)
{
    json_t *data = load(full);
    json_object_set_new(data, "charter_version", json_integer(2));
    struct svg_text t = {0};
    CHECK_EQ_INT(handbook_scorecard(data, &t), 0);
    const char *s = t.s;
    CHECK(!strstr(s, "<script"));
    CHECK(strstr(s, "<title>Scorecard: Sài Gòn Auto &lt;/p&gt;"));
    CHECK(strstr(s, "<span class=\"score\">71</span> / 100"));
    CHECK(strstr(s, "<td>report_timeliness &lt;/p&gt;&lt;script&gt;alert(1)&lt;/script&gt;</td>"
                    "<td>12</td><td>2 late báo cáo</td>"));
    CHECK(strstr(s, "charter version 2"));
    CHECK_EQ_INT(count(s, "<svg "), 5);
    svg_text_free(&t);
    json_object_del(json_object_get(data, "charts"), "health_now");
    CHECK_EQ_INT(handbook_scorecard(data, &t), 0);
    CHECK(strstr(t.s, "No health score has been computed yet."));
    svg_text_free(&t);
    json_decref(data);
}

int main(void)
{
    RUN(test_markdown);
    RUN(test_html);
    RUN(test_empty);
    RUN(test_scorecard);
    return 0;
}
