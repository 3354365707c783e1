/*
 * test_pool_leak.c - no row of another tenant or distributor through a
 * pooled database connection. Against a liaisond of its own with one worker
 * and two database connections (test_pool_leak.py starts it), sixteen
 * callers - the admin, a manager of one distributor, the auditor and two
 * distributor users of each of three tenants, and an operator - send
 * pipelined batches in turn, so that reads of different callers share
 * database transactions and every connection carries every tenant in turn.
 * The batches mix reads with writes that succeed, writes that fail a unique
 * constraint inside their transaction (a duplicate user), writes refused by
 * role or by the database (a lead for a distributor the caller does not
 * reach), reads of other tenants' ids, and a caller whose requests carry a
 * 1 ms deadline, so that some are cancelled on their way to or in
 * PostgreSQL. Every row answered is checked against what its caller may
 * see: each name carries the tenant and distributor it was made for
 * ("leak t1 d2 ..."), which must be the caller's tenant and one of its
 * distributors, and each id must be the one made for that name.
 *
 * Usage: test_pool_leak URL CA OPERATOR_TOKEN. Prints the number of
 * transactions and checks; exits 1 on the first row out of reach.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include <jansson.h>
#include <liaison.h>

#include "../check.h"

#define TENANTS 3
#define DISTRIBUTORS 3
#define TRANSACTIONS 10000
#define BATCH 24
#define ALL_DISTRIBUTORS ((1u << DISTRIBUTORS) - 1)
static const char PASSWORD[] = "correct horse battery staple";

enum kind { ADMIN, MANAGER, AUDITOR, DISTRIBUTOR_USER, OPERATOR };

struct caller {
    char label[48];
    enum kind kind;
    int tenant;     /* -1 for the operator */
    unsigned reach; /* bit d: distributor d of the tenant */
    bool impatient; /* requests carry a 1 ms deadline */
    liaison_conn *conn;
    char email[96]; /* users: for a duplicate CreateUser */
    struct sent {
        uint64_t rid;
        int op;
        int tenant, distributor; /* the target of the request, -1 for none */
    } sent[BATCH];
    int nsent;
};

enum op {
    LIST_DISTRIBUTORS,
    GET_DISTRIBUTOR,
    LIST_CONTACTS,
    LIST_LEADS,
    WHOAMI,
    CREATE_CONTACT,
    DUPLICATE_USER,
    REGISTER_LEAD,
    LIST_TENANTS,
    OPS
};

static const char *url, *ca, *operator_token;
static char run_tag[16];
static char slugs[TENANTS][48];
static uint64_t distributor_ids[TENANTS][DISTRIBUTORS];
static unsigned long transactions, checks, refusals, deadlines, rows;
static uint64_t rng = 0x9e3779b97f4a7c15u;
/* makes each new lead's account, and each new contact, a new one */
static unsigned long serial;

static unsigned next_random(unsigned n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (unsigned)(rng % n);
}

static liaison_conn *open_conn(const char *token, bool impatient)
{
    liaison_conn *c = liaison_new(url);
    CHECK(c != NULL);
    CHECK_EQ_INT(liaison_set_option(c, LIAISON_OPT_CA_FILE, ca), LIAISON_OK);
    if (token)
        CHECK_EQ_INT(liaison_set_option(c, LIAISON_OPT_TOKEN, token), LIAISON_OK);
    int rc = liaison_connect(c);
    if (rc != LIAISON_OK)
        fprintf(stderr, "connect: %s\n", liaison_error(c));
    CHECK_EQ_INT(rc, LIAISON_OK);
    /* After connecting: the Authenticate of the connection itself must not time out. */
    if (impatient)
        CHECK_EQ_INT(liaison_set_option(c, LIAISON_OPT_REQUEST_TIMEOUT_MS, "1"), LIAISON_OK);
    return c;
}

/* A set-up call that must succeed; its response, parsed. */
static json_t *must(liaison_conn *c, const char *method, json_t *request)
{
    char *req = json_dumps(request, JSON_COMPACT);
    CHECK(req != NULL);
    json_decref(request);
    char *out = NULL;
    int rc = liaison_call_json(c, method, req, &out);
    if (rc != LIAISON_OK)
        fprintf(stderr, "%s %s: %s %s\n", method, req, liaison_code_name(rc), out ? out : "");
    CHECK_EQ_INT(rc, LIAISON_OK);
    free(req);
    json_t *res = json_loads(out, 0, NULL);
    CHECK(res != NULL);
    liaison_string_free(out);
    return res;
}

