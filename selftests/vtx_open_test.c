// SPDX-License-Identifier: GPL-2.0
/*
 * vtx_open_test: /dev/vtx under concurrent open/close and ioctl load.
 *
 *   vtx_open_test [DEVICE]	(default /dev/vtx)
 *
 * NR_PROCS processes open, query and close the device NR_OPENS times each,
 * all at once; then NR_THREADS threads hammer one shared fd.  Open/release
 * races and a module reference leaked per open would show up here, or in
 * the module's refcount once every fd is closed.
 */
#include <pthread.h>
#include <sys/wait.h>
#include <linux/kvm.h>

#include "tap.h"
#include "util.h"

#define NR_PROCS		8
#define NR_OPENS		500
#define NR_THREADS		4
#define NR_THREAD_IOCTLS	1000
#define NR_TESTS		(NR_PROCS + NR_THREADS + 3)
#define REFCNT_PATH		"/sys/module/" VTX_DEVICE_NAME "/refcnt"

static const char *dev;
static pthread_barrier_t start_line;

/* One forked process: returns its exit status. */
static int open_loop(int id, int gate)
{
	char c;
	int i, fd;
	long r;

	/* The parent closes the gate once every process exists. */
	if (read(gate, &c, 1) < 0)
		diag("process %d: gate: %s", id, strerror(errno));
	for (i = 0; i < NR_OPENS; i++) {
		fd = open(dev, O_RDWR | O_CLOEXEC);
		if (fd < 0) {
			diag("process %d: open #%d: %s", id, i,
			     errno_name(errno));
			return KSFT_FAIL;
		}
		r = ioctl(fd, KVM_GET_API_VERSION, 0);
		if (r != VTX_KVM_API_VERSION) {
			diag("process %d: open #%d: KVM_GET_API_VERSION %ld (errno %s)",
			     id, i, r, errno_name(errno));
			close(fd);
			return KSFT_FAIL;
		}
		if (close(fd)) {
			diag("process %d: close #%d: %s", id, i,
			     errno_name(errno));
			return KSFT_FAIL;
		}
	}
	return KSFT_PASS;
}

static void run_processes(void)
{
	pid_t pids[NR_PROCS];
	int gate[2], i, status;

	if (pipe(gate))
		tap_bail("pipe: %s", strerror(errno));
	fflush(stdout);
	for (i = 0; i < NR_PROCS; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			close(gate[1]);
			_exit(open_loop(i, gate[0]));
		}
		if (pids[i] < 0)
			diag("fork #%d: %s", i, strerror(errno));
	}
	close(gate[0]);
	close(gate[1]);

	for (i = 0; i < NR_PROCS; i++) {
		if (pids[i] < 0) {
			ok(0, "process %d: %d rounds of open, KVM_GET_API_VERSION, close",
			   i, NR_OPENS);
			continue;
		}
		if (waitpid(pids[i], &status, 0) < 0) {
			diag("waitpid: %s", strerror(errno));
			status = KSFT_FAIL << 8;
		}
		if (!ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
			"process %d: %d rounds of open, KVM_GET_API_VERSION, close",
			i, NR_OPENS) && WIFSIGNALED(status))
			diag("  killed by signal %d", WTERMSIG(status));
	}
}

struct worker {
	pthread_t thread;
	int id, fd, failures;
};

/* One ioctl of a rotating mix; returns 1 when the answer is right. */
static int one_ioctl(int fd, int i, struct vtx_status *st)
{
	long page = sysconf(_SC_PAGESIZE);

	switch (i % 4) {
	case 0:
		return ioctl(fd, KVM_GET_API_VERSION, 0) == VTX_KVM_API_VERSION;
	case 1:
		return ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_IRQCHIP) == 0;
	case 2:
		return ioctl(fd, KVM_GET_VCPU_MMAP_SIZE, 0) ==
		       VTX_VCPU_MMAP_PAGES * page;
	default:
		return !vtx_get_status(fd, st) && st->size == sizeof(*st) &&
		       st->api_version == VTX_KVM_API_VERSION;
	}
}

static void *ioctl_loop(void *arg)
{
	struct worker *w = arg;
	struct vtx_status st;
	int i;

	pthread_barrier_wait(&start_line);
	for (i = 0; i < NR_THREAD_IOCTLS; i++) {
		errno = 0;
		if (one_ioctl(w->fd, i, &st))
			continue;
		/* The first few tell the story; the count tells the rest. */
		if (w->failures++ < 3)
			diag("thread %d: ioctl #%d (kind %d) wrong (errno %s)",
			     w->id, i, i % 4, errno_name(errno));
	}
	return NULL;
}

static void run_threads(int fd)
{
	struct worker w[NR_THREADS];
	int i, r;

	pthread_barrier_init(&start_line, NULL, NR_THREADS);
	for (i = 0; i < NR_THREADS; i++) {
		w[i] = (struct worker){ .id = i, .fd = fd };
		r = pthread_create(&w[i].thread, NULL, ioctl_loop, &w[i]);
		if (r)
			tap_bail("pthread_create: %s", strerror(r));
	}
	for (i = 0; i < NR_THREADS; i++) {
		pthread_join(w[i].thread, NULL);
		if (!ok(!w[i].failures, "thread %d: %d ioctls on a shared fd",
			i, NR_THREAD_IOCTLS))
			diag("  %d of them failed", w[i].failures);
	}
	pthread_barrier_destroy(&start_line);
}

/* -1 when the kernel has no module refcounts to show. */
static long module_refcnt(void)
{
	return read_number_file(REFCNT_PATH);
}

int main(int argc, char **argv)
{
	long refcnt;
	int fd;

	dev = argc > 1 ? argv[1] : VTX_DEVICE_PATH;
	tap_plan(NR_TESTS);

	run_processes();

	fd = open(dev, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		tap_bail("open %s: %s", dev, strerror(errno));
	run_threads(fd);
	ok_ioctl(ioctl(fd, KVM_GET_API_VERSION, 0), VTX_KVM_API_VERSION, 0,
		 "the shared fd still answers KVM_GET_API_VERSION");
	close(fd);

	ok(vtx_healthy(dev), "VTX_GET_STATUS healthy after the load");

	/* Every fd is closed now, so no module reference may remain. */
	refcnt = module_refcnt();
	if (refcnt < 0)
		skip("no " REFCNT_PATH, "module refcount back to 0");
	else if (!ok(refcnt == 0, "module refcount back to 0"))
		diag("  %s is %ld", REFCNT_PATH, refcnt);

	return tap_exit();
}
