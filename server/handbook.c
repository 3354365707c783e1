/*
 * handbook.c - the handbook and the scorecard as Markdown or HTML. One
 * writer (struct page) turns headings, paragraphs, list items and table
 * rows into either format, so both say the same; text goes in as pieces,
 * each either fixed (ours, written as it is) or the user's (escaped for
 * the format). The charts are SVG in HTML and a table of their values in
 * Markdown.
 */
#include "handbook.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

struct page {
    struct svg_text *out;
    enum handbook_format f;
    bool in_list, in_table;
};

/*
 * Whether the '&' at s starts what a Markdown renderer reads as a character
 * reference ("&lt;", "&#60;"): only then is it written "&amp;". A plain '&'
 * stays one, as people read the file too ("Dầu &amp; Mỡ" in a try-out).
 */
static bool md_entity_like(const char *s)
{
    size_t n = strspn(s + 1, "#0123456789abcdefghijklmnopqrstuvwxyz"
                             "ABCDEFGHIJKLMNOPQRSTUVWXYZ");
    return n > 0 && s[1 + n] == ';';
}

/*
 * User text in Markdown: no markup, no HTML, one line. The formal concern,
 * drafted in the database, escapes by the same rule (liaison_md_text,
 * migration 0271): the two change together.
 */
static void md_escaped(struct svg_text *t, const char *s)
{
    const char *run = s;
    for (; *s; s++) {
        const char *rep = NULL;
        char esc[3] = {'\\', *s, '\0'};
        switch (*s) {
        case '&':
            rep = md_entity_like(s) ? "&amp;" : NULL;
            break;
        case '<':
            rep = "&lt;";
            break;
        case '>':
            rep = "&gt;";
            break;
        case '\\':
        case '`':
        case '*':
        case '_':
        case '[':
        case ']':
        case '|':
        case '#':
        case '~':
        case '!':
            rep = esc;
            break;
        default:
            if ((unsigned char)*s < 0x20 || *s == 0x7f)
                rep = " ";
        }
        if (!rep)
            continue;
        svg_text_put(t, run, (size_t)(s - run));
        svg_text_puts(t, rep);
        run = s + 1;
    }
    svg_text_put(t, run, (size_t)(s - run));
}

/* The user's text, escaped for the page's format. */
static void user(struct page *p, const char *s)
{
    if (p->f == HANDBOOK_HTML)
        svg_text_escaped(p->out, s ? s : "");
    else
        md_escaped(p->out, s ? s : "");
}

static void fixed(struct page *p, const char *s)
{
    svg_text_puts(p->out, s);
}

static void end_blocks(struct page *p)
{
    if (p->in_list)
        fixed(p, p->f == HANDBOOK_HTML ? "</ul>\n" : "\n");
    if (p->in_table)
        fixed(p, p->f == HANDBOOK_HTML ? "</tbody></table>\n" : "\n");
    p->in_list = p->in_table = false;
}

static void heading(struct page *p, int level, const char *text)
{
    end_blocks(p);
    if (p->f == HANDBOOK_HTML) {
        svg_text_printf(p->out, "<h%d>", level);
        user(p, text);
        svg_text_printf(p->out, "</h%d>\n", level);
    } else {
        svg_text_printf(p->out, "%.*s ", level, "######");
        user(p, text);
        fixed(p, "\n\n");
    }
}

/* Starts a paragraph; its pieces follow, then para_end. */
static void para(struct page *p)
{
    end_blocks(p);
    fixed(p, p->f == HANDBOOK_HTML ? "<p>" : "");
}

static void para_end(struct page *p)
{
    fixed(p, p->f == HANDBOOK_HTML ? "</p>\n" : "\n\n");
}

/* Starts a list item; its pieces follow, then item_end. */
static void item(struct page *p)
{
    if (p->in_table)
        end_blocks(p);
    if (!p->in_list && p->f == HANDBOOK_HTML)
        fixed(p, "<ul>\n");
    p->in_list = true;
    fixed(p, p->f == HANDBOOK_HTML ? "<li>" : "- ");
}

static void item_end(struct page *p)
{
    fixed(p, p->f == HANDBOOK_HTML ? "</li>\n" : "\n");
}

/* Starts a table with n column heads (fixed text). */
static void table(struct page *p, const char *const *heads, size_t n)
{
    end_blocks(p);
    fixed(p, p->f == HANDBOOK_HTML ? "<table><thead><tr>" : "|");
    for (size_t i = 0; i < n; i++) {
        if (p->f == HANDBOOK_HTML)
            svg_text_printf(p->out, "<th scope=\"col\">%s</th>", heads[i]);
        else
            svg_text_printf(p->out, " %s |", heads[i]);
    }
    if (p->f == HANDBOOK_HTML) {
        fixed(p, "</tr></thead><tbody>\n");
    } else {
        fixed(p, "\n|");
        for (size_t i = 0; i < n; i++)
            fixed(p, " --- |");
        fixed(p, "\n");
    }
    p->in_table = true;
}

/* A row of n cells of the user's text. */
static void row(struct page *p, const char *const *cells, size_t n)
{
    fixed(p, p->f == HANDBOOK_HTML ? "<tr>" : "|");
    for (size_t i = 0; i < n; i++) {
        fixed(p, p->f == HANDBOOK_HTML ? "<td>" : " ");
        user(p, cells[i]);
        fixed(p, p->f == HANDBOOK_HTML ? "</td>" : " |");
    }
    fixed(p, p->f == HANDBOOK_HTML ? "</tr>\n" : "\n");
}

