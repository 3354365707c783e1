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

static void handshake_append(struct handshake_job **head, struct handshake_job **tail,
                             struct handshake_job *job)
{
    job->next = NULL;
    job->prev = *tail;
    if (*tail)
        (*tail)->next = job;
    else
        *head = job;
    *tail = job;
}

static void handshake_remove(struct handshake_job **head, struct handshake_job **tail,
                             struct handshake_job *job)
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

/* One step of job's handshake, on the handshake thread: sets result, and why if it failed. */
static void handshake_step(struct handshake_job *job)
{
    /* OpenSSL's error queue is per thread: the reason is read here. */
    ERR_clear_error();
    int r = SSL_do_handshake(job->ssl);
    job->why = NULL;
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
    char why[256];
    tls_error_string(why, sizeof why);
    job->why = strdup(why);
}

/* The thread: takes queued jobs, oldest first, until handshake_close. */
static void handshake_main(void *arg)
{
    struct handshake_thread *h = arg;
    /* Linux keeps a nice value per thread; the workers keep the process's. */
    pid_t tid = gettid();
    errno = 0;
    int base = getpriority(PRIO_PROCESS, (id_t)tid);
    if (h->nice > 0 && (errno != 0 || setpriority(PRIO_PROCESS, (id_t)tid, base + h->nice) != 0)) {
        char buf[128];
        log_event(LOG_WARN, "handshake thread keeps the workers' priority", "reason=\"%s\"",
                  strerror_r(errno, buf, sizeof buf));
    }
    uv_mutex_lock(&h->lock);
    for (;;) {
        while (!h->queue_head && !h->stopping)
            uv_cond_wait(&h->more, &h->lock);
        if (h->stopping)
            break;
        struct handshake_job *job = h->queue_head;
        handshake_remove(&h->queue_head, &h->queue_tail, job);
        job->state = HANDSHAKE_RUNNING;
        uv_mutex_unlock(&h->lock);
        handshake_step(job);
        uv_mutex_lock(&h->lock);
        job->state = HANDSHAKE_DONE;
        bool first = !h->done_head;
        handshake_append(&h->done_head, &h->done_tail, job);
        /*
         * The loop is woken with the lock released: this thread's low
         * priority may have it preempted anywhere, and the loop must not
         * wait for it to run again. One wake-up serves every job listed
         * before the loop takes the list.
         */
        uv_mutex_unlock(&h->lock);
        if (first && uv_async_send(&h->async) != 0)
            log_event(LOG_ERROR, "handshake thread cannot wake its worker", NULL);
        uv_mutex_lock(&h->lock);
    }
    uv_mutex_unlock(&h->lock);
}

/* Hands the loop every finished job, oldest first. */
static void handshake_deliver(struct handshake_thread *h)
{
    uv_mutex_lock(&h->lock);
    struct handshake_job *job = h->done_head;
    h->done_head = h->done_tail = NULL;
    for (struct handshake_job *j = job; j; j = j->next)
        j->state = HANDSHAKE_IDLE;
    uv_mutex_unlock(&h->lock);
    while (job) {
        struct handshake_job *next = job->next;
        job->prev = job->next = NULL;
        h->done(job, false);
        job = next;
    }
}

static void handshake_async_cb(uv_async_t *a)
{
    handshake_deliver(a->data);
}

int handshake_init(struct handshake_thread *h, uv_loop_t *loop, int nice, handshake_done_fn done,
                   char *err, size_t errlen)
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
    rc = uv_async_init(loop, &h->async, handshake_async_cb);
    if (rc == 0) {
        h->async.data = h;
        rc = uv_thread_create(&h->thread, handshake_main, h);
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

void handshake_submit(struct handshake_thread *h, struct handshake_job *job)
{
    uv_mutex_lock(&h->lock);
    job->state = HANDSHAKE_QUEUED;
    handshake_append(&h->queue_head, &h->queue_tail, job);
    uv_cond_signal(&h->more);
    uv_mutex_unlock(&h->lock);
}

bool handshake_cancel(struct handshake_thread *h, struct handshake_job *job)
{
    uv_mutex_lock(&h->lock);
    bool taken = job->state == HANDSHAKE_QUEUED;
    if (taken) {
        handshake_remove(&h->queue_head, &h->queue_tail, job);
        job->state = HANDSHAKE_IDLE;
    }
    uv_mutex_unlock(&h->lock);
    return taken;
}

void handshake_close(struct handshake_thread *h, uv_close_cb closed)
{
    if (h->thread_started) {
        uv_mutex_lock(&h->lock);
        h->stopping = true;
        uv_cond_signal(&h->more);
        uv_mutex_unlock(&h->lock);
        if (uv_thread_join(&h->thread) != 0)
            log_event(LOG_ERROR, "handshake thread not joined", NULL);
        h->thread_started = false;
    }
    handshake_deliver(h);
    /* The thread is gone: nothing else touches the queue. */
    while (h->queue_head) {
        struct handshake_job *job = h->queue_head;
        handshake_remove(&h->queue_head, &h->queue_tail, job);
        job->state = HANDSHAKE_IDLE;
        h->done(job, true);
    }
    uv_cond_destroy(&h->more);
    uv_mutex_destroy(&h->lock);
    uv_close((uv_handle_t *)&h->async, closed);
}
