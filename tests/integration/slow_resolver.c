/*
 * slow_resolver.c - an LD_PRELOAD shim for test_resilience.py: looking up
 * "slow.liaison.test" takes 1.5 s and gives 127.0.0.1, as a slow DNS server
 * would. Every other name goes to the real getaddrinfo.
 */
/* _GNU_SOURCE (for RTLD_NEXT) comes from the build. */
#include <dlfcn.h>
#include <netdb.h>
#include <string.h>
#include <time.h>

typedef int (*getaddrinfo_fn)(const char *, const char *, const struct addrinfo *,
                              struct addrinfo **);

int getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
                struct addrinfo **res)
{
    getaddrinfo_fn real = (getaddrinfo_fn)dlsym(RTLD_NEXT, "getaddrinfo");
    if (!real)
        return EAI_SYSTEM;
    if (node && strcmp(node, "slow.liaison.test") == 0) {
        struct timespec t = {1, 500000000};
        while (nanosleep(&t, &t) != 0)
            ;
        node = "127.0.0.1";
    }
    return real(node, service, hints, res);
}
