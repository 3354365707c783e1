/*
 * resolve.c - names, codes, SKUs and e-mails where the server takes ids.
 * An argument of digits only is an id, sent as it is. Anything else is
 * looked up with the list RPC's name filter (the server narrows by
 * substring, any case) and then matched here:
 *   1. the items whose name, code, SKU or e-mail equals the argument
 *      after case folding (ASCII, Latin-1, Latin Extended-A/B as
 *      Vietnamese uses it, Vietnamese's Latin Extended Additional, Greek
 *      and Cyrillic; other characters compare byte for byte, and no
 *      Unicode normalisation is applied): one is the answer; of several,
 *      the only distributor not terminated, else the only one written
 *      exactly as the argument;
 *   2. else, when the filter found exactly one item, that item;
 *   3. else not found (exit 4) or ambiguous (candidates listed, exit 2).
 * For what cannot be undone (cli_resolve_exact) step 2 is refused instead.
 * The filter's answers are read page by page up to RESOLVE_MAX_ITEMS: a
 * part so common that the exact one is past that is ambiguous, and an id
 * does the job. A user is also "me", or the caller's own e-mail, which
 * needs no right to list users (a distributor user names itself).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define RESOLVE_PAGE 500
#define RESOLVE_MAX_ITEMS 10000

struct resolve_kind {
    const char *what;      /* in messages: "distributor" */
    const char *method;    /* the list RPC */
    const char *items_key; /* its response's array */
    const char *keys[2];   /* fields an argument may equal */
    const char *shown[2];  /* more fields listed with ambiguous candidates */
};

static const struct resolve_kind kinds[] = {
    [CLI_DISTRIBUTOR] =
        {"distributor", "ListDistributors", "distributors", {"name", NULL}, {"country", "status"}},
    [CLI_PRODUCT_LINE] = {"product line", "ListProductLines", "productLines", {"code", "name"}},
    [CLI_PRODUCT] = {"product", "ListProducts", "products", {"sku", "name"}},
    [CLI_USER] = {"user", "ListUsers", "users", {"email", "displayName"}},
    [CLI_CONTACT] = {"contact", "ListContacts", "contacts", {"name", "email"}, {"role", NULL}},
    [CLI_ACCOUNT] = {"key account",
                     "ListKeyAccounts",
                     "accounts",
                     {"name", NULL},
                     {"country", "distributorName"}},
};

/* The next code point of s (advanced past it); malformed bytes are taken one by one. */
static uint32_t utf8_next(const unsigned char **s)
{
    const unsigned char *p = *s;
    size_t n = p[0] < 0x80 ? 1 : (p[0] & 0xE0) == 0xC0 ? 2 : (p[0] & 0xF0) == 0xE0 ? 3 : 4;
    uint32_t cp = n == 1 ? p[0] : p[0] & (0x7F >> n);
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80) {
            *s = p + 1;
            return p[0];
        }
        cp = (cp << 6) | (p[i] & 0x3F);
    }
    *s = p + n;
    return cp;
}

/* The lower-case of cp in the scripts the header names; cp itself elsewhere. */
static uint32_t fold(uint32_t cp)
{
    if ((cp >= 'A' && cp <= 'Z') || (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7) ||
        (cp >= 0x391 && cp <= 0x3AB && cp != 0x3A2) || (cp >= 0x410 && cp <= 0x42F))
        return cp + 0x20;
    if (cp >= 0x400 && cp <= 0x40F)
        return cp + 0x50;
    /* Pairs upper-even, lower-odd: Latin Extended-A (but its odd-paired
     * stretches), and Latin Extended Additional (Vietnamese ạ..ỹ). */
    if (((cp >= 0x100 && cp <= 0x137) || (cp >= 0x14A && cp <= 0x177) ||
         (cp >= 0x1E00 && cp <= 0x1EFF)) &&
        !(cp & 1))
        return cp + 1;
    if (((cp >= 0x139 && cp <= 0x148) || (cp >= 0x179 && cp <= 0x17E)) && (cp & 1))
        return cp + 1;
    if (cp == 0x1A0 || cp == 0x1AF) /* Ơ, Ư */
        return cp + 1;
    return cp;
}

