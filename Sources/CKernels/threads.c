/* Short-lived threads for independent tasks (inflating four files, running a sweep's
   jobs): descent_run_threads. Unlike Dispatch's concurrentPerform, which retries forever
   when the system refuses a thread (pthread_create failing with EAGAIN under a process
   limit, `ulimit -u`), a thread that cannot start is simply not waited for: the threads
   that did start, and the caller, take the items one at a time from one counter, so every
   item runs once whatever the number of threads. */
#include "CKernels.h"
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

struct task {
    descent_item_body body;
    void *context;
    long items;
    atomic_long next;
};

static void *take_items(void *argument) {
    struct task *task = argument;
    long item;
    while ((item = atomic_fetch_add(&task->next, 1)) < task->items) task->body(task->context, item);
    return 0;
}

int descent_run_threads(descent_item_body body, void *context, long items, int threads) {
    struct task task = {body, context, items, 0};
    if (threads > items) threads = (int)items;
    int started = 0;
    pthread_t *ids = threads > 1 ? malloc(sizeof(pthread_t) * (size_t)(threads - 1)) : NULL;
    if (ids)
        while (started < threads - 1 && pthread_create(&ids[started], NULL, take_items, &task) == 0) started++;
    take_items(&task);
    for (int i = 0; i < started; i++) pthread_join(ids[i], NULL);
    free(ids);
    return started;
}

/* descent_thread_room: threads started together, each waiting until all are asked to end. */
struct room {
    pthread_mutex_t lock;
    pthread_cond_t done;
    int finished;
};

static void *wait_for_end(void *argument) {
    struct room *room = argument;
    pthread_mutex_lock(&room->lock);
    while (!room->finished) pthread_cond_wait(&room->done, &room->lock);
    pthread_mutex_unlock(&room->lock);
    return 0;
}

int descent_thread_room(int threads) {
    struct room room = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0};
    pthread_t *ids = threads > 0 ? malloc(sizeof(pthread_t) * (size_t)threads) : NULL;
    if (!ids) return 0;
    /* A small stack: only the count matters. */
    pthread_attr_t attributes;
    pthread_attr_init(&attributes);
    pthread_attr_setstacksize(&attributes, 64 * 1024);
    int started = 0;
    while (started < threads && pthread_create(&ids[started], &attributes, wait_for_end, &room) == 0) started++;
    pthread_attr_destroy(&attributes);
    pthread_mutex_lock(&room.lock);
    room.finished = 1;
    pthread_cond_broadcast(&room.done);
    pthread_mutex_unlock(&room.lock);
    for (int i = 0; i < started; i++) pthread_join(ids[i], NULL);
    free(ids);
    return started;
}