/* A uint64 of the canonical JSON mapping: a string of digits, or 0 when absent. */
static uint64_t json_id(const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);
    if (json_is_string(v))
        return strtoull(json_string_value(v), NULL, 10);
    return json_is_integer(v) ? (uint64_t)json_integer_value(v) : 0;
}

static void must_discard(liaison_conn *c, const char *method, json_t *request)
{
    json_decref(must(c, method, request));
}

static char *login(const char *tenant, const char *email)
{
    liaison_conn *c = open_conn(NULL, false);
    char *token = NULL;
    CHECK_EQ_INT(liaison_login(c, tenant, email, PASSWORD, &token), LIAISON_OK);
    liaison_free(c);
    return token;
}

static void add_user(liaison_conn *admin, struct caller *u, const char *role, json_t *extra)
{
    json_t *req =
        json_pack("{s:s, s:s, s:s}", "email", u->email, "role", role, "password", PASSWORD);
    CHECK(req != NULL);
    if (extra) {
        CHECK(json_object_update(req, extra) == 0);
        json_decref(extra);
    }
    json_t *res = must(admin, "CreateUser", req);
    uint64_t id = json_id(json_object_get(res, "user"), "id");
    json_decref(res);
    if (u->kind == MANAGER) {
        /* The manager reaches distributor 0 only, as its account manager. */
        char sid[32], did[32];
        snprintf(sid, sizeof sid, "%" PRIu64, id);
        snprintf(did, sizeof did, "%" PRIu64, distributor_ids[u->tenant][0]);
        must_discard(admin, "AssignAccountManager",
                     json_pack("{s:s, s:s}", "id", did, "userId", sid));
    }
}