/*
 * The letter cp is without its marks, for the Latin letters of
 * U+00C0..U+024F ('.': none or not a letter) and Vietnamese's Latin
 * Extended Additional; cp itself elsewhere. "Nguyen Van An" is typed
 * for "Nguyễn Văn An" on a keyboard without Vietnamese.
 */
static uint32_t unmark(uint32_t cp)
{
    static const char latin[] = "AAAAAAACEEEEIIIIDNOOOOO.OUUUUYTsaaaaaaaceeeeiiiidnooooo.ouuuuyty"
                                "AaAaAaCcCcCcCcDdDdEeEeEeEeEeGgGgGgGgHhHhIiIiIiIiIi..JjKkkLlLlLl."
                                ".LlNnNnNn.NnOoOoOoOoRrRrRrSsSsSsSsTtTt..UuUuUuUuUuUuWwYyYZzZzZzs"
                                "................................Oo.............Uu..............."
                                ".............AaIiOoUuUuUuUuUu.AaAa....GgKkOoOo..j...Gg..NnAa...."
                                "AaAaEeEeIiIiOoOoRrRrUuUuSsTt..Hh......AaEeOoOoOoOoYy............"
                                "................";
    if (cp >= 0xC0 && cp < 0xC0 + sizeof latin - 1)
        return latin[cp - 0xC0] == '.' ? cp : (uint32_t)latin[cp - 0xC0];
    /* U+1EA0..U+1EF9: runs of A, E, I, O, U and Y, capital and small alternating. */
    static const struct {
        uint32_t last;
        char letter;
    } runs[] = {{0x1EB7, 'a'}, {0x1EC7, 'e'}, {0x1ECB, 'i'},
                {0x1EE3, 'o'}, {0x1EF1, 'u'}, {0x1EF9, 'y'}};
    for (size_t i = 0; cp >= 0x1EA0 && i < sizeof runs / sizeof runs[0]; i++)
        if (cp <= runs[i].last)
            return cp & 1 ? (uint32_t)runs[i].letter : (uint32_t)runs[i].letter - 0x20;
    return cp;
}

/* The next code point of *s folded, and without its marks when unmarked. */
static uint32_t next_folded(const unsigned char **s, bool unmarked)
{
    uint32_t cp = utf8_next(s);
    return fold(unmarked ? unmark(cp) : cp);
}

static bool equal(const char *a, const char *b, bool unmarked)
{
    const unsigned char *p = (const unsigned char *)a, *q = (const unsigned char *)b;
    while (*p && *q)
        if (next_folded(&p, unmarked) != next_folded(&q, unmarked))
            return false;
    return !*p && !*q;
}

static bool contains(const char *hay, const char *needle, bool unmarked)
{
    for (const unsigned char *h = (const unsigned char *)hay;; utf8_next(&h)) {
        const unsigned char *p = h, *q = (const unsigned char *)needle;
        bool same = true;
        while (*q && same)
            same = *p && next_folded(&p, unmarked) == next_folded(&q, unmarked);
        if (same)
            return true;
        if (!*h)
            return false;
    }
}

bool cli_fold_equal(const char *a, const char *b)
{
    return equal(a, b, false);
}

bool cli_fold_contains(const char *hay, const char *needle)
{
    return contains(hay, needle, false);
}

bool cli_unmarked_equal(const char *a, const char *b)
{
    return equal(a, b, true);
}

bool cli_unmarked_contains(const char *hay, const char *needle)
{
    return contains(hay, needle, true);
}

json_int_t cli_json_id(const json_t *v)
{
    if (json_is_string(v))
        return strtoll(json_string_value(v), NULL, 10);
    return json_integer_value(v);
}

static bool all_digits(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return false;
    return true;
}

