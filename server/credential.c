/*
 * credential.c - the per-request credential check (see credential.h).
 */
#include "credential.h"

#include <inttypes.h>

static struct db_stmt q_auth_user = {"SELECT liaison_auth($1::bigint, $2::bigint)", 2, 0};
static struct db_stmt q_auth_operator = {"SELECT liaison_auth_operator($1::bigint)", 1, 0};

int credential_register(void)
{
    struct db_stmt *const stmts[] = {&q_auth_user, &q_auth_operator};
    return db_register(stmts, 2);
}

int credential_txn_begin(struct request *r)
{
    struct db_step *s = &r->txn.steps[0];
    if (r->who.kind == IDENTITY_OPERATOR) {
        s->stmt = &q_auth_operator;
        s->values[0] = request_printf(r, "%" PRId64, r->who.operator_id);
    } else {
        s->stmt = &q_auth_user;
        s->values[0] = request_printf(r, "%" PRId64, r->who.tenant_id);
        s->values[1] = request_printf(r, "%" PRId64, r->who.session_id);
    }
    r->txn.nsteps = 1;
    return 1;
}

bool credential_txn_checks_user(const struct db_txn *txn)
{
    return txn->nsteps > 0 && txn->steps[0].stmt == &q_auth_user;
}
