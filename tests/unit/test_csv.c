/*
 * test_csv.c - the CLI's CSV output (liaison audit --csv): the header,
 * CRLF, quoting of commas, quotes and line breaks, an empty field for
 * nothing, text a spreadsheet would run as a formula kept as text, numbers
 * kept as numbers, and Vietnamese and Japanese text passed through whole.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static int failures;

#define EXPECT(cond, what)                                                                         \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "not ok - %s (%s:%d)\n", what, __FILE__, __LINE__);                    \
            failures++;                                                                            \
        } else {                                                                                   \
            fprintf(stderr, "ok - %s\n", what);                                                    \
        }                                                                                          \
    } while (0)

/* output.c's lists call the server; CSV never does. */
int cli_call(struct cli *cli, const char *method, json_t *req, json_t **resp)
{
    (void)cli;
    (void)method;
    json_decref(req);
    *resp = NULL;
    return EXIT_ERROR;
}

/* Never reached: the stub above answers no list. */
json_int_t cli_json_id(const json_t *v)
{
    (void)v;
    return 0;
}

/* No command line was parsed: no option was given empty. */
const char *cli_args_empty(void)
{
    return NULL;
}

/* What output_csv(cols, ncols, rows) writes to standard output, in buf. */
static void csv_of(const struct output_column *cols, int ncols, const json_t *rows, char *buf,
                   size_t cap)
{
    char path[] = "/tmp/liaison-test-csv.XXXXXX";
    int fd = mkstemp(path), saved = dup(STDOUT_FILENO);
    buf[0] = '\0';
    if (fd < 0 || saved < 0 || fflush(stdout) != 0 || dup2(fd, STDOUT_FILENO) < 0) {
        EXPECT(false, "standard output redirected to a file");
        return;
    }
    output_csv(cols, ncols, rows);
    fflush(stdout);
    dup2(saved, STDOUT_FILENO);
    close(saved);
    ssize_t n = pread(fd, buf, cap - 1, 0);
    buf[n > 0 ? n : 0] = '\0';
    close(fd);
    unlink(path);
}

int main(void)
{
    static const struct output_column cols[] = {
        {"ID", "id"}, {"ACTOR", "actor"}, {"NOTE", "note"}, {"DONE", "done", OUTPUT_BOOL}};
    char buf[4096];
    json_error_t err;
    json_t *rows = json_loads(
        "[{\"id\": 7, \"actor\": \"user:3 an@saigon.example\", \"note\": \"Phụ tùng, ô tô\","
        "  \"done\": true},"
        " {\"id\": 8, \"actor\": \"=HYPERLINK(\\\"http://x\\\")\", \"note\": \"a "
        "\\\"b\\\"\\r\\nc\"},"
        " {\"id\": 9, \"actor\": \"-5\", \"note\": \"@SUM(A1)\", \"done\": false},"
        " {\"id\": 10, \"actor\": \"+84 90 123\", \"note\": null},"
        " {\"id\": 11, \"actor\": \"東京オートパーツ\", \"note\": \"-\"}]",
        0, &err);
    EXPECT(rows != NULL, "the rows parse");
    csv_of(cols, 4, rows, buf, sizeof buf);
    EXPECT(!strncmp(buf, "ID,ACTOR,NOTE,DONE\r\n", 20), "a header line of the columns, CRLF");
    EXPECT(strstr(buf, "\r\n7,user:3 an@saigon.example,\"Phụ tùng, ô tô\",yes\r\n") != NULL,
           "a comma is quoted; Vietnamese passes whole");
    EXPECT(strstr(buf, "\r\n8,\"'=HYPERLINK(\"\"http://x\"\")\",\"a \"\"b\"\"\r\nc\",no\r\n") !=
               NULL,
           "a formula is text behind an apostrophe; quotes doubled; a line break kept quoted");
    EXPECT(strstr(buf, "\r\n9,-5,\"'@SUM(A1)\",no\r\n") != NULL,
           "a negative number stays a number; @ is a formula");
    EXPECT(strstr(buf, "\r\n10,\"'+84 90 123\",,no\r\n") != NULL,
           "nothing is an empty field; '+84 90 123' is no number, so text");
    EXPECT(strstr(buf, "\r\n11,東京オートパーツ,\"'-\",no\r\n") != NULL,
           "Japanese passes whole; a lone '-' would be a formula");
    json_decref(rows);
    if (failures)
        fprintf(stderr, "csv: FAILED (%d)\n", failures);
    return failures ? 1 : 0;
}