/* A --json status object on one line of stderr; takes st (NULL: out of memory). */
static void status_print(json_t *st)
{
    char *s = st ? json_dumps(st, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    fprintf(stderr, "%s\n", s ? s : "{}");
    free(s);
    json_decref(st);
}

void cli_fail(const struct cli *cli, const char *code, const char *message)
{
    if (cli->set.json) {
        status_print(json_pack("{s:s,s:s}", "code", code, "message", message));
        return;
    }
    fputs("liaison: ", stderr);
    output_escaped(stderr, message);
    fputc('\n', stderr);
}

void cli_fail_option(const struct cli *cli, const char *option, const char *field, const char *why)
{
    if (cli->set.json) {
        char message[512];
        snprintf(message, sizeof message, "%s: %s", field, why);
        status_print(json_pack("{s:s,s:s,s:[{s:s,s:s,s:s}]}", "code", "INVALID_ARGUMENT", "message",
                               message, "violations", "field", field, "description", why, "option",
                               option));
        return;
    }
    fprintf(stderr, "liaison: invalid %s: ", option);
    output_escaped(stderr, why);
    fputc('\n', stderr);
}

/*
 * An ambiguous argument: the message and the candidates (the first 20), an
 * id and names a line escaped for a terminal, or with --json one status
 * object whose "candidates" hold each one's id and fields.
 */
static void resolve_ambiguous(const struct cli *cli, const struct resolve_kind *k, json_t *items,
                              const char *message)
{
    size_t i;
    json_t *it;
    if (cli->set.json) {
        json_t *list = json_array();
        json_array_foreach(items, i, it)
        {
            if (i == 20)
                break;
            json_t *c = json_pack("{s:O}", "id", json_object_get(it, "id"));
            const char *const *fields[] = {k->keys, k->shown};
            for (int f = 0; c && f < 2; f++)
                for (int j = 0; j < 2 && fields[f][j]; j++) {
                    json_t *v = json_object_get(it, fields[f][j]);
                    if (v)
                        json_object_set(c, fields[f][j], v);
                }
            json_array_append_new(list, c);
        }
        status_print(json_pack("{s:s,s:s,s:o}", "code", "INVALID_ARGUMENT", "message", message,
                               "candidates", list));
        return;
    }
    fputs("liaison: ", stderr);
    output_escaped(stderr, message);
    fputs(":\n", stderr);
    json_array_foreach(items, i, it)
    {
        if (i == 20) {
            fprintf(stderr, "  ... and %zu more\n", json_array_size(items) - i);
            break;
        }
        fprintf(stderr, "  %-8lld", (long long)cli_json_id(json_object_get(it, "id")));
        for (int j = 0; j < 2 && k->keys[j]; j++) {
            fputs(j ? "  " : "", stderr);
            const char *v = json_string_value(json_object_get(it, k->keys[j]));
            output_escaped(stderr, v ? v : "");
        }
        for (int j = 0; j < 2 && k->shown[j]; j++) {
            const char *v = json_string_value(json_object_get(it, k->shown[j]));
            fputs(j ? ", " : "  (", stderr);
            output_escaped(stderr, v && *v ? v : "-");
            fputs(j + 1 < 2 && k->shown[j + 1] ? "" : ")", stderr);
        }
        fputc('\n', stderr);
    }
}

/*
 * Letters in the UTF-8 string s: code points but the combining diacritics
 * (U+0300-U+036F), so that a name typed decomposed ("a" + U+0300) counts
 * as the same name composed.
 */
static size_t resolve_chars(const char *s)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        uint32_t cp = utf8_next(&p);
        n += cp < 0x300 || cp > 0x36F;
    }
    return n;
}

/*
 * Codes and SKUs are unique as written, so "BRK" and "brk" may both exist:
 * among several equal in any case, the one written exactly as given is
 * meant. Its id, or 0 when none or more than one is.
 */
static json_int_t resolve_one_same(const struct resolve_kind *k, json_t *items, const char *arg)
{
    json_int_t found = 0;
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it)
    {
        for (int j = 0; j < 2 && k->keys[j]; j++) {
            const char *v = json_string_value(json_object_get(it, k->keys[j]));
            if (v && !strcmp(v, arg)) {
                if (found)
                    return 0;
                found = cli_json_id(json_object_get(it, "id"));
                break;
            }
        }
    }
    return found;
}

