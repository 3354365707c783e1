/*
 * cmd_health.c - relationship health: 'liaison health DISTRIBUTOR' (the
 * score, its reasons worst first and the trend as a sparkline), 'liaison
 * health weights [set FACTOR=WEIGHT ...]' and 'liaison portfolio' (every
 * distributor you reach, worst first). Plain 'liaison health' is still the
 * server's status (cmd_system.c), which hands the rest to this file.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "sparkline.h"

/* A trend is at most this many points: the server's history bound. */
#define TREND_MAX 365
#define SPARK_BYTES (TREND_MAX * 3 + 1)

/* The factors in the documented order: snake_case (as in reasons) and the JSON name. */
static const struct {
    const char *factor;
    const char *json;
} factors[] = {{"report_timeliness", "reportTimeliness"}, {"notes_compliance", "notesCompliance"},
               {"responsiveness", "responsiveness"},      {"target_attainment", "targetAttainment"},
               {"inventory_cover", "inventoryCover"},     {"order_trend", "orderTrend"},
               {"competing_lines", "competingLines"},     {"overdue_actions", "overdueActions"},
               {"flagged_deals", "flaggedDeals"}};
#define N_FACTORS (sizeof factors / sizeof factors[0])

/*
 * Sets key "sparkline" of obj to the sparkline of the scores in arr: an
 * array of numbers, or of objects whose "score" is one (absent: 0, as
 * proto3 JSON leaves zero out).
 */
static void set_sparkline(json_t *obj, const json_t *arr)
{
    int scores[TREND_MAX];
    size_t n = 0, i;
    const json_t *v;
    json_array_foreach(arr, i, v)
    {
        if (n == TREND_MAX)
            break;
        const json_t *s = json_is_object(v) ? json_object_get(v, "score") : v;
        scores[n++] = (int)json_integer_value(s);
    }
    char line[SPARK_BYTES];
    if (sparkline(scores, n, 0, 100, line, sizeof line) >= 0)
        json_object_set_new(obj, "sparkline", json_string(line));
}

/*
 * A portfolio row: its score ('-' when never scored, not a 0 that reads as
 * the worst), its sparkline and its worst reason as plain text columns.
 */
static void portfolio_row(json_t *row)
{
    char score[16] = "-";
    if (json_is_true(json_object_get(row, "scored")))
        snprintf(score, sizeof score, "%lld",
                 (long long)json_integer_value(json_object_get(row, "score")));
    json_object_set_new(row, "scoreShown", json_string(score));
    set_sparkline(row, json_object_get(row, "trend"));
    const json_t *worst = json_array_get(json_object_get(row, "topReasons"), 0);
    const char *detail = json_string_value(json_object_get(worst, "detail"));
    /* A score of 100 has no reason: the cell says "-" as every empty cell does, not "". */
    if (detail && *detail)
        json_object_set_new(row, "worstReason", json_string(detail));
}

int cmd_portfolio(struct cli *cli, int argc, char **argv)
{
    static const struct output_column cols[] = {{"DISTRIBUTOR", "distributorId"},
                                                {"NAME", "distributorName"},
                                                {"SCORE", "scoreShown"},
                                                {"TREND", "sparkline"},
                                                {"STATUS", "status"},
                                                {"WORST REASON", "worstReason"}};
    struct cli_paging page = {0};
    bool mine = false;
    const struct cli_opt opts[] = {{"mine", NULL, &mine, false, "only the distributors you manage"},
                                   CLI_PAGING_OPTS(page),
                                   {0}};
    const struct cli_command_spec spec = {
        "portfolio [--mine] [--page-size N] [--cursor C] [--all]",
        "Lists the distributors you reach, worst health first (never scored ones last),\n"
        "each with its score, its trend as a sparkline (the last 12 scores, ▁ 0 .. █ 100),\n"
        "its status and its worst reason. With --json: the entries as a JSON array,\n"
        "each with its top three reasons and its trend.",
        opts, 0, "portfolio --mine --all"};
    int rc = cli_args_parse(&spec, argc, argv, NULL, 0);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    return cli_list_mapped(cli, "GetPortfolio", json_pack("{s:b}", "mine", mine), "entries", cols,
                           (int)(sizeof cols / sizeof cols[0]), &page, portfolio_row);
}