/* Three tenants, each with three distributors, two contacts and a lead each, and its callers. */
static int set_up(struct caller *callers)
{
    liaison_conn *op = open_conn(operator_token, false);
    int n = 0;
    for (int t = 0; t < TENANTS; t++) {
        snprintf(slugs[t], sizeof slugs[t], "leak-%s-%d", run_tag, t);
        char admin_email[96];
        snprintf(admin_email, sizeof admin_email, "admin@%s.example", slugs[t]);
        must_discard(op, "CreateTenant",
                     json_pack("{s:s, s:s, s:s, s:s}", "slug", slugs[t], "name", slugs[t],
                               "adminEmail", admin_email, "adminPassword", PASSWORD));
        char *admin_token = login(slugs[t], admin_email);
        liaison_conn *admin = open_conn(admin_token, false);
        for (int d = 0; d < DISTRIBUTORS; d++) {
            char name[64];
            snprintf(name, sizeof name, "leak t%d d%d", t, d);
            json_t *res =
                must(admin, "CreateDistributor",
                     json_pack("{s:{s:s, s:s, s:s, s:[s]}}", "fields", "name", name, "country",
                               "VN", "timeZone", "Asia/Ho_Chi_Minh", "languages", "vi"));
            distributor_ids[t][d] = json_id(json_object_get(res, "distributor"), "id");
            json_decref(res);
            char did[32];
            snprintf(did, sizeof did, "%" PRIu64, distributor_ids[t][d]);
            for (int k = 0; k < 2; k++) {
                char contact[64];
                snprintf(contact, sizeof contact, "leak t%d d%d contact %d", t, d, k);
                must_discard(
                    admin, "CreateContact",
                    json_pack("{s:s, s:{s:s}}", "distributorId", did, "fields", "name", contact));
            }
            char lead[64];
            snprintf(lead, sizeof lead, "leak t%d d%d lead", t, d);
            must_discard(admin, "RegisterLead",
                         json_pack("{s:s, s:s, s:s, s:s, s:s}", "distributorId", did, "accountName",
                                   lead, "country", "VN", "title", lead, "currency", "VND"));
        }
        struct caller *c = &callers[n++];
        *c = (struct caller){.kind = ADMIN, .tenant = t, .reach = ALL_DISTRIBUTORS};
        snprintf(c->email, sizeof c->email, "%s", admin_email);
        snprintf(c->label, sizeof c->label, "admin of t%d", t);
        c->conn = open_conn(admin_token, false);

        c = &callers[n++];
        *c = (struct caller){.kind = MANAGER, .tenant = t, .reach = 1u << 0};
        snprintf(c->email, sizeof c->email, "manager@%s.example", slugs[t]);
        snprintf(c->label, sizeof c->label, "manager of t%d d0", t);
        add_user(admin, c, "ROLE_MANAGER", NULL);

        c = &callers[n++];
        *c = (struct caller){.kind = AUDITOR, .tenant = t, .reach = ALL_DISTRIBUTORS};
        snprintf(c->email, sizeof c->email, "auditor@%s.example", slugs[t]);
        snprintf(c->label, sizeof c->label, "auditor of t%d", t);
        add_user(admin, c, "ROLE_AUDITOR", NULL);

        for (int d = 1; d < DISTRIBUTORS; d++) {
            c = &callers[n++];
            /* One distributor user per run has requests that time out. */
            *c = (struct caller){.kind = DISTRIBUTOR_USER,
                                 .tenant = t,
                                 .reach = 1u << d,
                                 .impatient = t == 1 && d == 1};
            snprintf(c->email, sizeof c->email, "dist%d@%s.example", d, slugs[t]);
            snprintf(c->label, sizeof c->label, "distributor user of t%d d%d", t, d);
            char did[32];
            snprintf(did, sizeof did, "%" PRIu64, distributor_ids[t][d]);
            add_user(admin, c, "ROLE_DISTRIBUTOR_USER", json_pack("{s:s}", "distributorId", did));
        }
        for (struct caller *u = &callers[n - 4]; u < &callers[n]; u++) {
            char *token = login(slugs[t], u->email);
            u->conn = open_conn(token, u->impatient);
            liaison_string_free(token);
        }
        liaison_free(admin);
        liaison_string_free(admin_token);
    }
    struct caller *c = &callers[n++];
    *c = (struct caller){.kind = OPERATOR, .tenant = -1};
    snprintf(c->label, sizeof c->label, "operator");
    c->conn = op;
    return n;
}

/* Whether caller may see distributor d of tenant t. */
static bool reaches(const struct caller *c, int t, int d)
{
    return t == c->tenant && (c->reach & (1u << d));
}

static void leak(const struct caller *c, const char *method, const char *what, const char *json)
{
    fprintf(stderr, "LEAK: %s got %s in %s: %s\n", c->label, what, method, json);
    exit(1);
}

/*
 * Checks one row that names its tenant and distributor ("leak t1 d2 ...")
 * and carries the distributor's id: both must be within the caller's reach
 * and agree with each other.
 */
static void check_row(const struct caller *c, const char *method, const json_t *row,
                      const char *name_key, const char *id_key, const char *json)
{
    const char *name = json_string_value(json_object_get(row, name_key));
    int t, d;
    if (!name || sscanf(name, "leak t%d d%d", &t, &d) != 2 || t < 0 || t >= TENANTS || d < 0 ||
        d >= DISTRIBUTORS)
        leak(c, method, "a row not made by this test", json);
    if (!reaches(c, t, d))
        leak(c, method, name, json);
    if (json_id(row, id_key) != distributor_ids[t][d])
        leak(c, method, "a row whose distributor is not the one its name says", json);
    rows++;
    checks += 2;
}

static void check_rows(const struct caller *c, const char *method, const json_t *res,
                       const char *array, const char *name_key, const char *id_key,
                       const char *json)
{
    size_t i;
    const json_t *row;
    json_array_foreach(json_object_get(res, array), i, row)
        check_row(c, method, row, name_key, id_key, json);
}

static const char *method_of(int op)
{
    static const char *names[OPS] = {[LIST_DISTRIBUTORS] = "ListDistributors",
                                     [GET_DISTRIBUTOR] = "GetDistributor",
                                     [LIST_CONTACTS] = "ListContacts",
                                     [LIST_LEADS] = "ListLeads",
                                     [WHOAMI] = "WhoAmI",
                                     [CREATE_CONTACT] = "CreateContact",
                                     [DUPLICATE_USER] = "CreateUser",
                                     [REGISTER_LEAD] = "RegisterLead",
                                     [LIST_TENANTS] = "ListTenants"};
    return names[op];
}

