/*
 * events.h - live events across instances: one PostgreSQL connection per
 * process LISTENs on the channel the database's triggers notify
 * ("<tenant>:<event id>", migration 0039), and hands each notification to
 * every worker's loop (uv_async); a worker tells the subscriptions of that
 * tenant, which read what they may see in their own transactions
 * (rpc_events.c). A notification carries no content: whatever reaches a
 * client was read under its own credentials.
 */
#ifndef LIAISON_EVENTS_H
#define LIAISON_EVENTS_H

#include <stddef.h>
#include <stdint.h>

struct config;
struct worker;

/* One subscriber on a worker's loop; owned by its request (rpc_events.c). */
struct events_sub {
    struct events_sub *prev, *next;
    int64_t tenant_id;
    /* On the worker's loop: n events (0: an unknown number) of its tenant were announced. */
    void (*notify)(struct events_sub *s, unsigned n);
    /* Set by notify when the subscription must end; events then ends it with end(). */
    int cut;
    void (*end)(struct events_sub *s);
};

/* Before w's thread starts: its end of the hand-over. 0, or -1 with err set. */
int events_worker_init(struct worker *w, char *err, size_t errlen);

/* On w's loop, as it closes its own handles: no more hand-overs to it. */
void events_worker_close(struct worker *w);

/*
 * Starts the listening thread (after the workers): it connects, LISTENs and
 * reconnects after cfg->db_reconnect_ms when the connection fails; after a
 * reconnection every subscription reads again, as it may have missed
 * announcements. 0, or -1 with err set.
 */
int events_start(const struct config *cfg, char *err, size_t errlen);

/* Stops and joins the listening thread (before the workers are joined). */
void events_stop(void);

/* On w's loop: s hears its tenant's announcements until events_unsubscribe(s). */
void events_subscribe(struct worker *w, struct events_sub *s);
void events_unsubscribe(struct events_sub *s);

#endif
