/*
 * authz.c - the RPC permission table.
 */
#include "authz.h"

#include <string.h>

#include "liaison.pb-c.h"

#define ANON (1u << 0)
#define OPERATOR (1u << 1)
#define ADMIN (1u << 2)
#define MANAGER (1u << 3)
#define DISTRIBUTOR (1u << 4)
#define AUDITOR (1u << 5)
#define USERS (ADMIN | MANAGER | DISTRIBUTOR | AUDITOR)
#define ANYONE (ANON | OPERATOR | USERS)

struct authz_rule {
    const char *method;
    unsigned who;
};

static const struct authz_rule rules[] = {
    {"Hello", ANYONE},
    {"Ping", ANYONE},
    {"GetHealth", ANYONE},
    {"ListMigrations", OPERATOR},
    {"Login", ANYONE},
    {"Authenticate", ANYONE},
    {"Logout", OPERATOR | USERS},
    {"WhoAmI", OPERATOR | USERS},
    {"CreateTenant", OPERATOR},
    {"ListTenants", OPERATOR},
    {"GetTenant", OPERATOR},
    {"SuspendTenant", OPERATOR},
    {"ResumeTenant", OPERATOR},
    {"ExportTenant", OPERATOR},
    {"DeleteTenant", OPERATOR},
    {"CreateUser", ADMIN},
    {"ListUsers", ADMIN | AUDITOR},
    {"DisableUser", ADMIN},
    {"EnableUser", ADMIN},
    {"ChangePassword", USERS},
    {"ResetPassword", ADMIN},
    {"CreateApiToken", ADMIN},
    {"ListApiTokens", ADMIN | AUDITOR},
    {"RevokeApiToken", ADMIN},
    {"ListAuditLog", ADMIN | AUDITOR},
    {"CreateProductLine", ADMIN},
    {"ListProductLines", USERS},
    {"UpdateProductLine", ADMIN},
    {"RetireProductLine", ADMIN},
    {"CreateProduct", ADMIN},
    {"ListProducts", USERS},
    {"UpdateProduct", ADMIN},
    {"RetireProduct", ADMIN},
    {"CreateDistributor", ADMIN},
    {"ListDistributors", USERS},
    {"GetDistributor", USERS},
    {"UpdateDistributor", ADMIN | MANAGER},
    {"SetDistributorStatus", ADMIN | MANAGER},
    {"AssignAccountManager", ADMIN},
    {"CreateContact", ADMIN | MANAGER},
    {"ListContacts", USERS},
    {"UpdateContact", ADMIN | MANAGER},
    {"RemoveContact", ADMIN | MANAGER},
    {"CreateCharterDraft", ADMIN | MANAGER},
    {"SetCharterTerms", ADMIN | MANAGER},
    {"AddCharterGrant", ADMIN | MANAGER},
    {"RemoveCharterGrant", ADMIN | MANAGER},
    {"AddCarveOut", ADMIN | MANAGER},
    {"SetCommitment", ADMIN | MANAGER},
    {"DeclareCompetingLine", ADMIN | MANAGER},
    {"CheckCharter", ADMIN | MANAGER | AUDITOR},
    {"ActivateCharter", ADMIN | MANAGER},
    {"GetCharter", USERS},
    {"ListCharterVersions", USERS},
};

#define N_RULES (sizeof rules / sizeof rules[0])

/* Each service method's rule, by the method's descriptor index. */
static const struct authz_rule *by_index[N_RULES];

static const struct authz_rule *authz_lookup(const char *method)
{
    for (size_t i = 0; i < N_RULES; i++)
        if (!strcmp(rules[i].method, method))
            return &rules[i];
    return NULL;
}

static const struct authz_rule *authz_find(const char *method)
{
    const ProtobufCMethodDescriptor *md =
        protobuf_c_service_descriptor_get_method_by_name(&liaison__v1__liaison__descriptor, method);
    return md ? by_index[md - liaison__v1__liaison__descriptor.methods] : NULL;
}

int authz_init(char *err, size_t errlen)
{
    const ProtobufCServiceDescriptor *svc = &liaison__v1__liaison__descriptor;
    for (unsigned i = 0; i < svc->n_methods; i++) {
        const struct authz_rule *r = authz_lookup(svc->methods[i].name);
        if (!r) {
            snprintf(err, errlen, "method %s has no permission rule", svc->methods[i].name);
            return -1;
        }
        if (i < N_RULES)
            by_index[i] = r;
    }
    if (N_RULES != svc->n_methods) {
        snprintf(err, errlen, "permission rules name methods the service does not have");
        return -1;
    }
    return 0;
}

static unsigned authz_bit(const struct identity *id)
{
    if (id->kind == IDENTITY_OPERATOR)
        return OPERATOR;
    if (id->kind != IDENTITY_USER)
        return ANON;
    switch (id->role) {
    case LIAISON__V1__ROLE__ROLE_TENANT_ADMIN:
        return ADMIN;
    case LIAISON__V1__ROLE__ROLE_MANAGER:
        return MANAGER;
    case LIAISON__V1__ROLE__ROLE_DISTRIBUTOR_USER:
        return DISTRIBUTOR;
    case LIAISON__V1__ROLE__ROLE_AUDITOR:
        return AUDITOR;
    default:
        return 0;
    }
}

int authz_check(const char *method, const struct identity *id, const char **why)
{
    const struct authz_rule *r = authz_find(method);
    unsigned bit = authz_bit(id);
    if (r && (r->who & bit))
        return 0;
    if (bit == ANON) {
        *why = "authenticate first (Login or Authenticate)";
        return LIAISON__V1__CODE__UNAUTHENTICATED;
    }
    *why = "your role may not call this method";
    return LIAISON__V1__CODE__PERMISSION_DENIED;
}

void authz_print_table(FILE *out)
{
    static const struct {
        unsigned bit;
        const char *name;
    } cols[] = {{ANON, "anonymous"},
                {OPERATOR, "operator"},
                {ADMIN, "tenant_admin"},
                {MANAGER, "manager"},
                {DISTRIBUTOR, "distributor_user"},
                {AUDITOR, "auditor"}};
    fprintf(out, "| method |");
    for (size_t c = 0; c < sizeof cols / sizeof cols[0]; c++)
        fprintf(out, " %s |", cols[c].name);
    fprintf(out, "\n|---|");
    for (size_t c = 0; c < sizeof cols / sizeof cols[0]; c++)
        fprintf(out, "---|");
    fprintf(out, "\n");
    for (size_t i = 0; i < N_RULES; i++) {
        fprintf(out, "| %s |", rules[i].method);
        for (size_t c = 0; c < sizeof cols / sizeof cols[0]; c++)
            fprintf(out, " %s |", rules[i].who & cols[c].bit ? "yes" : "");
        fprintf(out, "\n");
    }
}