/*
 * A terminated distributor is final, so a relationship taken up again is a
 * new record, often under the same name: the one not terminated among
 * several named alike is the one meant (the others by id). Its id, or 0
 * when none or more than one is live.
 */
static json_int_t resolve_one_live(json_t *items)
{
    json_int_t found = 0;
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it)
    {
        const char *status = json_string_value(json_object_get(it, "status"));
        if (status && !strcmp(status, "terminated"))
            continue;
        if (found)
            return 0;
        found = cli_json_id(json_object_get(it, "id"));
    }
    return found;
}

/*
 * The caller's own user id when arg is "me" or the caller's e-mail:
 * EXIT_OK with *out set; EXIT_NOT_FOUND when arg names someone else (or
 * the caller is no user); another exit code when WhoAmI failed.
 */
static int resolve_self(struct cli *cli, const char *arg, json_int_t *out)
{
    json_t *resp;
    int rc = cli_call(cli, "WhoAmI", NULL, &resp);
    if (rc != EXIT_OK)
        return rc;
    const json_t *me = json_object_get(resp, "identity");
    const char *email = json_string_value(json_object_get(me, "name"));
    json_int_t id = cli_json_id(json_object_get(me, "userId"));
    rc = EXIT_NOT_FOUND;
    if (id > 0 && (cli_fold_equal(arg, "me") || (email && cli_fold_equal(arg, email)))) {
        *out = id;
        rc = EXIT_OK;
    } else if (cli_fold_equal(arg, "me")) {
        cli_fail(cli, "INVALID_ARGUMENT", "'me' is a user, and these credentials are not one");
        rc = EXIT_USAGE;
    }
    json_decref(resp);
    return rc;
}

json_t *cli_party(struct cli *cli, const char *arg, int *rc)
{
    *rc = EXIT_OK;
    if (!cli_fold_equal(arg, "me"))
        return json_string(arg);
    json_t *resp;
    if ((*rc = cli_call(cli, "WhoAmI", NULL, &resp)) != EXIT_OK)
        return NULL;
    const json_t *me = json_object_get(resp, "identity");
    const char *email = json_string_value(json_object_get(me, "name"));
    json_t *party = cli_json_id(json_object_get(me, "userId")) > 0 && email && email[0]
                        ? json_string(email)
                        : NULL;
    json_decref(resp);
    if (!party) {
        cli_fail(cli, "INVALID_ARGUMENT", "'me' is a user, and these credentials are not one");
        *rc = EXIT_USAGE;
    }
    return party;
}

int cli_parties(struct cli *cli, json_t *parties)
{
    size_t i;
    json_t *v;
    json_array_foreach(parties, i, v)
    {
        int rc;
        json_t *party = cli_party(cli, json_string_value(v), &rc);
        if (!party)
            return rc ? rc : EXIT_ERROR;
        json_array_set_new(parties, i, party);
    }
    return EXIT_OK;
}

/*
 * '-' as a distributor: a distributor user's own, as 'attainment -' has always
 * read it. Without it a distributor user typed its full name into every
 * command ('order place 株式会社東亜ディストリビューション ...'), and '-' was
 * "no distributor '-'". Returns an exit code.
 */
static int resolve_own_distributor(struct cli *cli, json_int_t *out)
{
    json_t *resp;
    int rc = cli_call(cli, "WhoAmI", NULL, &resp);
    if (rc != EXIT_OK)
        return rc;
    json_int_t id =
        cli_json_id(json_object_get(json_object_get(resp, "identity"), "distributorId"));
    json_decref(resp);
    if (id > 0) {
        *out = id;
        return EXIT_OK;
    }
    cli_fail(cli, "INVALID_ARGUMENT",
             "'-' is your own distributor, and these credentials are not a distributor "
             "user's: give the distributor's name or id");
    return EXIT_USAGE;
}

/* Every item the list RPC's name filter finds for arg, page by page, up to
 * RESOLVE_MAX_ITEMS, into *items (the caller's). Returns an exit code. */
