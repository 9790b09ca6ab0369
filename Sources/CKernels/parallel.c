/* A minimal fork-join pool: the compute threads of a process (Sources/Descent/Core/
   Parallel.swift). It runs the blocks of split matrix products (each a single-threaded
   OpenBLAS call), the optimizer steps and the large element-wise passes.

   A job is `parts` calls body(context, part, parts). Part 0 runs on the caller; the
   others are *claimed* one at a time, by the workers and by the caller once it has
   finished part 0, from one atomic word that holds the job's ticket and the next
   unclaimed part. So a worker that the scheduler has not run yet (a busy machine) costs
   nothing: the caller runs its part itself instead of waiting for it. Which thread runs
   a part never changes what the part computes.

   Workers wait for a new ticket by polling, first with a pause instruction (a job usually
   follows the previous one within microseconds), then with sched_yield, so that they
   hand the core over at once to anything else runnable; after about 50 ms without work
   they sleep on a condition variable and the next job wakes them.

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
/* The claim word: ticket << PART_BITS | next unclaimed part. */
#define PART_BITS 16
#define PART_MASK ((1L << PART_BITS) - 1)

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

/* The current job. The caller writes body/context/parts and resets `finished` while no
   part of the previous job is running or claimable, then publishes the job by storing a
   new claim word (seq_cst). A thread reads the fields only after it has claimed a part
   of the job: until that part is finished the job cannot end, so the fields stay put. */
static struct {
    descent_parallel_body body;
    void *context;
    atomic_long parts;          /* read before a claim succeeds: atomic (relaxed) */
    char pad0[64];
    atomic_long claim;          /* ticket << PART_BITS | next part */
    char pad1[64];
    atomic_long finished;       /* parts finished by workers */
    char pad2[64];
} job;

static int started = 0;                 /* threads created so far */
static atomic_int active = 0;           /* workers that take part in jobs */
static atomic_int sleepers = 0;         /* workers asleep (or about to be) on sleep_cond */
static long next_ticket = 0;            /* under job_lock */

static long now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long)t.tv_sec * 1000000000L + t.tv_nsec;
}

/* Claims the next part of the job with ticket `ticket`; -1 when none is left (or the job
   has ended). */
static long claim_part(long ticket) {
    long w = atomic_load_explicit(&job.claim, memory_order_acquire);
    for (;;) {
        if ((w >> PART_BITS) != ticket) return -1;
        long part = w & PART_MASK;
        /* A stale word (the job has ended) makes the exchange below fail. */
        if (part >= atomic_load_explicit(&job.parts, memory_order_relaxed)) return -1;
        if (atomic_compare_exchange_weak_explicit(&job.claim, &w, w + 1, memory_order_acq_rel,
                                                  memory_order_acquire))
            return part;
    }
}

