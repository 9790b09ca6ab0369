/* A minimal fork-join pool: the compute threads of a process (Sources/Descent/Core/
   Parallel.swift). It runs the blocks of split matrix products (each a single-threaded
   OpenBLAS call), the optimizer steps and the large element-wise passes.

   Each worker has a mailbox; it waits for a new ticket by polling, first with a pause
   instruction (a job usually follows the previous one within microseconds), then with
   sched_yield, so that it hands its core over at once to anything else runnable; after
   about 50 ms without work it sleeps on a condition variable and is woken by the next job.

   One job at a time: a caller that finds the pool busy (another thread is inside
   descent_parallel_run, or a job started from inside a job) runs every part itself, so
   results never depend on the pool. */
#include "CKernels.h"
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <time.h>

#define DESCENT_MAX_WORKERS 63
#define DESCENT_SPIN_NS 50000000L
/* Pause polls before falling back to sched_yield: a pause costs ~40 ns, a system call ~1 µs. */
#define DESCENT_PAUSE_POLLS 2048

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;   /* guards resizing */
static pthread_mutex_t job_lock = PTHREAD_MUTEX_INITIALIZER;    /* one job at a time */
static pthread_mutex_t sleep_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t sleep_cond = PTHREAD_COND_INITIALIZER;

/* One mailbox per worker. The caller fills body/context/parts while the worker is idle,
   then publishes the job by storing a new ticket (release); the worker reads the job
   after seeing the ticket (acquire) and stores done = ticket when it has finished. */
struct mailbox {
    descent_parallel_body body;
    void *context;
    long part, parts;
    atomic_long ticket;
    atomic_long done;
    atomic_int sleeping;
    char pad[64];
};

static struct mailbox boxes[DESCENT_MAX_WORKERS];
static int started = 0;                 /* threads created so far */
static atomic_int active = 0;           /* workers that take part in jobs */
static long next_ticket = 0;            /* under job_lock */

static long now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long)t.tv_sec * 1000000000L + t.tv_nsec;
}

static void *worker_main(void *arg) {
    struct mailbox *box = arg;
    long seen = 0;
    for (;;) {
        long start = now_ns(), spins = 0, t;
        while ((t = atomic_load_explicit(&box->ticket, memory_order_acquire)) == seen) {
            if (spins < DESCENT_PAUSE_POLLS) { spins++; cpu_relax(); continue; }
            sched_yield();
            if ((++spins & 63) == 0 && now_ns() - start > DESCENT_SPIN_NS) {
                pthread_mutex_lock(&sleep_lock);
                atomic_store(&box->sleeping, 1);
                while (atomic_load(&box->ticket) == seen) pthread_cond_wait(&sleep_cond, &sleep_lock);
                atomic_store(&box->sleeping, 0);
                pthread_mutex_unlock(&sleep_lock);
                start = now_ns();
            }
        }
        seen = t;
        box->body(box->context, box->part, box->parts);
        atomic_store_explicit(&box->done, t, memory_order_release);
    }
    return 0;
}

int descent_parallel_set_workers(int workers) {
    if (workers < 0) workers = 0;
    if (workers > DESCENT_MAX_WORKERS) workers = DESCENT_MAX_WORKERS;
    pthread_mutex_lock(&pool_lock);
    pthread_mutex_lock(&job_lock);          /* never resize under a running job */
    while (started < workers) {
        pthread_t t;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        int failed = pthread_create(&t, &attr, worker_main, &boxes[started]);
        pthread_attr_destroy(&attr);
        if (failed) break;
        started++;
    }
    if (workers > started) workers = started;
    atomic_store(&active, workers);
    pthread_mutex_unlock(&job_lock);
    pthread_mutex_unlock(&pool_lock);
    return workers;
}

int descent_parallel_workers(void) { return atomic_load(&active); }

void descent_parallel_run(descent_parallel_body body, void *context, long parts) {
    if (parts < 1) parts = 1;
    int workers = atomic_load(&active);
    if (parts > workers + 1) parts = workers + 1;
    if (parts == 1 || pthread_mutex_trylock(&job_lock) != 0) {
        for (long p = 0; p < parts; p++) body(context, p, parts);
        return;
    }
    long ticket = ++next_ticket;
    int wake = 0;
    for (long w = 0; w < parts - 1; w++) {
        struct mailbox *box = &boxes[w];
        box->body = body;
        box->context = context;
        box->part = w + 1;
        box->parts = parts;
        atomic_store(&box->ticket, ticket);          /* seq_cst: pairs with the worker's sleeping flag */
        wake |= atomic_load(&box->sleeping);
    }
    if (wake) {
        pthread_mutex_lock(&sleep_lock);
        pthread_cond_broadcast(&sleep_cond);
        pthread_mutex_unlock(&sleep_lock);
    }
    body(context, 0, parts);
    for (long w = 0; w < parts - 1; w++) {
        long spins = 0;
        while (atomic_load_explicit(&boxes[w].done, memory_order_acquire) != ticket) {
            if (++spins > DESCENT_PAUSE_POLLS) sched_yield(); else cpu_relax();
        }
    }
    pthread_mutex_unlock(&job_lock);
}

long descent_fetch_add(long *value, long increment) {
    return __atomic_fetch_add(value, increment, __ATOMIC_RELAXED);
}

static int recording_calls = 0;
int descent_recording_calls(void) { return __atomic_load_n(&recording_calls, __ATOMIC_ACQUIRE); }
void descent_set_recording_calls(int on) { __atomic_store_n(&recording_calls, on, __ATOMIC_RELEASE); }