/* Prints a HealthWeights object as fields, each named as 'set' takes it, or as JSON. */
static void print_weights(const struct cli *cli, const json_t *weights)
{
    static const struct output_column cols[] = {
        {"report_timeliness", "reportTimeliness", OUTPUT_COUNT},
        {"notes_compliance", "notesCompliance", OUTPUT_COUNT},
        {"responsiveness", "responsiveness", OUTPUT_COUNT},
        {"target_attainment", "targetAttainment", OUTPUT_COUNT},
        {"inventory_cover", "inventoryCover", OUTPUT_COUNT},
        {"order_trend", "orderTrend", OUTPUT_COUNT},
        {"competing_lines", "competingLines", OUTPUT_COUNT},
        {"overdue_actions", "overdueActions", OUTPUT_COUNT},
        {"flagged_deals", "flaggedDeals", OUTPUT_COUNT},
        {"updated by", "updatedBy"},
        {"updated at", "updatedAt"}};
    if (cli->set.json)
        output_json(weights);
    else
        output_fields(cols, (int)(sizeof cols / sizeof cols[0]), weights);
}

/*
 * One FACTOR=WEIGHT of 'health weights set' into weight[f], given[f] set.
 * Returns 0, or EXIT_USAGE after saying what is wrong with it: no '=', a
 * factor not known (the known ones listed), a weight not a whole number or
 * outside 0-100, or a factor given twice.
 */
static int weight_parse(const char *item, bool given[N_FACTORS], long weight[N_FACTORS])
{
    const char *eq = strchr(item, '=');
    if (!eq) {
        fputs("liaison: health weights set: '", stderr);
        output_escaped(stderr, item);
        fputs("' is not FACTOR=WEIGHT (order_trend=25)\n", stderr);
        return EXIT_USAGE;
    }
    size_t f = 0, len = (size_t)(eq - item);
    while (f < N_FACTORS &&
           (strlen(factors[f].factor) != len || strncmp(item, factors[f].factor, len)))
        f++;
    if (f == N_FACTORS) {
        char name[64];
        snprintf(name, sizeof name, "%.*s", (int)(len < sizeof name ? len : sizeof name - 1), item);
        fputs("liaison: health weights set: '", stderr);
        output_escaped(stderr, name);
        fputs("' is not a factor; the factors are ", stderr);
        for (size_t k = 0; k < N_FACTORS; k++)
            fprintf(stderr, "%s%s", k ? ", " : "", factors[k].factor);
        fputc('\n', stderr);
        return EXIT_USAGE;
    }
    const char *text = eq + 1;
    char *end = NULL;
    errno = 0;
    long w = strtol(text, &end, 10);
    /* strtol would take " 5", "+5" and "": a weight is digits (a '-' first, to be refused
     * for its range). */
    const char *digits = text + (*text == '-');
    if (!*digits || strspn(digits, "0123456789") != strlen(digits) || *end) {
        fprintf(stderr, "liaison: health weights set: %s=", factors[f].factor);
        output_escaped(stderr, text);
        fputs(": a weight is a whole number, 0 (factor off) to 100\n", stderr);
        return EXIT_USAGE;
    }
    if (errno == ERANGE || w < 0 || w > 100) {
        fprintf(stderr, "liaison: health weights set: %s=", factors[f].factor);
        output_escaped(stderr, text);
        fputs(": a weight is 0 (factor off) to 100\n", stderr);
        return EXIT_USAGE;
    }
    /* order_trend=5 order_trend=7 would keep one of two and say nothing. */
    if (given[f]) {
        fprintf(stderr, "liaison: health weights set: %s is given twice: give each once\n",
                factors[f].factor);
        return EXIT_USAGE;
    }
    given[f] = true;
    weight[f] = w;
    return 0;
}

/*
 * 'health weights [set FACTOR=WEIGHT ...]': shows the weights, or changes
 * the named ones and keeps the others (read first, all nine sent).
 */
