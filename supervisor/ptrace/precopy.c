/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The precopy workers (precopy.h).  Jobs stay on one list, in the order
 * they came, from their submission until the tracer takes them made; a
 * worker takes the oldest one not yet started.  The copy needs no lock of
 * the union's: it reads a lower file and writes an unnamed file of the
 * work area, which nothing else sees until the call, run again under
 * the lock, links it in (after checking it is still that file's data).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdlib.h>

#include "precopy.h"

/* a copy is disk- or memory-bound: more workers than this only compete */
#define WORKERS_MAX 2

struct precopy_pool {
	struct vn_union *u;
	pthread_t waker;
	int sig;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct precopy_job *jobs;
	pthread_t workers[WORKERS_MAX];
	int nworkers;
	int idle;
	bool stopping;
	bool waker_gone;         /* precopy_quiet: no more wake-ups */
};

/* The oldest job no worker has started: NULL when none. */
static struct precopy_job *next_unstarted(struct precopy_pool *p)
{
	for (struct precopy_job *j = p->jobs; j; j = j->next)
		if (!j->started)
			return j;
	return NULL;
}

static void *worker_main(void *arg)
{
	struct precopy_pool *p = arg;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		struct precopy_job *j = NULL;
		struct vn_precopy pc;

		p->idle++;
		while (!p->stopping && !(j = next_unstarted(p)))
			pthread_cond_wait(&p->cond, &p->lock);
		p->idle--;
		if (p->stopping)
			break;
		j->started = true;
		if (j->gone) {
			/* killed before its copy began: none is made for it */
			j->made = true;
			if (!p->waker_gone)
				pthread_kill(p->waker, p->sig);
			continue;
		}
		pc = j->pc;
		pthread_mutex_unlock(&p->lock);
		(void)vn_precopy_make(p->u, &pc); /* failed: fd -1, copied under the lock */
		pthread_mutex_lock(&p->lock);
		j->pc.fd = pc.fd;
		j->made = true;
		/* a signal the tracer misses (just before its wait) costs it
		 * its poll's interval, no more (tracer.c, wait_for_stop) */
		if (!p->waker_gone)
			pthread_kill(p->waker, p->sig);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

struct precopy_pool *precopy_pool_new(struct vn_union *u, pthread_t waker, int sig)
{
	struct precopy_pool *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->u = u;
	p->waker = waker;
	p->sig = sig;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->cond, NULL);
	return p;
}

/* A worker, with every signal blocked (the tracer's wake-up is its own). */
static int start_worker(struct precopy_pool *p)
{
	sigset_t all, old;
	int r;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = pthread_create(&p->workers[p->nworkers], NULL, worker_main, p);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r != 0)
		return -r;
	p->nworkers++;
	return 0;
}

int precopy_submit(struct precopy_pool *p, pid_t tid, bool trap, int nr,
		   const struct vn_precopy *pc)
{
	struct precopy_job *j = calloc(1, sizeof(*j)), **tail;
	int r = 0;

	if (!j)
		return -ENOMEM;
	*j = (struct precopy_job){ .tid = tid, .trap = trap, .nr = nr, .pc = *pc };
	j->pc.fd = -1;
	pthread_mutex_lock(&p->lock);
	if (p->idle == 0 && p->nworkers < WORKERS_MAX)
		r = start_worker(p);
	if (r == 0 || p->nworkers > 0) {
		for (tail = &p->jobs; *tail; tail = &(*tail)->next)
			;
		*tail = j;
		pthread_cond_signal(&p->cond);
		r = 0;
	}
	pthread_mutex_unlock(&p->lock);
	if (r < 0)
		free(j);
	return r;
}

bool precopy_pending(const struct precopy_pool *p)
{
	return p && __atomic_load_n(&p->jobs, __ATOMIC_ACQUIRE) != NULL;
}

struct precopy_job *precopy_take_made(struct precopy_pool *p)
{
	struct precopy_job *j = NULL;

	pthread_mutex_lock(&p->lock);
	for (struct precopy_job **pp = &p->jobs; *pp; pp = &(*pp)->next) {
		if ((*pp)->made) {
			j = *pp;
			*pp = j->next;
			j->next = NULL;
			break;
		}
	}
	pthread_mutex_unlock(&p->lock);
	return j;
}

void precopy_forget(struct precopy_pool *p, pid_t tid)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	for (struct precopy_job *j = p->jobs; j; j = j->next)
		if (j->tid == tid)
			j->gone = true;
	pthread_mutex_unlock(&p->lock);
}

void precopy_quiet(struct precopy_pool *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	p->waker_gone = true;
	pthread_mutex_unlock(&p->lock);
}

void precopy_pool_free(struct precopy_pool *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	p->stopping = true;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
	for (int i = 0; i < p->nworkers; i++)
		pthread_join(p->workers[i], NULL);
	while (p->jobs) {
		struct precopy_job *j = p->jobs;

		p->jobs = j->next;
		vn_precopy_drop(&j->pc);
		free(j);
	}
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->cond);
	free(p);
}