static int resolve_fetch(struct cli *cli, const struct resolve_kind *k, const char *arg,
                         json_int_t distributor, const char *denied, json_t **items)
{
    json_t *all = json_array();
    char *cursor = strdup("");
    int rc = all && cursor ? EXIT_OK : EXIT_ERROR;
    while (rc == EXIT_OK && json_array_size(all) < RESOLVE_MAX_ITEMS) {
        json_t *req = json_pack("{s:s,s:{s:i,s:s}}", "name", arg, "page", "pageSize", RESOLVE_PAGE,
                                "cursor", cursor);
        if (!req) {
            rc = EXIT_ERROR;
            break;
        }
        if (distributor)
            json_object_set_new(req, "distributorId", json_integer(distributor));
        if (k == &kinds[CLI_PRODUCT_LINE] || k == &kinds[CLI_PRODUCT])
            json_object_set_new(req, "includeRetired", json_true());
        /* A contact who left is still named: to show them, mark them back, or be told why not. */
        if (k == &kinds[CLI_CONTACT])
            json_object_set_new(req, "includeLeft", json_true());
        json_t *resp;
        /* The server's refusal would name ListUsers, a call the user never made. */
        rc = cli_call_or_deny(cli, k->method, req, &resp, denied);
        if (rc != EXIT_OK)
            break;
        json_array_extend(all, json_object_get(resp, k->items_key));
        const char *next =
            json_string_value(json_object_get(json_object_get(resp, "page"), "nextCursor"));
        free(cursor);
        cursor = next && *next ? strdup(next) : NULL;
        json_decref(resp);
        if (!cursor)
            break;
    }
    if (rc == EXIT_ERROR)
        fprintf(stderr, "liaison: out of memory\n");
    free(cursor);
    if (rc != EXIT_OK) {
        json_decref(all);
        return rc;
    }
    *items = all;
    return EXIT_OK;
}

static int resolve(struct cli *cli, enum cli_kind kind, const char *arg, json_int_t distributor,
                   bool exact_only, const char *denied, json_int_t *out);

/* The server's refusal would name ListUsers, a call the user never made. */
static const char user_lookup_denied[] =
    "only tenant admins, managers and auditors find users by e-mail or name: give the user's "
    "id, or 'me'";

int cli_resolve(struct cli *cli, enum cli_kind kind, const char *arg, json_int_t distributor,
                json_int_t *out)
{
    return resolve(cli, kind, arg, distributor, false, kind == CLI_USER ? user_lookup_denied : NULL,
                   out);
}

int cli_resolve_exact(struct cli *cli, enum cli_kind kind, const char *arg, json_int_t *out)
{
    return resolve(cli, kind, arg, 0, true, kind == CLI_USER ? user_lookup_denied : NULL, out);
}

int cli_resolve_user(struct cli *cli, const char *arg, const char *denied, json_int_t *out)
{
    return resolve(cli, CLI_USER, arg, 0, true, denied, out);
}

