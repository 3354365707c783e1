/*
 * handbook_render.c - handbook renders per second (tests/bench/handbook):
 * the work GenerateHandbook, GetHandbook and GetScorecard do on libuv's
 * thread pool, from a distributor's data as liaison_handbook_data gives it
 * (a charter with 6 grants and 4 commitments, 5 series, 4 severities of a
 * 3-step ladder, 40 documents with 3 translations each, 12 months of
 * charts and 60 health scores), parsing the JSON included. One thread;
 * each format for the given seconds. Prints one line per format: renders
 * per second by the wall clock and per CPU second, CPU microseconds per
 * render, bytes per document.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "handbook.h"

static double clock_s(clockid_t which)
{
    struct timespec ts;
    clock_gettime(which, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The data: typical of a distributor a year into its charter, in Vietnamese and Japanese. */
static char *make_data(void)
{
    json_t *d = json_pack(
        "{s:{s:s,s:s,s:[s],s:s,s:s,s:s,s:{s:s,s:s,s:s,s:[iiiii]},s:{s:s,s:s,s:s,s:[iiiii]}}}",
        "distributor", "name", "Công ty TNHH Phụ tùng Ô tô Sài Gòn 株式会社", "country", "VN",
        "languages", "vi", "status", "active", "tenant_name", "Müller Fahrzeugteile GmbH",
        "generated_on", "2026-11-30", "distributor_time", "time_zone", "Asia/Ho_Chi_Minh",
        "business_hours_start", "08:00", "business_hours_end", "17:00", "work_days", 1, 2, 3, 4, 5,
        "exporter_time", "time_zone", "Europe/Berlin", "business_hours_start", "09:00",
        "business_hours_end", "17:00", "work_days", 1, 2, 3, 4, 5);
    json_t *grants = json_array(), *commitments = json_array(), *series = json_array(),
           *esc = json_array(), *docs = json_array(), *months = json_array(), *lines = json_array(),
           *contacts = json_array(), *health = json_array();
    static const char *const regions[] = {"VN-SG", "VN-HN", "VN-DN", "VN-CT", "KH", "LA"};
    for (int i = 0; i < 6; i++)
        json_array_append_new(grants, json_pack("{s:s,s:b,s:[s,s],s:b,s:s,s:n}", "region",
                                                regions[i], "all_lines", 0, "lines",
                                                "BRK Phanh đĩa", "FLT Lọc dầu 濾過", "exclusive",
                                                i < 3, "starts_on", "2026-01-01", "ends_on"));
    for (int i = 0; i < 4; i++)
        json_array_append_new(commitments,
                              json_pack("{s:s,s:i,s:s,s:i,s:s,s:i}", "line", "BRK Phanh đĩa", "moq",
                                        50 * (i + 1), "buffer_unit", "weeks", "buffer_amount", 8,
                                        "financing", "shared", "payment_terms_days", 60));
    static const char *const kinds[] = {"onboarding", "weekly", "monthly", "quarterly", "annual"};
    for (int i = 0; i < 5; i++)
        json_array_append_new(series,
                              json_pack("{s:s,s:s,s:i,s:s,s:n,s:s}", "kind", kinds[i], "title",
                                        "Họp định kỳ · 定例会議", "duration_minutes", 30 + 15 * i,
                                        "starts_on", "2026-01-05", "ends_on", "status", "active"));
    static const char *const severities[] = {"low", "normal", "high", "critical"};
    for (int i = 0; i < 4; i++)
        json_array_append_new(
            esc,
            json_pack("{s:s,s:s,s:i,s:[{s:s,s:s,s:s,s:i},{s:s,s:s,s:s,s:i},{s:s,s:s,s:s,s:i}]}",
                      "severity", severities[i], "source", i ? "distributor" : "tenant_default",
                      "visit_hours", 72, "ladder", "contact_name", "Trần Thị Bình", "contact_role",
                      "purchasing manager", "method", "phone", "response_hours", 24, "contact_name",
                      "Lê Văn Cường", "contact_role", "sales director", "method", "email",
                      "response_hours", 48, "contact_name", "田中 太郎", "contact_role",
                      "general manager", "method", "messaging", "response_hours", 72));
    for (int i = 0; i < 40; i++)
        json_array_append_new(docs, json_pack("{s:s,s:s,s:s,s:i,s:[{s:s,s:i},{s:s,s:i},{s:s,s:i}]}",
                                              "title", "Bảng giá & danh mục 価格表", "kind",
                                              "price_sheet", "language", "en", "latest_version", 3,
                                              "variants", "language", "vi", "translated_from", 3,
                                              "language", "ja", "translated_from", 2, "language",
                                              "th", "translated_from", 1));
    /* Three product lines, each charted on its own (migration 0220), twelve months each. */
    static const char *const codes[] = {"BRK", "FLT", "OIL"};
    for (int l = 0; l < 3; l++) {
        json_t *lm = json_array();
        for (int i = 0; i < 12; i++) {
            char period[24];
            snprintf(period, sizeof period, "2025-%02d", i + 1);
            if (l == 0)
                json_array_append_new(months, json_string(period));
            json_array_append_new(lm, json_pack("{s:s,s:i,s:i,s:f,s:i}", "period", period, "units",
                                                80 + 7 * i + 30 * l, "target", 100, "weeks",
                                                5.5 + i % 4, "on_hand", 400 + 10 * i));
        }
        json_array_append_new(lines,
                              json_pack("{s:s,s:s,s:s,s:i,s:o}", "code", codes[l], "name",
                                        "Phụ tùng 部品", "buffer_unit", l == 1 ? "units" : "weeks",
                                        "buffer_amount", l == 1 ? 2000 : 8, "months", lm));
    }
    for (int i = 0; i < 6; i++)
        json_array_append_new(contacts,
                              json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "name", "Trần Thị Bình",
                                        "role", "purchasing manager", "email",
                                        "binh@saigon.example", "phone", "+84 28 3823 4567",
                                        "messaging", "Zalo 0903 123", "language", "vi"));
    json_t *dist = json_object_get(d, "distributor");
    json_object_set_new(
        dist, "account_manager",
        json_pack("{s:s,s:s}", "name", "Jana Müller", "email", "jana@acme.example"));
    json_object_set_new(dist, "contacts", contacts);
    for (int i = 0; i < 60; i++)
        json_array_append_new(health,
                              json_pack("{s:s,s:i}", "at", "2026-10-01", "score", 60 + i % 30));
    json_object_set_new(d, "charter",
                        json_pack("{s:i,s:s,s:s,s:[s,s],s:b,s:[s],s:b,s:i,s:[s,s,s],s:o,s:[],s:o,"
                                  "s:[{s:s,s:s}]}",
                                  "version", 3, "status", "active", "signed_on", "2026-01-15",
                                  "signatories", "Nguyễn Văn An", "Klaus Müller", "full_coverage",
                                  0, "covered_lines", "BRK Phanh đĩa", "competing_allowed", 0,
                                  "report_due_day", 10, "report_sections", "sales_by_line",
                                  "inventory_on_hand", "pipeline", "grants", grants, "carve_outs",
                                  "commitments", commitments, "competing_lines", "competitor",
                                  "Rival Co", "line", "Bremsen"));
    json_object_set_new(d, "series", series);
    json_object_set_new(d, "fairness",
                        json_pack("{s:i,s:{s:i,s:i},s:{s:i,s:i}}", "meetings", 40, "exporter",
                                  "outside_count", 3, "outside_minutes", 90, "distributor",
                                  "outside_count", 5, "outside_minutes", 150));
    json_object_set_new(d, "escalation", esc);
    json_object_set_new(d, "languages", json_pack("[s,s]", "vi", "ja"));
    json_object_set_new(d, "documents", docs);
    json_object_set_new(d, "notes",
                        json_pack("{s:i,s:i,s:i,s:i,s:i,s:i}", "held", 30, "on_time", 25, "late", 3,
                                  "missing", 2, "open_actions", 12, "overdue_actions", 2));
    json_object_set_new(d, "charts",
                        json_pack("{s:o,s:o,s:i,s:o,s:{s:i,s:s,s:[{s:s,s:i,s:s}]}}", "months",
                                  months, "lines", lines, "lines_more", 0, "health", health,
                                  "health_now", "score", 71, "computed_at",
                                  "2026-10-01T00:00:00.000Z", "reasons", "factor",
                                  "report_timeliness", "points", 12, "detail", "2 báo cáo trễ"));
    char *text = json_dumps(d, JSON_COMPACT);
    json_decref(d);
    return text;
}