/* Fixed text with numbers, written as it is. */
static void fmt(struct page *p, const char *f, ...) __attribute__((format(printf, 2, 3)));
static void fmt(struct page *p, const char *f, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, f);
    vsnprintf(buf, sizeof buf, f, ap);
    va_end(ap);
    fixed(p, buf);
}

static const char *str(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

static long long num(const json_t *o, const char *key)
{
    return (long long)json_integer_value(json_object_get(o, key));
}

/* The English plural ending for a count: "1 meeting", "2 meetings". */
static const char *plural(long long n)
{
    return n == 1 ? "" : "s";
}

/* A JSON number (integer or real) of o[key]; false when it is null or missing. */
static bool real(const json_t *o, const char *key, double *v)
{
    const json_t *x = json_object_get(o, key);
    if (!json_is_number(x))
        return false;
    *v = json_number_value(x);
    return true;
}

/* The strings of a JSON array joined with ", " as the user's text. */
static void user_list(struct page *p, const json_t *a, const char *none)
{
    size_t i;
    const json_t *x;
    if (!json_array_size(a)) {
        fixed(p, none);
        return;
    }
    json_array_foreach(a, i, x)
    {
        if (i)
            fixed(p, ", ");
        user(p, json_string_value(x));
    }
}

/*
 * The report's sections as the handbook's reader knows them: the charter
 * keeps codes (0003), which are no words for a distributor's staff.
 */
static void report_sections(struct page *p, const json_t *a)
{
    static const char *const names[][2] = {{"sales_by_line", "sales by product line"},
                                           {"inventory_on_hand", "inventory on hand"},
                                           {"pipeline", "pipeline opportunities"},
                                           {"market_intelligence", "market intelligence"},
                                           {"competitive_activity", "competitive activity"}};
    size_t i;
    const json_t *x;
    if (!json_array_size(a)) {
        fixed(p, "none");
        return;
    }
    json_array_foreach(a, i, x)
    {
        const char *code = json_string_value(x);
        const char *name = NULL;
        for (size_t k = 0; code && k < sizeof names / sizeof names[0]; k++)
            if (!strcmp(code, names[k][0]))
                name = names[k][1];
        if (i)
            fixed(p, ", ");
        if (name)
            fixed(p, name);
        else
            user(p, code ? code : "");
    }
}

static const char *const day_names[] = {"", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};

/* "Europe/Berlin, 09:00-17:00, Mon Tue Wed Thu Fri" */
static void working_time(struct page *p, const json_t *w)
{
    user(p, str(w, "time_zone"));
    fixed(p, ", ");
    user(p, str(w, "business_hours_start"));
    fixed(p, "–");
    user(p, str(w, "business_hours_end"));
    fixed(p, ",");
    size_t i;
    const json_t *d;
    json_array_foreach(json_object_get(w, "work_days"), i, d)
    {
        json_int_t n = json_integer_value(d);
        if (n >= 1 && n <= 7)
            fmt(p, " %s", day_names[n]);
    }
}

static void title_block(struct page *p, const json_t *dist, const char *what,
                        long long charter_version)
{
    const char *name = str(dist, "name");
    char title[300];
    snprintf(title, sizeof title, "%s: ", what);
    if (p->f == HANDBOOK_HTML) {
        fixed(p, "<h1>");
        fixed(p, title);
        user(p, name);
        fixed(p, "</h1>\n");
    } else {
        fixed(p, "# ");
        fixed(p, title);
        user(p, name);
        fixed(p, "\n\n");
    }
    para(p);
    user(p, str(dist, "tenant_name"));
    fixed(p, " and ");
    user(p, name);
    fixed(p, " (");
    user(p, str(dist, "country"));
    fixed(p, "). Generated on ");
    user(p, str(dist, "generated_on"));
    if (charter_version > 0)
        fmt(p, ", charter version %lld.", charter_version);
    else
        fixed(p, ". No charter is active.");
    para_end(p);
}

static void section_charter(struct page *p, const json_t *c)
{
    heading(p, 2, "1. The charter");
    if (!json_is_object(c)) {
        para(p);
        fixed(p, "No charter is active for this distributor: nothing below binds either side "
                 "until one is signed and activated.");
        para_end(p);
        return;
    }
    para(p);
    /* Who signed is said only when someone did: "active by" the signatories
     * read as if they had activated it, and an amendment nobody signed yet
     * must not read as signed. */
    fmt(p, "Version %lld, active", num(c, "version"));
    bool signers = json_array_size(json_object_get(c, "signatories")) > 0;
    bool dated = *str(c, "signed_on");
    /* Signatories without a date are who is to sign (an amendment's carried over). */
    if (signers) {
        fixed(p, dated ? ", signed by " : "; its signatories are ");
        user_list(p, json_object_get(c, "signatories"), "");
    }
    if (dated) {
        fixed(p, signers ? " on " : ", signed on ");
        user(p, str(c, "signed_on"));
    }
    if (!dated)
        fixed(p, signers ? "; no signing date is recorded" : "; no signature is recorded");
    fixed(p, ".");
    para_end(p);

    heading(p, 3, "Territory");
    size_t i;
    const json_t *g;
    if (!json_array_size(json_object_get(c, "grants"))) {
        para(p);
        fixed(p, "No territory is granted.");
        para_end(p);
    }
    json_array_foreach(json_object_get(c, "grants"), i, g)
    {
        item(p);
        user(p, str(g, "region"));
        fixed(p, json_is_true(json_object_get(g, "exclusive")) ? ", exclusive" : ", not exclusive");
        fixed(p, ", ");
        if (json_is_true(json_object_get(g, "all_lines")))
            fixed(p, "all product lines");
        else
            user_list(p, json_object_get(g, "lines"), "no product lines");
        fixed(p, ", from ");
        user(p, str(g, "starts_on"));
        if (*str(g, "ends_on")) {
            fixed(p, " to ");
            user(p, str(g, "ends_on"));
        } else {
            fixed(p, ", open-ended");
        }
        item_end(p);
    }
    const json_t *carve = json_object_get(c, "carve_outs");
    if (json_array_size(carve)) {
        para(p);
        fixed(p, "Carve-outs: these key accounts in the territory are served by the exporter "
                 "directly; their orders, leads and customers are flagged as the exporter's.");
        para_end(p);
        json_array_foreach(carve, i, g)
        {
            item(p);
            user(p, str(g, "account_name"));
            if (*str(g, "region")) {
                fixed(p, " (");
                user(p, str(g, "region"));
                fixed(p, ")");
            }
            if (*str(g, "note")) {
                fixed(p, ": ");
                user(p, str(g, "note"));
            }
            item_end(p);
        }
    }

    heading(p, 3, "Product coverage");
    para(p);
    if (json_is_true(json_object_get(c, "full_coverage"))) {
        fixed(p, "The full line: every product line of the exporter.");
    } else {
        fixed(p, "The listed lines only: ");
        user_list(p, json_object_get(c, "covered_lines"), "none");
        fixed(p, ".");
    }
    para_end(p);

    heading(p, 3, "Inventory commitments");
    const json_t *commitments = json_object_get(c, "commitments");
    if (!json_array_size(commitments)) {
        para(p);
        fixed(p, "No inventory commitments are recorded.");
        para_end(p);
    } else {
        static const char *const heads[] = {"Product line", "Minimum order", "Buffer stock",
                                            "Stock financed by", "Payment terms"};
        table(p, heads, 5);
        json_array_foreach(commitments, i, g)
        {
            char moq[32], buffer[64], terms[32];
            /* 0 is none of the charter's own: "0 weeks of cover" read as a typo. */
            if (num(g, "moq") > 0)
                snprintf(moq, sizeof moq, "%lld", num(g, "moq"));
            else
                snprintf(moq, sizeof moq, "none");
            if (num(g, "buffer_amount") > 0)
                snprintf(buffer, sizeof buffer, "%lld %s", num(g, "buffer_amount"),
                         !strcmp(str(g, "buffer_unit"), "weeks") ? "weeks of cover" : "units");
            else
                snprintf(buffer, sizeof buffer, "none");
            snprintf(terms, sizeof terms, "%lld day%s", num(g, "payment_terms_days"),
                     plural(num(g, "payment_terms_days")));
            const char *cells[] = {str(g, "line"), moq, buffer, str(g, "financing"), terms};
            row(p, cells, 5);
        }
    }

    heading(p, 3, "Reporting duties");
    para(p);
    fmt(p,
        "The distributor submits the monthly performance report by day %lld of the month after "
        "the period; a report submitted after that day counts as late. Required sections: ",
        num(c, "report_due_day"));
    report_sections(p, json_object_get(c, "report_sections"));
    fixed(p, ".");
    para_end(p);

    heading(p, 3, "Competing lines");
    para(p);
    fixed(p, json_is_true(json_object_get(c, "competing_allowed"))
                 ? "The distributor may carry competitors' lines; it declares each one."
                 : "The distributor may not carry competitors' lines.");
    para_end(p);
    const json_t *competing = json_object_get(c, "competing_lines");
    if (json_array_size(competing)) {
        para(p);
        fixed(p, json_is_true(json_object_get(c, "competing_allowed"))
                     ? "Declared competing lines:"
                     : "Declared competing lines, which this commitment does not allow; both "
                       "sides take them up at the next review:");
        para_end(p);
        json_array_foreach(competing, i, g)
        {
            item(p);
            user(p, str(g, "competitor"));
            fixed(p, ": ");
            user(p, str(g, "line"));
            item_end(p);
        }
    }
}

/*
 * How often a series of kind meets, as the plan places it
 * (liaison_cadence_window, migration 0016); NULL for a kind it does not
 * know, which is then shown without one.
 */
static const char *cadence_recurrence(const char *kind)
{
    static const struct {
        const char *kind, *words;
    } kinds[] = {{"onboarding", "twice a week"},
                 {"weekly", "every week"},
                 {"monthly", "every month, in the week after the monthly report falls due"},
                 {"quarterly", "every three months"},
                 {"annual", "every year, a month before the charter year ends"}};
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (!strcmp(kind, kinds[i].kind))
            return kinds[i].words;
    return NULL;
}

static void section_cadence(struct page *p, const json_t *data)
{
    const json_t *dist = json_object_get(data, "distributor");
    heading(p, 2, "2. Cadence");
    para(p);
    fixed(p, "Meetings follow these series; each occurrence lands in both sides' calendars "
             "(iCalendar export).");
    para_end(p);
    const json_t *series = json_object_get(data, "series");
    size_t i;
    const json_t *s;
    if (!json_array_size(series)) {
        para(p);
        fixed(p, "No meeting series yet: the cadence is generated when a charter is activated.");
        para_end(p);
    }
    json_array_foreach(series, i, s)
    {
        item(p);
        user(p, str(s, "title"));
        fixed(p, " (");
        user(p, str(s, "kind"));
        /* The series' kind alone did not say how often it meets. */
        const char *often = cadence_recurrence(str(s, "kind"));
        if (often) {
            fixed(p, ", ");
            fixed(p, often);
        }
        fmt(p, "): %lld minutes, ", num(s, "duration_minutes"));
        /*
         * Migration 0190: one beginning after the charter's end (its first
         * day its last, 0067) said "from D to D, active"; its note says why
         * it holds nothing instead, another's follows its dates.
         */
        const char *note = str(s, "note");
        if (*note && !strcmp(str(s, "starts_on"), str(s, "ends_on"))) {
            user(p, note);
        } else {
            fixed(p, "from ");
            user(p, str(s, "starts_on"));
            if (*str(s, "ends_on")) {
                fixed(p, " to ");
                user(p, str(s, "ends_on"));
            }
            fixed(p, ", ");
            /*
             * A series keeps its status once its last day is over: the onboarding calls of
             * the first month read "active" for good (a try-out). Dates are ISO, so compare.
             */
            const char *ends = str(s, "ends_on"), *today = str(dist, "generated_on");
            if (!strcmp(str(s, "status"), "active") && *ends && *today && strcmp(ends, today) < 0)
                fixed(p, "ended");
            else
                user(p, str(s, "status"));
            if (*note) {
                fixed(p, "; ");
                user(p, note);
            }
        }
        /* Migration 0140: who is expected at each occurrence, so both sides know. */
        const json_t *who = json_object_get(s, "attendees"), *one;
        size_t k;
        json_array_foreach(who, k, one)
        {
            fixed(p, k ? ", " : "; attended by ");
            user(p, json_string_value(one));
        }
        item_end(p);
    }
    heading(p, 3, "Time zones and rotation");
    item(p);
    fixed(p, "Exporter: ");
    working_time(p, json_object_get(dist, "exporter_time"));
    item_end(p);
    item(p);
    fixed(p, "Distributor: ");
    working_time(p, json_object_get(dist, "distributor_time"));
    item_end(p);
    para(p);
    fixed(p, "Call times rotate so that the burden of early or late calls is shared between the "
             "two sides' business hours: each meeting is placed inside both sides' hours where "
             "they overlap, otherwise on the side that has carried less so far.");
    const json_t *f = json_object_get(data, "fairness");
    if (json_is_object(f)) {
        const json_t *ex = json_object_get(f, "exporter"), *di = json_object_get(f, "distributor");
        fmt(p,
            " Over the last 90 days, of %lld meeting%s, %lld (%lld minutes) fell outside the "
            "exporter's hours and %lld (%lld minutes) outside the distributor's.",
            num(f, "meetings"), plural(num(f, "meetings")), num(ex, "outside_count"),
            num(ex, "outside_minutes"), num(di, "outside_count"), num(di, "outside_minutes"));
    }
    para_end(p);
}

static const char *method_words(const char *m)
{
    return !strcmp(m, "email")           ? "by e-mail"
           : !strcmp(m, "phone")         ? "by phone"
           : !strcmp(m, "messaging")     ? "by messaging"
           : !strcmp(m, "visit")         ? "by a visit"
           : !strcmp(m, "formal_letter") ? "by formal letter"
                                         : "";
}

/*
 * Migration 0222: the account manager and the distributor's current contacts with how to
 * reach each, since a ladder of names and roles says whom to ask but not how.
 */
static void who_to_reach(struct page *p, const json_t *dist)
{
    heading(p, 3, "Who to reach");
    const json_t *am = json_object_get(dist, "account_manager");
    para(p);
    if (json_is_object(am)) {
        fixed(p, "The exporter's account manager: ");
        if (*str(am, "name")) {
            user(p, str(am, "name"));
            fixed(p, ", ");
        }
        user(p, str(am, "email"));
        fixed(p, ".");
    } else {
        fixed(p, "No account manager who can be reached is assigned to this distributor.");
    }
    const json_t *contacts = json_object_get(dist, "contacts");
    if (!json_array_size(contacts)) {
        fixed(p, " No current contact of the distributor is recorded.");
        para_end(p);
        return;
    }
    para_end(p);
    static const char *const heads[] = {"Name", "Role", "E-mail", "Phone", "Messaging", "Language"};
    table(p, heads, 6);
    size_t i;
    const json_t *c;
    json_array_foreach(contacts, i, c)
    {
        const char *cells[6];
        static const char *const keys[] = {"name",  "role",      "email",
                                           "phone", "messaging", "language"};
        for (size_t k = 0; k < 6; k++)
            cells[k] = *str(c, keys[k]) ? str(c, keys[k]) : "–";
        row(p, cells, 6);
    }
    end_blocks(p);
    long long more = num(dist, "contacts_more");
    if (more > 0) {
        para(p);
        fmt(p, "And %lld more current contact%s, not listed here.", more, plural(more));
        para_end(p);
    }
}

static void section_escalation(struct page *p, const json_t *data)
{
    heading(p, 2, "3. Escalation protocol");
    const json_t *esc = json_object_get(data, "escalation");
    if (!json_array_size(esc)) {
        para(p);
        fixed(p, "No escalation protocol is set, for this distributor or as the exporter's "
                 "default.");
        para_end(p);
        who_to_reach(p, json_object_get(data, "distributor"));
        return;
    }
    para(p);
    fixed(p, "A request that goes unanswered past its timeframe moves to the next step: the next "
             "contact on the ladder, then a visit, then a formal written performance concern "
             "citing the charter commitments being missed. The exporter may also take the next "
             "step sooner, for instance when a visit has changed nothing.");
    para_end(p);
    size_t i, j;
    const json_t *e, *step;
    json_array_foreach(esc, i, e)
    {
        char h[96];
        snprintf(h, sizeof h, "Severity %s", str(e, "severity"));
        heading(p, 3, h);
        para(p);
        fixed(p, !strcmp(str(e, "source"), "distributor")
                     ? "This distributor's own ladder."
                     : "The exporter's default ladder (this distributor has none of its own).");
        /* Migration 0139: said, so that nobody expects an answer on the distributor's Sunday. */
        bool working = json_is_true(json_object_get(e, "working_hours_only"));
        if (working)
            fixed(p, " Timeframes are in the distributor's working hours: a request sent outside "
                     "them counts from the next opening.");
        para_end(p);
        json_array_foreach(json_object_get(e, "ladder"), j, step)
        {
            item(p);
            fmt(p, "Step %zu: ", j + 1);
            if (*str(step, "contact_name")) {
                user(p, str(step, "contact_name"));
                if (*str(step, "contact_role")) {
                    fixed(p, " (");
                    user(p, str(step, "contact_role"));
                    fixed(p, ")");
                }
                /* Migration 0135: the ladder still names them, and a request passes them over. */
                if (*str(step, "contact_left_on")) {
                    fixed(p, ", who left on ");
                    user(p, str(step, "contact_left_on"));
                    fixed(p, " (a request skips this step until the ladder names someone else)");
                }
            } else {
                fixed(p, "the ");
                user(p, str(step, "contact_role"));
                fixed(p, " (no contact holds this role yet: a request skips this step until one "
                         "does)");
            }
            fmt(p, ", %s; an answer is expected within %lld %shour%s",
                method_words(str(step, "method")), num(step, "response_hours"),
                working ? "working " : "", plural(num(step, "response_hours")));
            item_end(p);
        }
        item(p);
        fmt(p, "Then a visit, due within %lld %shour%s; then a formal written performance concern",
            num(e, "visit_hours"), working ? "working " : "", plural(num(e, "visit_hours")));
        item_end(p);
    }
    who_to_reach(p, json_object_get(data, "distributor"));
}

/*
 * Whether a variant in language have serves a reader of want: the same tag,
 * or one the other's prefix at a subtag boundary ("en" and "en-GB", "vi-VN"
 * and "vi"; not "zh-Hans" and "zh-Hant"), as liaison_language_covers
 * (migration 0111) decides for the coverage report.
 */
static bool language_covers(const char *have, const char *want)
{
    size_t h = strlen(have), w = strlen(want), n = h < w ? h : w;
    return strncasecmp(have, want, n) == 0 && (h == w || (h < w ? want[n] : have[n]) == '-');
}

static void section_languages(struct page *p, const json_t *data)
{
    heading(p, 2, "4. Language protocol");
    const json_t *langs = json_object_get(data, "languages");
    para(p);
    fixed(p, "The distributor reads: ");
    user_list(p, langs, "no language recorded");
    fixed(p, ". Every key document shared with it should exist in these languages; a translation "
             "made from an older version of its source is stale until it is translated again.");
    para_end(p);
    /*
     * The handbook's own document is left out: listed, its version would
     * change the text at every generation, so that each would store a new
     * version and make its translations stale.
     */
    const json_t *docs = json_object_get(data, "documents");
    size_t i, j, k, shown = 0;
    const json_t *d, *v, *l;
    json_array_foreach(docs, i, d) shown += strcmp(str(d, "kind"), "handbook") != 0;
    if (!shown) {
        para(p);
        fixed(p, "No documents are shared with this distributor yet.");
        para_end(p);
        return;
    }
    static const char *const heads[] = {"Document", "Kind",         "Language",
                                        "Version",  "Translations", "Missing"};
    table(p, heads, 6);
    json_array_foreach(docs, i, d)
    {
        if (!strcmp(str(d, "kind"), "handbook"))
            continue;
        char version[24], translations[1024] = "", missing[512] = "";
        long long latest = num(d, "latest_version");
        snprintf(version, sizeof version, "%lld", latest);
        size_t used = 0;
        json_array_foreach(json_object_get(d, "variants"), j, v)
        {
            int n = snprintf(translations + used, sizeof translations - used, "%s%s (v%lld%s)",
                             j ? ", " : "", str(v, "language"), num(v, "translated_from"),
                             num(v, "translated_from") < latest ? ", stale" : "");
            if (n < 0 || (size_t)n >= sizeof translations - used)
                break;
            used += (size_t)n;
        }
        used = 0;
        json_array_foreach(langs, k, l)
        {
            const char *lang = json_string_value(l);
            bool have = lang && language_covers(str(d, "language"), lang);
            json_array_foreach(json_object_get(d, "variants"), j, v) have =
                have || (lang && language_covers(str(v, "language"), lang));
            if (have || !lang)
                continue;
            int n = snprintf(missing + used, sizeof missing - used, "%s%s", used ? ", " : "", lang);
            if (n < 0 || (size_t)n >= sizeof missing - used)
                break;
            used += (size_t)n;
        }
        const char *cells[] = {str(d, "title"), str(d, "kind"), str(d, "language"),
                               version,         translations,   missing};
        row(p, cells, 6);
    }
}

static void section_notes(struct page *p, const json_t *data)
{
    const json_t *n = json_object_get(data, "notes");
    heading(p, 2, "5. Notes discipline");
    para(p);
    fixed(p, "Notes of every held meeting are written within 24 hours of its end; late and "
             "missing notes are flagged, and a meeting not marked held or missed within those "
             "24 hours counts as missed. Each action item has one owner (a person on either "
             "side), a due date and a status; overdue ones are flagged.");
    para_end(p);
    item(p);
    fmt(p, "Held meetings in the last 90 days: %lld; notes on time %lld, late %lld, missing %lld",
        num(n, "held"), num(n, "on_time"), num(n, "late"), num(n, "missing"));
    item_end(p);
    /* Migration 0315: the meetings never held read as a clean record beside held ones alone. */
    item(p);
    fmt(p, "Meetings missed or not recorded within 24 hours, in the last 90 days: %lld",
        num(n, "missed"));
    item_end(p);
    item(p);
    fmt(p, "Open action items: %lld, of which overdue: %lld", num(n, "open_actions"),
        num(n, "overdue_actions"));
    item_end(p);
}

/*
 * Each committed product line's stock against its own buffer at the newest
 * report, said in words beside the charts: the figure a reader acts on.
 */
static void cover_lines(struct page *p, const json_t *ch)
{
    const json_t *lines = json_object_get(ch, "cover_lines");
    if (!json_array_size(lines))
        return;
    para(p);
    fixed(p, "Stock against each product line's buffer-stock commitment at the end of ");
    user(p, str(json_array_get(lines, 0), "period"));
    fixed(p, ":");
    para_end(p);
    size_t i;
    const json_t *l;
    json_array_foreach(lines, i, l)
    {
        double weeks;
        item(p);
        user(p, str(l, "line"));
        /* A line the report gave no stock for: not "0 units", a figure nobody reported. */
        if (!json_is_integer(json_object_get(l, "on_hand")))
            fmt(p, ": no stock reported (commitment %lld %s)", num(l, "buffer_amount"),
                str(l, "buffer_unit"));
        else if (strcmp(str(l, "buffer_unit"), "weeks"))
            fmt(p, ": %lld units on hand against %lld units", num(l, "on_hand"),
                num(l, "buffer_amount"));
        else if (real(l, "weeks", &weeks))
            fmt(p, ": %.1f weeks of cover against %lld weeks", weeks, num(l, "buffer_amount"));
        else
            fmt(p,
                ": %lld units on hand, no sales to measure weeks of cover by (commitment %lld "
                "weeks)",
                num(l, "on_hand"), num(l, "buffer_amount"));
        if (json_is_true(json_object_get(l, "below")))
            fixed(p, ", below the commitment");
        item_end(p);
    }
    end_blocks(p);
}

/* "BRK (Brake pads)": a product line as the charts name it, the user's text escaped. */
static void line_name(struct page *p, const json_t *l)
{
    user(p, str(l, "code"));
    if (*str(l, "name")) {
        fixed(p, " (");
        user(p, str(l, "name"));
        fixed(p, ")");
    }
}

/* A line's buffer-stock commitment as a sentence's end, or that it has none. */
static void line_commitment(struct page *p, const json_t *l)
{
    const char *unit = str(l, "buffer_unit");
    if (!*unit)
        fixed(p, ": no buffer-stock commitment");
    else
        fmt(p, ": buffer-stock commitment %lld %s", num(l, "buffer_amount"),
            !strcmp(unit, "weeks") ? "weeks of cover" : "units on hand");
}

/* The health chart, or a sentence of its latest score in Markdown, after the lines' charts. */
static void health_chart(struct page *p, const json_t *hea)
{
    size_t nh = json_array_size(hea);
    if (nh > SVG_MAX_POINTS)
        nh = SVG_MAX_POINTS;
    if (p->f == HANDBOOK_MARKDOWN) {
        para(p);
        fmt(p, "Health scores recorded: %zu", json_array_size(hea));
        if (nh) {
            const json_t *last = json_array_get(hea, json_array_size(hea) - 1);
            fmt(p, "; the latest %lld on ", num(last, "score"));
            user(p, str(last, "at"));
        }
        fixed(p, ".");
        para_end(p);
        return;
    }
    struct svg_point ph[SVG_MAX_POINTS];
    for (size_t i = 0; i < nh; i++) {
        const json_t *h = json_array_get(hea, i);
        ph[i] = (struct svg_point){.label = str(h, "at")};
        ph[i].has_value = real(h, "score", &ph[i].value);
    }
    const struct svg_chart c = {
        .id = "chart-health",
        .title = "Health over time",
        .desc = "The relationship's health score (0 to 100) each time it was computed.",
        .unit = "score",
        .value_name = "health score",
        .points = ph,
        .n = nh,
        .y_max = 100.0};
    end_blocks(p);
    fixed(p, "<div class=\"charts\">\n<figure>");
    if (svg_chart(p->out, &c) < 0)
        p->out->failed = true;
    fixed(p, "</figure>\n</div>\n");
}

/* One product line's months: a table in Markdown, two charts in HTML. */
static void line_charts(struct page *p, const json_t *l, size_t n)
{
    const json_t *months = json_object_get(l, "months");
    size_t nm = json_array_size(months);
    if (nm > SVG_MAX_POINTS)
        nm = SVG_MAX_POINTS;
    para(p);
    line_name(p, l);
    line_commitment(p, l);
    fixed(p, ".");
    para_end(p);
    if (p->f == HANDBOOK_MARKDOWN) {
        static const char *const heads[] = {"Month", "Units sold", "Unit target", "Weeks of cover",
                                            "Units on hand"};
        table(p, heads, 5);
        for (size_t i = 0; i < nm; i++) {
            const json_t *m = json_array_get(months, i);
            double v;
            char sold[32] = "–", target[32] = "–", weeks[32] = "–", held[32] = "–";
            if (real(m, "units", &v))
                snprintf(sold, sizeof sold, "%.0f", v);
            if (real(m, "target", &v))
                snprintf(target, sizeof target, "%.0f", v);
            if (real(m, "weeks", &v))
                snprintf(weeks, sizeof weeks, "%.1f", v);
            if (real(m, "on_hand", &v))
                snprintf(held, sizeof held, "%.0f", v);
            const char *cells[] = {str(m, "period"), sold, target, weeks, held};
            row(p, cells, 5);
        }
        end_blocks(p);
        return;
    }
    struct svg_point pa[SVG_MAX_POINTS], pc[SVG_MAX_POINTS];
    bool any_target = false, by_units = !strcmp(str(l, "buffer_unit"), "units");
    for (size_t i = 0; i < nm; i++) {
        const json_t *m = json_array_get(months, i);
        pa[i] = (struct svg_point){.label = str(m, "period")};
        pa[i].has_value = real(m, "units", &pa[i].value);
        pa[i].has_target = real(m, "target", &pa[i].target);
        any_target |= pa[i].has_target;
        /* A commitment in units is read against the stock itself, one in weeks against cover. */
        pc[i] = (struct svg_point){.label = str(m, "period")};
        pc[i].has_value = real(m, by_units ? "on_hand" : "weeks", &pc[i].value);
    }
    const char *code = str(l, "code");
    char att_id[48], cov_id[48], att_title[160], cov_title[160], commitment[64];
    snprintf(att_id, sizeof att_id, "chart-attainment-%zu", n);
    snprintf(cov_id, sizeof cov_id, "chart-cover-%zu", n);
    /* A code is at most a few dozen bytes; a longer one is cut, not the chart lost. */
    snprintf(att_title, sizeof att_title, "Attainment by month: %s", code);
    snprintf(cov_title, sizeof cov_title, "%s: %s", by_units ? "Stock on hand" : "Weeks of cover",
             code);
    snprintf(commitment, sizeof commitment, "commitment: %lld %s", num(l, "buffer_amount"),
             by_units ? "units" : "weeks");
    const struct svg_chart list[] = {
        {.id = att_id,
         .title = att_title,
         .desc = "The line's units sold each month, from submitted reports, against its unit "
                 "target for the month where it has one; from the relationship's first month, "
                 "at most the last twelve.",
         .unit = "units",
         .value_name = "units sold",
         /* A legend naming targets that no month has would read as a line not drawn. */
         .target_name = any_target ? "target" : NULL,
         .kind = SVG_BAR,
         .points = pa,
         .n = nm},
        {.id = cov_id,
         .title = cov_title,
         .desc = by_units
                     ? "The line's units on hand at each month's end, against its buffer-stock "
                       "commitment in units."
                     : "The line's stock on hand at each month's end, in weeks of its sales "
                       "over the reports of the trailing three months, against its "
                       "buffer-stock commitment when that is in weeks.",
         .unit = by_units ? "units" : "weeks",
         .value_name = by_units ? "units on hand" : "weeks of cover",
         .points = pc,
         .n = nm,
         .has_line = *str(l, "buffer_unit") != '\0',
         .line = (double)num(l, "buffer_amount"),
         .line_name = commitment},
    };
    end_blocks(p);
    fixed(p, "<div class=\"charts\">\n");
    for (size_t i = 0; i < sizeof list / sizeof list[0]; i++) {
        fixed(p, "<figure>");
        if (svg_chart(p->out, &list[i]) < 0)
            p->out->failed = true;
        fixed(p, "</figure>\n");
    }
    fixed(p, "</div>\n");
}

/*
 * Performance by product line (migration 0220): each line's sales against
 * its own targets and its cover against its own commitment, since adding
 * lines together hid one line's fall behind another's sales. SVG in HTML,
 * tables in Markdown. The months start at the relationship's first
 * (migration 0087); with none over yet there is nothing to chart, and a
 * sentence says so and when there will be.
 */
static void charts(struct page *p, const json_t *ch)
{
    const json_t *lines = json_object_get(ch, "lines");
    if (!json_array_size(json_object_get(ch, "months"))) {
        const char *since = str(ch, "since");
        end_blocks(p);
        para(p);
        if (*since) {
            /*
             * The charts start at the first activation, not at the relationship's start,
             * which a grant may date back (report open names that one): the sentence says
             * which day it counts from, so that the two days do not read as one contradicted.
             */
            fixed(p, "The charter was first activated on ");
            user(p, since);
            fixed(p, ": no month since is over yet, so there is no performance to show. The "
                     "first month's sales, targets, stock cover and health appear here once that "
                     "month ends.");
        } else {
            fixed(p, "No charter has been activated yet: performance is shown from the "
                     "relationship's first month, once that month ends.");
        }
        para_end(p);
        return;
    }
    end_blocks(p);
    para(p);
    if (!json_array_size(lines))
        fixed(p, "No product line has sales, stock, a monthly unit target or a buffer-stock "
                 "commitment in these months.");
    else
        fixed(p, "Each product line on its own: units sold each month against its unit target, "
                 "and weeks of cover against its buffer-stock commitment (units on hand, for a "
                 "commitment in units).");
    para_end(p);
    size_t i;
    const json_t *l;
    json_array_foreach(lines, i, l) line_charts(p, l, i + 1);
    long long more = num(ch, "lines_more");
    if (more > 0) {
        para(p);
        fmt(p,
            "%lld more product line%s %s not charted here: at most eight lines are, the first "
            "eight by code.",
            more, plural(more), more == 1 ? "is" : "are");
        para_end(p);
    }
    cover_lines(p, ch);
    health_chart(p, json_object_get(ch, "health"));
}

static const char style[] =
    "<style>\n"
    "body{font-family:system-ui,'Noto Sans','Noto Sans JP',sans-serif;line-height:1.45;"
    "max-width:52rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a}\n"
    "table{border-collapse:collapse;margin:0.5rem 0 1rem}\n"
    "th,td{border:1px solid #bbb;padding:0.25rem 0.5rem;text-align:left;vertical-align:top}\n"
    "figure{margin:1rem 0}svg.chart{max-width:100%;height:auto}\n"
    ".score{font-size:2.5rem;font-weight:bold}\n"
    "@media print{body{margin:0;max-width:none;font-size:10.5pt}"
    "h2{break-after:avoid;page-break-after:avoid}"
    "table,figure,li{break-inside:avoid;page-break-inside:avoid}"
    "a{color:inherit;text-decoration:none}"
    "@page{margin:18mm}}\n"
    "</style>\n";

static void html_open(struct page *p, const char *what, const json_t *dist)
{
    fixed(p, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
             "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>");
    fixed(p, what);
    fixed(p, ": ");
    user(p, str(dist, "name"));
    fixed(p, "</title>\n");
    fixed(p, style);
    fixed(p, "</head>\n<body>\n<main>\n");
}

static void html_close(struct page *p)
{
    end_blocks(p);
    fixed(p, "</main>\n</body>\n</html>\n");
}

int handbook_render(const json_t *data, enum handbook_format f, struct svg_text *out)
{
    if (!json_is_object(data))
        return -1;
    struct page p = {out, f, false, false};
    const json_t *dist = json_object_get(data, "distributor");
    const json_t *charter = json_object_get(data, "charter");
    if (f == HANDBOOK_HTML)
        html_open(&p, "Relationship Operating Handbook", dist);
    title_block(&p, dist, "Relationship Operating Handbook",
                json_is_object(charter) ? num(charter, "version") : 0);
    section_charter(&p, charter);
    section_cadence(&p, data);
    section_escalation(&p, data);
    section_languages(&p, data);
    section_notes(&p, data);
    heading(&p, 2, "6. Performance at a glance");
    charts(&p, json_object_get(data, "charts"));
    if (f == HANDBOOK_HTML)
        html_close(&p);
    else
        end_blocks(&p);
    return out->failed ? -1 : 0;
}

/* A health factor as a reader names it (docs/health.md); an unknown key as it is. */
static const char *factor_name(const char *key)
{
    static const char *const names[][2] = {{"report_timeliness", "Report timeliness"},
                                           {"notes_compliance", "Meeting notes on time"},
                                           {"responsiveness", "Answers to requests"},
                                           {"target_attainment", "Targets attained"},
                                           {"inventory_cover", "Stock against the commitment"},
                                           {"order_trend", "Order trend"},
                                           {"competing_lines", "Competing lines"},
                                           {"overdue_actions", "Overdue action items"},
                                           {"flagged_deals", "Flagged deal registrations"}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!strcmp(key, names[i][0]))
            return names[i][1];
    return key;
}

int handbook_scorecard(const json_t *data, struct svg_text *out)
{
    if (!json_is_object(data))
        return -1;
    struct page p = {out, HANDBOOK_HTML, false, false};
    const json_t *dist = json_object_get(data, "distributor");
    const json_t *ch = json_object_get(data, "charts");
    const json_t *now = json_object_get(ch, "health_now");
    html_open(&p, "Scorecard", dist);
    title_block(&p, dist, "Scorecard", num(data, "charter_version"));
    heading(&p, 2, "Health");
    if (!json_is_object(now)) {
        para(&p);
        fixed(&p, "No health score has been computed yet.");
        para_end(&p);
    } else {
        fmt(&p, "<p><span class=\"score\">%lld</span> / 100, computed ", num(now, "score"));
        /* "2026-12-05T22:07:18.815Z" as a reader writes it: "2026-12-05 22:07 UTC". */
        const char *at = str(now, "computed_at");
        if (at && strlen(at) >= 17 && at[10] == 'T' && at[strlen(at) - 1] == 'Z' &&
            strspn(at, "0123456789-") == 10 && strspn(at + 11, "0123456789:") >= 5)
            fmt(&p, "%.10s %.5s UTC", at, at + 11);
        else
            user(&p, at);
        fixed(&p, "</p>\n");
        const json_t *reasons = json_object_get(now, "reasons");
        if (json_array_size(reasons)) {
            static const char *const heads[] = {"Reason", "Points lost", "Detail"};
            table(&p, heads, 3);
            size_t i;
            const json_t *r;
            json_array_foreach(reasons, i, r)
            {
                char points[32];
                double v = 0.0;
                snprintf(points, sizeof points, "%g", real(r, "points", &v) ? v : 0.0);
                const char *cells[] = {factor_name(str(r, "factor")), points, str(r, "detail")};
                row(&p, cells, 3);
            }
        }
    }
    heading(&p, 2, "Charts");
    charts(&p, ch);
    html_close(&p);
    return out->failed ? -1 : 0;
}
