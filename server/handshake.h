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
 * handshake_submit() until its done callback the job's SSL object and its
 * BIOs belong to the handshake thread: the loop neither reads into nor
 * writes out of them meanwhile.
 */
#ifndef LIAISON_HANDSHAKE_H
#define LIAISON_HANDSHAKE_H

#include <stdbool.h>
#include <openssl/ssl.h>
#include <uv.h>

enum handshake_state { HANDSHAKE_IDLE, HANDSHAKE_QUEUED, HANDSHAKE_RUNNING, HANDSHAKE_DONE };

struct handshake_job {
    SSL *ssl;
    /* Set by the thread: 1 done, 0 more bytes wanted, -1 failed. */
    int result;
    /*
     * When it failed: OpenSSL's reason, which the done callback owns (free
     * it); NULL when memory for it ran out. Allocated only then, so that a
     * connection does not carry room for it all its life.
     */
    char *why;
    enum handshake_state state; /* under the thread's lock */
    struct handshake_job *prev, *next;
};

/*
 * Runs on the loop, once per job: result and why are set, or cancelled is
 * true when the job was never taken (handshake_close).
 */
typedef void (*handshake_done_fn)(struct handshake_job *job, bool cancelled);

struct handshake_thread {
    uv_async_t async; /* the thread's "jobs are done" to the loop */
    uv_thread_t thread;
    uv_mutex_t lock;
    uv_cond_t more;
    struct handshake_job *queue_head, *queue_tail; /* waiting for the thread, oldest first */
    struct handshake_job *done_head, *done_tail;   /* taken, waiting for the loop */
    handshake_done_fn done;
    int nice;
    bool stopping;
    bool thread_started;
};

/*
 * Starts h's thread, nice (0-19) lower in priority than the calling
 * thread; done runs on loop. Returns 0, or -1 with err filled in.
 */
int handshake_init(struct handshake_thread *h, uv_loop_t *loop, int nice, handshake_done_fn done,
                   char *err, size_t errlen);

/* Queues a handshake step of job->ssl (state HANDSHAKE_IDLE). */
void handshake_submit(struct handshake_thread *h, struct handshake_job *job);

/*
 * Takes job back if the thread has not started it: true, and its done
 * callback will not run. false: it runs or ran, and the callback comes.
 */
bool handshake_cancel(struct handshake_thread *h, struct handshake_job *job);

/*
 * From the loop: stops and joins the thread (a step it is taking finishes),
 * runs the done callback of every job (cancelled for those never taken),
 * then closes the async handle, calling closed (may be NULL) when it is
 * closed.
 */
void handshake_close(struct handshake_thread *h, uv_close_cb closed);

#endif