static int health_weights(struct cli *cli, int argc, char **argv)
{
    const struct cli_opt opts[] = {{0}};
    const struct cli_command_spec spec = {
        "health weights [set FACTOR=WEIGHT ...]",
        "Shows your tenant's health weights, or (tenant admins) sets some of them; the\n"
        "others keep their value. Factors: report_timeliness, notes_compliance,\n"
        "responsiveness, target_attainment, inventory_cover, order_trend,\n"
        "competing_lines, overdue_actions, flagged_deals. A weight is 0 (factor off)\n"
        "to 100; a factor's share of the score is its weight over their sum\n"
        "(docs/health.md). Every distributor is recomputed after a change.",
        opts, 0, "health weights set order_trend=25 competing_lines=0"};
    const char *words[N_FACTORS + 1] = {NULL};
    int rc = cli_args_parse(&spec, argc, argv, words, (int)N_FACTORS + 1);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    if (words[0] && strcmp(words[0], "set")) {
        fprintf(stderr, "liaison: health weights: '%s' is not 'set'\n", words[0]);
        return EXIT_USAGE;
    }
    if (words[0] && !words[1]) {
        fprintf(stderr, "liaison: health weights set: give FACTOR=WEIGHT at least once\n");
        return EXIT_USAGE;
    }
    /* Every FACTOR=WEIGHT is checked before the server is asked anything, each refusal
     * saying what is wrong with which item (one message for all four mistakes said none). */
    long weight[N_FACTORS];
    bool given[N_FACTORS] = {false};
    for (size_t i = 1; i <= N_FACTORS && words[i]; i++)
        if ((rc = weight_parse(words[i], given, weight)))
            return rc;
    json_t *resp;
    if ((rc = cli_call(cli, "GetHealthWeights", json_object(), &resp)))
        return rc;
    json_t *weights = json_object_get(resp, "weights");
    if (!words[0]) {
        print_weights(cli, weights);
        json_decref(resp);
        return EXIT_OK;
    }
    /* The factors not given keep the value they have: all nine are sent. */
    json_t *req = json_object();
    for (size_t f = 0; req && f < N_FACTORS; f++) {
        json_int_t w = given[f] ? (json_int_t)weight[f]
                                : json_integer_value(json_object_get(weights, factors[f].json));
        if (json_object_set_new(req, factors[f].json, json_integer(w)) < 0) {
            json_decref(req);
            req = NULL;
        }
    }
    json_decref(resp);
    if (!req) {
        fprintf(stderr, "liaison: out of memory\n");
        return EXIT_ERROR;
    }
    if ((rc = cli_call(cli, "SetHealthWeights", json_pack("{s:o}", "weights", req), &resp)))
        return rc;
    print_weights(cli, json_object_get(resp, "weights"));
    json_decref(resp);
    return EXIT_OK;
}

int cli_health_distributor(struct cli *cli, int argc, char **argv)
{
    if (!strcmp(argv[1], "weights")) {
        snprintf(cli->command, sizeof cli->command, "health weights");
        return health_weights(cli, argc - 1, argv + 1);
    }
    const char *history = NULL;
    const struct cli_opt opts[] = {{"history", &history, NULL, false,
                                    "points of history (1-365; 0 or none: 30)", "historyLimit"},
                                   {0}};
    const struct cli_command_spec spec = {
        "health DISTRIBUTOR [--history N]",
        "Shows a distributor's relationship health: the score (0 worst, 100 best), the\n"
        "reasons it lost points, worst first, and its trend as a sparkline (▁ 0 .. █ 100).\n"
        "Scores are computed by the scheduler when an input changes and daily\n"
        "(docs/health.md); 'not scored yet' until the first computation.",
        opts, 1, "health \"Công ty Phụ tùng Sài Gòn\" --history 12"};
    const char *dist = NULL;
    int rc = cli_args_parse(&spec, argc, argv, &dist, 1);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    json_int_t d, points = 0;
    if ((history && (rc = cli_parse_uint("--history", history, TREND_MAX, &points))) ||
        (rc = cli_resolve(cli, CLI_DISTRIBUTOR, dist, 0, &d)))
        return rc;
    json_t *resp;
    if ((rc = cli_call(cli, "GetDistributorHealth",
                       json_pack("{s:I,s:I}", "distributorId", d, "historyLimit", points), &resp)))
        return rc;
    json_t *health = json_object_get(resp, "health");
    set_sparkline(health, json_object_get(health, "history"));
    if (cli->set.json || cli->set.ids) {
        /* A score has no id of its own: -o ids gives the distributor's, as its lists do. */
        if (cli->set.ids)
            printf("%lld\n", (long long)d);
        else
            output_json(health);
        json_decref(resp);
        return EXIT_OK;
    }
    /* The name as a table shows it, so that it can be copied back whole. */
    output_quoted(stdout, json_string_value(json_object_get(health, "distributorName")));
    if (!json_is_true(json_object_get(health, "scored"))) {
        printf(": not scored yet\n");
    } else {
        printf(": %d/100 %s (computed %s)\n",
               (int)json_integer_value(json_object_get(health, "score")),
               json_string_value(json_object_get(health, "sparkline")),
               json_string_value(json_object_get(health, "computedAt")));
        static const struct output_column cols[] = {{"POINTS LOST", "points", OUTPUT_COUNT},
                                                    {"WEIGHT", "weight", OUTPUT_COUNT},
                                                    {"FACTOR", "factor"},
                                                    {"WHY", "detail"}};
        const json_t *reasons = json_object_get(health, "reasons");
        if (json_array_size(reasons))
            output_table(cols, 4, reasons);
        else
            printf("no points lost\n");
    }
    json_decref(resp);
    return EXIT_OK;
}
