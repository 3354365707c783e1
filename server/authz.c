/*
 * authz.c - whether a caller is one of those a method admits.
 */
#include "authz.h"

#include <string.h>

#include "liaison.pb-c.h"

static unsigned authz_bit(const struct identity *id)
{
    if (id->kind == IDENTITY_OPERATOR)
        return AUTHZ_OPERATOR;
    if (id->kind != IDENTITY_USER)
        return AUTHZ_ANON;
    switch (id->role) {
    case LIAISON__V1__ROLE__ROLE_TENANT_ADMIN:
        return AUTHZ_ADMIN;
    case LIAISON__V1__ROLE__ROLE_MANAGER:
        return AUTHZ_MANAGER;
    case LIAISON__V1__ROLE__ROLE_DISTRIBUTOR_USER:
        return AUTHZ_DISTRIBUTOR;
    case LIAISON__V1__ROLE__ROLE_AUDITOR:
        return AUTHZ_AUDITOR;
    default:
        return 0;
    }
}

static const struct {
    unsigned bit;
    const char *name;
} authz_columns[] = {{AUTHZ_ANON, "anonymous"},
                     {AUTHZ_OPERATOR, "operator"},
                     {AUTHZ_ADMIN, "tenant_admin"},
                     {AUTHZ_MANAGER, "manager"},
                     {AUTHZ_DISTRIBUTOR, "distributor_user"},
                     {AUTHZ_AUDITOR, "auditor"}};

#define N_COLUMNS (sizeof authz_columns / sizeof authz_columns[0])

/* The column name of an identity's kind or role, as in docs/rpc-permissions.md. */
static const char *authz_name(unsigned bit)
{
    for (size_t c = 0; c < N_COLUMNS; c++)
        if (authz_columns[c].bit == bit)
            return authz_columns[c].name;
    return "caller without a role";
}

int authz_check(unsigned who, const struct identity *id, const char *method, char *why, size_t cap)
{
    unsigned bit = authz_bit(id);
    if (who & bit)
        return 0;
    if (bit == AUTHZ_ANON) {
        snprintf(why, cap, "authenticate first (Login or Authenticate)");
        return LIAISON__V1__CODE__UNAUTHENTICATED;
    }
    /* Named, so that a person can tell which of their logins to use. */
    const char *role = authz_name(bit);
    snprintf(why, cap, "%s %s may not call %s", strchr("aeiou", role[0]) ? "an" : "a", role,
             method);
    return LIAISON__V1__CODE__PERMISSION_DENIED;
}

void authz_print_header(FILE *out)
{
    fprintf(out, "| method |");
    for (size_t c = 0; c < N_COLUMNS; c++)
        fprintf(out, " %s |", authz_columns[c].name);
    fprintf(out, "\n|---|");
    for (size_t c = 0; c < N_COLUMNS; c++)
        fprintf(out, "---|");
    fprintf(out, "\n");
}

void authz_print_row(FILE *out, const char *method, unsigned who)
{
    fprintf(out, "| %s |", method);
    for (size_t c = 0; c < N_COLUMNS; c++)
        fprintf(out, " %s |", who & authz_columns[c].bit ? "yes" : "");
    fprintf(out, "\n");
}