/* Queues one request of a random kind; reads are most of them. */
static void send_one(struct caller *c)
{
    struct sent *s = &c->sent[c->nsent];
    static const int weights[OPS] = {
        [LIST_DISTRIBUTORS] = 4, [GET_DISTRIBUTOR] = 4, [LIST_CONTACTS] = 4,
        [LIST_LEADS] = 3,        [WHOAMI] = 2,          [CREATE_CONTACT] = 1,
        [DUPLICATE_USER] = 1,    [REGISTER_LEAD] = 1,   [LIST_TENANTS] = 1};
    int total = 0;
    for (int i = 0; i < OPS; i++)
        total += weights[i];
    int pick = (int)next_random((unsigned)total);
    s->op = 0;
    while (pick >= weights[s->op])
        pick -= weights[s->op++];
    /* Targets are drawn from every tenant, so most are out of reach. */
    s->tenant = (int)next_random(TENANTS);
    s->distributor = (int)next_random(DISTRIBUTORS);
    char did[32], text[96];
    snprintf(did, sizeof did, "%" PRIu64, distributor_ids[s->tenant][s->distributor]);
    json_t *req = NULL;
    switch (s->op) {
    case GET_DISTRIBUTOR:
        req = json_pack("{s:s}", "id", did);
        break;
    case LIST_CONTACTS:
        req = json_pack("{s:s}", "distributorId", did);
        break;
    case CREATE_CONTACT:
        snprintf(text, sizeof text, "leak t%d d%d contact %lu by %s", s->tenant, s->distributor,
                 ++serial, c->label);
        req = json_pack("{s:s, s:{s:s}}", "distributorId", did, "fields", "name", text);
        break;
    case DUPLICATE_USER:
        req = json_pack("{s:s, s:s, s:s}", "email", c->kind == OPERATOR ? "x@y.example" : c->email,
                        "role", "ROLE_AUDITOR", "password", PASSWORD);
        break;
    case REGISTER_LEAD:
        snprintf(text, sizeof text, "leak t%d d%d lead %lu by %s", s->tenant, s->distributor,
                 ++serial, c->label);
        req = json_pack("{s:s, s:s, s:s, s:s, s:s}", "distributorId", did, "accountName", text,
                        "country", "VN", "title", text, "currency", "VND");
        break;
    default:
        req = json_object();
        s->tenant = s->distributor = -1;
        break;
    }
    CHECK(req != NULL);
    char *body = json_dumps(req, JSON_COMPACT);
    CHECK(body != NULL);
    json_decref(req);
    CHECK_EQ_INT(liaison_send_json(c->conn, method_of(s->op), body, &s->rid), LIAISON_OK);
    free(body);
    c->nsent++;
}

/* Whether the caller's role may call the op at all (methods.h). */
static bool allowed(const struct caller *c, int op)
{
    switch (op) {
    case LIST_TENANTS:
        return c->kind == OPERATOR;
    case WHOAMI:
        return true;
    case CREATE_CONTACT:
        return c->kind == ADMIN || c->kind == MANAGER;
    case DUPLICATE_USER:
        return c->kind == ADMIN;
    case REGISTER_LEAD:
        return c->kind == ADMIN || c->kind == MANAGER || c->kind == DISTRIBUTOR_USER;
    default:
        return c->kind != OPERATOR;
    }
}