static int resolve(struct cli *cli, enum cli_kind kind, const char *arg, json_int_t distributor,
                   bool exact_only, const char *denied, json_int_t *out)
{
    const struct resolve_kind *k = &kinds[kind];
    if (!arg || !*arg) {
        fprintf(stderr, "liaison: an empty %s\n", k->what);
        return EXIT_USAGE;
    }
    if (all_digits(arg))
        return cli_parse_id(arg, out);
    if (kind == CLI_DISTRIBUTOR && !strcmp(arg, "-"))
        return resolve_own_distributor(cli, out);
    char msg[512];
    /* The server's filter takes at most this; its refusal would name the command's own
     * --name, which may mean something else ('contact update --name'). */
    if (strlen(arg) > 200) {
        snprintf(msg, sizeof msg, "a %s is looked up by at most 200 bytes of its name: give its id",
                 k->what);
        cli_fail(cli, "INVALID_ARGUMENT", msg);
        return EXIT_USAGE;
    }
    if (kind == CLI_CONTACT && !distributor) {
        snprintf(msg, sizeof msg,
                 "a contact is named within its distributor: add --distributor, or give the "
                 "contact's id");
        cli_fail(cli, "INVALID_ARGUMENT", msg);
        return EXIT_USAGE;
    }
    int rc;
    if (kind == CLI_USER) {
        rc = resolve_self(cli, arg, out);
        if (rc != EXIT_NOT_FOUND)
            return rc;
    }
    json_t *items = NULL;
    rc = resolve_fetch(cli, k, arg, kind == CLI_CONTACT ? distributor : 0, denied, &items);
    if (rc != EXIT_OK)
        return rc;
    /*
     * A key account for a distributor: its own copy of the customer, or the exporter's. Each
     * distributor has its own (migration 0063): the others' made one name ambiguous (a review).
     */
    for (size_t n = json_array_size(items); kind == CLI_ACCOUNT && distributor && n-- > 0;) {
        json_int_t side = cli_json_id(json_object_get(json_array_get(items, n), "distributorId"));
        if (side && side != distributor)
            json_array_remove(items, n);
    }
    json_t *exact = json_array();
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it)
    {
        for (int j = 0; j < 2 && k->keys[j]; j++) {
            const char *v = json_string_value(json_object_get(it, k->keys[j]));
            if (v && cli_fold_equal(v, arg)) {
                json_array_append(exact, it);
                break;
            }
        }
    }
    /*
     * Among several equal in any case (never among mere parts, which stay
     * ambiguous): the one distributor not terminated, else the one written
     * exactly as given.
     */
    json_t *pick = json_array_size(exact) ? exact : items;
    size_t n = json_array_size(pick), nexact = json_array_size(exact);
    json_int_t live = kind == CLI_DISTRIBUTOR && nexact > 1 ? resolve_one_live(exact) : 0;
    json_int_t same = !live && nexact > 1 ? resolve_one_same(k, exact, arg) : 0;
    if (same > 0) {
        *out = same;
        rc = EXIT_OK;
    } else if (live > 0) {
        if (!cli->set.json)
            fprintf(stderr, "liaison: '%s' is taken as distributor %lld, the one not terminated\n",
                    arg, (long long)live);
        *out = live;
        rc = EXIT_OK;
    } else if (n == 1 && exact_only && !nexact) {
        const json_t *only = json_array_get(pick, 0);
        const char *name = json_string_value(json_object_get(only, k->keys[0]));
        /* As long as the name, it matched without some of its diacritics (the server's filter). */
        snprintf(msg, sizeof msg,
                 resolve_chars(arg) < resolve_chars(name ? name : "")
                     ? "'%s' is only part of %s '%s' (id %lld): give its whole name or id"
                     : "'%s' is %s '%s' (id %lld) without some of its diacritics: give its name "
                       "as it is written, or its id",
                 arg, k->what, name, (long long)cli_json_id(json_object_get(only, "id")));
        cli_fail(cli, "INVALID_ARGUMENT", msg);
        rc = EXIT_USAGE;
    } else if (n == 1) {
        *out = cli_json_id(json_object_get(json_array_get(pick, 0), "id"));
        rc = EXIT_OK;
    } else if (n == 0) {
        snprintf(msg, sizeof msg, "no %s '%s'", k->what, arg);
        cli_fail(cli, "NOT_FOUND", msg);
        rc = EXIT_NOT_FOUND;
    } else {
        snprintf(msg, sizeof msg, "'%s' names %zu %ss; give one's id", arg, n, k->what);
        resolve_ambiguous(cli, k, pick, msg);
        rc = EXIT_USAGE;
    }
    json_decref(exact);
    json_decref(items);
    return rc;
}

json_t *cli_resolve_list(struct cli *cli, enum cli_kind kind, const char *list, int *rc)
{
    json_t *ids = json_array();
    json_t *words = cli_split(list, false);
    *rc = EXIT_OK;
    if (!ids || !words) {
        fprintf(stderr, "liaison: a list is comma-separated: BRK,FLT or 1,2\n");
        *rc = EXIT_USAGE;
    }
    size_t i;
    json_t *w;
    json_array_foreach(words, i, w)
    {
        json_int_t id;
        if (*rc || (*rc = cli_resolve(cli, kind, json_string_value(w), 0, &id)))
            break;
        json_array_append_new(ids, json_integer(id));
    }
    json_decref(words);
    if (*rc) {
        json_decref(ids);
        return NULL;
    }
    return ids;
}