int main(int argc, char **argv)
{
    double seconds = argc > 1 ? atof(argv[1]) : 3.0;
    char *data = make_data();
    if (!data) {
        fprintf(stderr, "handbook_render: no data\n");
        return 1;
    }
    static const char *const names[] = {"handbook markdown", "handbook html", "scorecard html"};
    /* Per CPU second too: on a shared host the wall clock counts other processes' turns. */
    printf("%-20s %12s %16s %14s %10s\n", "document", "renders/s", "renders/CPU-s", "CPU us/render",
           "bytes");
    for (int kind = 0; kind < 3; kind++) {
        long n = 0;
        size_t bytes = 0;
        double start = clock_s(CLOCK_MONOTONIC), cpu = clock_s(CLOCK_PROCESS_CPUTIME_ID), end;
        do {
            json_t *j = json_loads(data, 0, NULL);
            struct svg_text out = {0};
            int rc = kind == 2 ? handbook_scorecard(j, &out)
                               : handbook_render(j, kind ? HANDBOOK_HTML : HANDBOOK_MARKDOWN, &out);
            if (rc < 0) {
                fprintf(stderr, "handbook_render: rendering failed\n");
                return 1;
            }
            bytes = out.len;
            svg_text_free(&out);
            json_decref(j);
            n++;
            end = clock_s(CLOCK_MONOTONIC);
        } while (end - start < seconds);
        cpu = clock_s(CLOCK_PROCESS_CPUTIME_ID) - cpu;
        printf("%-20s %12.0f %16.0f %14.1f %10zu\n", names[kind], (double)n / (end - start),
               (double)n / cpu, cpu * 1e6 / (double)n, bytes);
    }
    free(data);
    return 0;
}