static void *worker_main(void *arg) {
    long index = (long)arg;
    long seen = 0;
    for (;;) {
        long start = now_ns(), spins = 0, ticket;
        for (;;) {
            ticket = atomic_load_explicit(&job.claim, memory_order_acquire) >> PART_BITS;
            if (ticket != seen && index < atomic_load_explicit(&active, memory_order_relaxed)) break;
            if (spins < DESCENT_PAUSE_POLLS) { spins++; cpu_relax(); continue; }
            sched_yield();
            if ((++spins & 63) == 0 && now_ns() - start > DESCENT_SPIN_NS) {
                pthread_mutex_lock(&sleep_lock);
                atomic_fetch_add(&sleepers, 1);
                while ((atomic_load(&job.claim) >> PART_BITS) == seen || index >= atomic_load(&active))
                    pthread_cond_wait(&sleep_cond, &sleep_lock);
                atomic_fetch_sub(&sleepers, 1);
                pthread_mutex_unlock(&sleep_lock);
                start = now_ns();
            }
        }
        seen = ticket;
        long part;
        while ((part = claim_part(ticket)) >= 0) {
            job.body(job.context, part, atomic_load_explicit(&job.parts, memory_order_relaxed));
            atomic_fetch_add_explicit(&job.finished, 1, memory_order_release);
        }
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
        int failed = pthread_create(&t, &attr, worker_main, (void *)(long)started);
        pthread_attr_destroy(&attr);
        if (failed) break;
        started++;
    }
    if (workers > started) workers = started;
    atomic_store(&active, workers);
    pthread_mutex_lock(&sleep_lock);        /* workers asleep re-check whether they take part */
    pthread_cond_broadcast(&sleep_cond);
    pthread_mutex_unlock(&sleep_lock);
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
    job.body = body;
    job.context = context;
    atomic_store_explicit(&job.parts, parts, memory_order_relaxed);
    atomic_store_explicit(&job.finished, 0, memory_order_relaxed);
    atomic_store(&job.claim, ticket << PART_BITS | 1);   /* part 0 is the caller's */
    if (atomic_load(&sleepers) > 0) {                      /* seq_cst: pairs with a worker going to sleep */
        pthread_mutex_lock(&sleep_lock);
        pthread_cond_broadcast(&sleep_cond);
        pthread_mutex_unlock(&sleep_lock);
    }
    body(context, 0, parts);
    long mine = 1, part;
    while ((part = claim_part(ticket)) >= 0) {
        body(context, part, parts);
        mine++;
    }
    long spins = 0;
    while (atomic_load_explicit(&job.finished, memory_order_acquire) != parts - mine) {
        if (++spins > DESCENT_PAUSE_POLLS) sched_yield(); else cpu_relax();
    }
    pthread_mutex_unlock(&job_lock);
}

long descent_fetch_add(long *value, long increment) {
    return __atomic_fetch_add(value, increment, __ATOMIC_RELAXED);
}

static int recording_calls = 0;
int descent_recording_calls(void) { return __atomic_load_n(&recording_calls, __ATOMIC_ACQUIRE); }
void descent_set_recording_calls(int on) { __atomic_store_n(&recording_calls, on, __ATOMIC_RELEASE); }

/* descent_parallel_for: items 0..<items in `parts` contiguous ranges, one per thread of a
   job. A thread takes items from the front of its own range, then from the back of the
   others' ranges (nearest first): when every thread runs, each works through its own
   contiguous range (the same memory as in the previous call, still in its cache); when
   one is preempted, the others finish its range. A range is one word, front << 32 | back. */
struct for_job {
    descent_item_body body;
    void *context;
    struct { _Alignas(64) atomic_long word; } range[DESCENT_MAX_WORKERS + 1];
};

static long pop_front(atomic_long *word) {
    long w = atomic_load_explicit(word, memory_order_relaxed);
    for (;;) {
        long front = w >> 32, back = w & 0xffffffffL;
        if (front >= back) return -1;
        if (atomic_compare_exchange_weak_explicit(word, &w, w + (1L << 32), memory_order_relaxed, memory_order_relaxed))
            return front;
    }
}

static long pop_back(atomic_long *word) {
    long w = atomic_load_explicit(word, memory_order_relaxed);
    for (;;) {
        long front = w >> 32, back = w & 0xffffffffL;
        if (front >= back) return -1;
        if (atomic_compare_exchange_weak_explicit(word, &w, w - 1, memory_order_relaxed, memory_order_relaxed))
            return back - 1;
    }
}

static void for_part(void *context, long part, long parts) {
    struct for_job *job = context;
    long item;
    while ((item = pop_front(&job->range[part].word)) >= 0) job->body(job->context, item);
    for (long k = 1; k < parts; k++) {
        atomic_long *other = &job->range[(part + k) % parts].word;
        while ((item = pop_back(other)) >= 0) job->body(job->context, item);
    }
}

void descent_parallel_for(descent_item_body body, void *context, long items) {
    long parts = atomic_load(&active) + 1;
    if (parts > items) parts = items;
    if (parts <= 1) {
        for (long i = 0; i < items; i++) body(context, i);
        return;
    }
    struct for_job job = {.body = body, .context = context};
    for (long p = 0; p < parts; p++)
        atomic_init(&job.range[p].word, (items * p / parts) << 32 | (items * (p + 1) / parts));
    descent_parallel_run(for_part, &job, parts);
}