/* Checks one answer against what its caller may see. */
static void check_answer(const struct caller *c, const struct sent *s, int status, const char *json)
{
    const char *method = method_of(s->op);
    transactions++;
    checks++;
    if (status == LIAISON_DEADLINE_EXCEEDED && c->impatient) {
        deadlines++;
        return;
    }
    bool in_reach = s->tenant < 0 || reaches(c, s->tenant, s->distributor);
    if (status != LIAISON_OK) {
        /* A refusal is right unless the caller was entitled to the answer. */
        if (allowed(c, s->op) && in_reach && s->op != DUPLICATE_USER) {
            fprintf(stderr, "%s: %s refused within reach: %s %s\n", c->label, method,
                    liaison_code_name(status), json ? json : "");
            exit(1);
        }
        refusals++;
        return;
    }
    if (!allowed(c, s->op))
        leak(c, method, "an answer to a call its role may not make", json);
    if (s->op == DUPLICATE_USER)
        leak(c, method, "a second user with an existing e-mail", json);
    if (!in_reach)
        leak(c, method, "an answer about another tenant's or distributor's row", json);
    json_t *res = json_loads(json, 0, NULL);
    CHECK(res != NULL);
    switch (s->op) {
    case LIST_DISTRIBUTORS: {
        check_rows(c, method, res, "distributors", "name", "id", json);
        size_t want = 0;
        for (int d = 0; d < DISTRIBUTORS; d++)
            want += (c->reach >> d) & 1u;
        if (json_array_size(json_object_get(res, "distributors")) != want)
            leak(c, method, "a list other than its own distributors", json);
        checks++;
        break;
    }
    case GET_DISTRIBUTOR:
        check_row(c, method, json_object_get(res, "distributor"), "name", "id", json);
        break;
    case LIST_CONTACTS:
        check_rows(c, method, res, "contacts", "name", "distributorId", json);
        break;
    case CREATE_CONTACT:
        check_row(c, method, json_object_get(res, "contact"), "name", "distributorId", json);
        break;
    case LIST_LEADS:
        check_rows(c, method, res, "leads", "title", "distributorId", json);
        break;
    case REGISTER_LEAD:
        check_row(c, method, json_object_get(res, "lead"), "title", "distributorId", json);
        break;
    case WHOAMI: {
        const json_t *id = json_object_get(res, "identity");
        const char *tenant = json_string_value(json_object_get(id, "tenant"));
        const char *want = c->tenant < 0 ? "" : slugs[c->tenant];
        if (strcmp(tenant ? tenant : "", want) != 0)
            leak(c, method, "another caller's identity", json);
        checks++;
        break;
    }
    case LIST_TENANTS:
        checks++;
        break;
    }
    json_decref(res);
}

/* Receives every answer of c's batch and checks it. */
static void receive_batch(struct caller *c)
{
    while (c->nsent > 0) {
        uint64_t rid;
        int status;
        char *json = NULL;
        int rc = liaison_recv_json(c->conn, 30000, &rid, &status, &json);
        if (rc != LIAISON_OK)
            fprintf(stderr, "%s: recv: %s %s\n", c->label, liaison_code_name(rc),
                    liaison_error(c->conn));
        CHECK_EQ_INT(rc, LIAISON_OK);
        int i = 0;
        while (i < c->nsent && c->sent[i].rid != rid)
            i++;
        CHECK(i < c->nsent);
        check_answer(c, &c->sent[i], status, json);
        liaison_string_free(json);
        c->sent[i] = c->sent[--c->nsent];
    }
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: test_pool_leak URL CA OPERATOR_TOKEN\n");
        return 2;
    }
    url = argv[1];
    ca = argv[2];
    operator_token = argv[3];
    snprintf(run_tag, sizeof run_tag, "%lx", (unsigned long)time(NULL) % 0xfffffff);
    struct caller callers[TENANTS * 5 + 1];
    int ncallers = set_up(callers);
    printf("set up %d tenants, %d callers\n", TENANTS, ncallers);
    unsigned long batches = 0;
    while (transactions < TRANSACTIONS) {
        /* Every caller's batch is out before any answer is read. */
        for (int i = 0; i < ncallers; i++) {
            while (callers[i].nsent < BATCH)
                send_one(&callers[i]);
        }
        for (int i = 0; i < ncallers; i++)
            receive_batch(&callers[i]);
        batches += (unsigned long)ncallers;
    }
    for (int i = 0; i < ncallers; i++)
        liaison_free(callers[i].conn);
    printf("transactions %lu in %lu pipelined batches of %d; checks %lu; rows checked %lu; "
           "refused or failed %lu; deadline exceeded %lu; rows out of reach 0\n",
           transactions, batches, BATCH, checks, rows, refusals, deadlines);
    CHECK(deadlines > 0);
    return 0;
}
