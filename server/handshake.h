/*
 * handshake.h - the CPU-heavy steps of TLS handshakes (the key exchange and
 * the signature over the ClientHello), taken on a thread beside each
 * worker's loop at a lower CPU priority than the loop.
 *
 * A burst of new connections then costs the clients already connected
 * nothing the scheduler can spare them: whenever a worker has a frame to
 * answer, the kernel runs it before the next handshake step, instead of the
 * loop finishing a step before it polls. New connections still complete
 * as fast as the CPU the workers leave allows.
 *
 * A job is one SSL object whose memory BIOs hold what the peer sent. From
 * handshaker_submit() until its done callback the job's SSL object and its
 * BIOs belong to the handshake thread: the loop neither reads into nor
 * writes out of them meanwhile.
 */
#ifndef LIAISON_HANDSHAKE_H
#define LIAISON_HANDSHAKE_H

#include <stdbool.h>
#include <openssl/ssl.h>
#include <uv.h>

enum hs_state { HS_IDLE, HS_QUEUED, HS_RUNNING, HS_DONE };

struct hs_job {
    SSL *ssl;
    /* Set by the thread: 1 done, 0 more bytes wanted, -1 failed (why says how). */
    int result;
    char why[256];
    enum hs_state state; /* under the handshaker's lock */
    struct hs_job *prev, *next;
};

/*
 * Runs on the loop, once per job: result and why are set, or cancelled is
 * true when the job was never taken (the handshaker is closing).
 */
typedef void (*hs_done_fn)(struct hs_job *job, bool cancelled);

struct handshaker {
    uv_async_t async; /* the thread's "jobs are done" to the loop */
    uv_thread_t thread;
    uv_mutex_t lock;
    uv_cond_t more;
    struct hs_job *queue_head, *queue_tail; /* waiting for the thread, oldest first */
    struct hs_job *done_head, *done_tail;   /* taken, waiting for the loop */
    hs_done_fn done;
    int nice;
    bool stopping;
    bool thread_started;
};

/*
 * Starts h's thread, at nice (0-19) above the calling process's own
 * priority; done runs on loop. Returns 0, or -1 with err filled in.
 */
int handshaker_init(struct handshaker *h, uv_loop_t *loop, int nice, hs_done_fn done, char *err,
                    size_t errlen);

/* Queues a handshake step of job->ssl (state HS_IDLE). */
void handshaker_submit(struct handshaker *h, struct hs_job *job);

/*
 * Takes job back if the thread has not started it: true, and its done
 * callback will not run. false: it runs or ran, and the callback comes.
 */
bool handshaker_cancel(struct handshaker *h, struct hs_job *job);

/*
 * From the loop: stops and joins the thread (a step it is taking finishes),
 * runs the done callback of every job (cancelled for those never taken),
 * then closes the async handle, calling closed when it is closed.
 */
void handshaker_close(struct handshaker *h, uv_close_cb closed);

#endif
