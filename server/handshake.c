/*
 * handshake.c - TLS handshake steps on a thread of lower priority.
 *
 * One thread per worker, not libuv's pool: the pool runs Argon2 hashes and
 * long requests at the loop's priority, and a thread's nice value stays
 * with the thread.
 */
#include "handshake.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sys/resource.h>

#include <openssl/err.h>

#include "log.h"
#include "tls.h"

static void hs_append(struct hs_job **head, struct hs_job **tail, struct hs_job *job)
{
    job->next = NULL;
    job->prev = *tail;
    if (*tail)
        (*tail)->next = job;
    else
        *head = job;
    *tail = job;
}

static void hs_remove(struct hs_job **head, struct hs_job **tail, struct hs_job *job)
{
    if (job->prev)
        job->prev->next = job->next;
    else
        *head = job->next;
    if (job->next)
        job->next->prev = job->prev;
    else
        *tail = job->prev;
    job->prev = job->next = NULL;
}

static void hs_step(struct hs_job *job)
{
    /* OpenSSL's error queue is per thread: the reason is read here. */
    ERR_clear_error();
    int r = SSL_do_handshake(job->ssl);
    job->why[0] = '\0';
    if (r == 1) {
        job->result = 1;
        return;
    }
    int e = SSL_get_error(job->ssl, r);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
        job->result = 0;
        return;
    }
    job->result = -1;
    tls_error_string(job->why, sizeof job->why);
}

static void hs_thread(void *arg)
{
    struct handshaker *h = arg;
    /* Linux keeps a nice value per thread; the workers keep the process's. */
    pid_t tid = gettid();
    errno = 0;
    int base = getpriority(PRIO_PROCESS, (id_t)tid);
    if (h->nice > 0 && (errno != 0 || setpriority(PRIO_PROCESS, (id_t)tid, base + h->nice) != 0))
        log_event(LOG_WARN, "handshake thread keeps the workers' priority", "reason=\"%s\"",
                  strerror(errno));
    uv_mutex_lock(&h->lock);
    for (;;) {
        while (!h->queue_head && !h->stopping)
            uv_cond_wait(&h->more, &h->lock);
        if (h->stopping)
            break;
        struct hs_job *job = h->queue_head;
        hs_remove(&h->queue_head, &h->queue_tail, job);
        job->state = HS_RUNNING;
        uv_mutex_unlock(&h->lock);
        hs_step(job);
        uv_mutex_lock(&h->lock);
        job->state = HS_DONE;
        hs_append(&h->done_head, &h->done_tail, job);
        uv_async_send(&h->async);
    }
    uv_mutex_unlock(&h->lock);
}

/* Hands the loop every finished job, oldest first. */
static void hs_deliver(struct handshaker *h)
{
    uv_mutex_lock(&h->lock);
    struct hs_job *job = h->done_head;
    h->done_head = h->done_tail = NULL;
    for (struct hs_job *j = job; j; j = j->next)
        j->state = HS_IDLE;
    uv_mutex_unlock(&h->lock);
    while (job) {
        struct hs_job *next = job->next;
        job->prev = job->next = NULL;
        h->done(job, false);
        job = next;
    }
}

static void hs_async_cb(uv_async_t *a)
{
    hs_deliver(a->data);
}

int handshaker_init(struct handshaker *h, uv_loop_t *loop, int nice, hs_done_fn done, char *err,
                    size_t errlen)
{
    memset(h, 0, sizeof *h);
    h->done = done;
    h->nice = nice;
    int rc = uv_mutex_init(&h->lock);
    if (rc == 0) {
        rc = uv_cond_init(&h->more);
        if (rc != 0)
            uv_mutex_destroy(&h->lock);
    }
    if (rc != 0) {
        snprintf(err, errlen, "handshake thread: %s", uv_strerror(rc));
        return -1;
    }
    rc = uv_async_init(loop, &h->async, hs_async_cb);
    if (rc == 0) {
        h->async.data = h;
        rc = uv_thread_create(&h->thread, hs_thread, h);
        if (rc != 0)
            uv_close((uv_handle_t *)&h->async, NULL);
    }
    if (rc != 0) {
        uv_cond_destroy(&h->more);
        uv_mutex_destroy(&h->lock);
        snprintf(err, errlen, "handshake thread: %s", uv_strerror(rc));
        return -1;
    }
    h->thread_started = true;
    return 0;
}

void handshaker_submit(struct handshaker *h, struct hs_job *job)
{
    uv_mutex_lock(&h->lock);
    job->state = HS_QUEUED;
    hs_append(&h->queue_head, &h->queue_tail, job);
    uv_cond_signal(&h->more);
    uv_mutex_unlock(&h->lock);
}

bool handshaker_cancel(struct handshaker *h, struct hs_job *job)
{
    uv_mutex_lock(&h->lock);
    bool taken = job->state == HS_QUEUED;
    if (taken) {
        hs_remove(&h->queue_head, &h->queue_tail, job);
        job->state = HS_IDLE;
    }
    uv_mutex_unlock(&h->lock);
    return taken;
}

void handshaker_close(struct handshaker *h, uv_close_cb closed)
{
    if (h->thread_started) {
        uv_mutex_lock(&h->lock);
        h->stopping = true;
        uv_cond_signal(&h->more);
        uv_mutex_unlock(&h->lock);
        uv_thread_join(&h->thread);
        h->thread_started = false;
    }
    hs_deliver(h);
    /* The thread is gone: nothing else touches the queue. */
    while (h->queue_head) {
        struct hs_job *job = h->queue_head;
        hs_remove(&h->queue_head, &h->queue_tail, job);
        job->state = HS_IDLE;
        h->done(job, true);
    }
    uv_cond_destroy(&h->more);
    uv_mutex_destroy(&h->lock);
    uv_close((uv_handle_t *)&h->async, closed);
}
