// SPDX-License-Identifier: GPL-2.0
/*
 * vtx-run: run a guest image on vtx (or on any KVM-API device).
 *
 *   sudo insmod vtx.ko && vtx-run guest.elf
 *
 * Loads the image (user/lib/image.c), sets up the CPU mode it needs
 * (user/lib/boot.c), serves its port and MMIO exits with the devices of
 * user/dev/, and runs one thread per vCPU until every vCPU halts, the guest
 * writes the exit port, it crashes, or --timeout runs out.  The PIC's
 * interrupts reach vCPU 0 through KVM_INTERRUPT ("interrupts" below).  It
 * knows the KVM API, not VMX: the same binary compares vtx with KVM
 * (--device).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "vm.h"
#include "dev/bus.h"
#include "lib/boot.h"
#include "lib/image.h"
#include "lib/pit.h"

#define VTX_RUN_VERSION		"0.1"
#define VTX_RUN_MAX_MEM		(3ULL << 30)	/* below the MMIO hole */
#define VTX_RUN_MAX_IMAGE	(256U << 20)

/* Exit statuses besides 0 and the exit port's odd ones. */
#define STATUS_USAGE		2
#define STATUS_TIMEOUT		124
#define STATUS_SETUP		125
#define STATUS_CRASH		126

struct vtx_run_opts {
	const char *image;
	const char *device;
	const char *cmdline;
	uint64_t mem_size;
	unsigned int nr_vcpus;
	unsigned int timeout_s;
	bool stats, trace;
	/* --dump-vmcs: at the end of the run, and at these KVM_EXIT_*s. */
	bool dump_vmcs_end;
	uint64_t dump_vmcs_exits;
	bool dump_ept;
	const char *ept_graph;
	struct vtx_image_opts img;
};

static struct vtx_run_vm vm;
static struct vtx_machine machine;
static struct vtx_run_opts opts;
static pthread_mutex_t state_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t state_cond = PTHREAD_COND_INITIALIZER;
static unsigned int nr_running;

static void usage(FILE *f)
{
	fprintf(f,
"usage: vtx-run [options] IMAGE\n"
"\n"
"Runs IMAGE, a guest, on vtx (/dev/vtx) or on any KVM-API device.\n"
"IMAGE is a Multiboot 1 kernel, a static ELF32 or ELF64 executable\n"
"(loaded at its physical addresses; 32-bit protected or 64-bit long\n"
"mode), or else a flat binary (real mode at 0000:7c00 by default).\n"
"\n"
"Guest:\n"
"  -m, --memory SIZE   guest RAM at GPA 0 (default 64M; K, M, G suffixes;\n"
"                      at most 3G)\n"
"  -c, --cpus N        vCPUs, 1 to %d (default 1); each starts at the entry\n"
"                      with RDI = its index, RSI = N and its own stack\n"
"      --mode MODE     start in real, prot32 or long64 mode instead of the\n"
"                      image's (long64: the first 4 GiB identity-mapped)\n"
"      --flat          load IMAGE as a flat binary whatever it looks like\n"
"      --load ADDR     a flat binary's load address (default 0x7c00 in real\n"
"                      mode, 0x100000 otherwise)\n"
"      --entry ADDR    start here instead of at the image's entry point\n"
"      --cmdline STR   the Multiboot command line\n"
"\n"
"Device and run:\n"
"  -d, --device PATH   the KVM-API device (default /dev/vtx; /dev/kvm runs\n"
"                      the same guest on KVM, to compare)\n"
"  -t, --timeout SECS  stop the guest after SECS seconds (exit status 124)\n"
"      --strict-io     an access to a port or MMIO address where no device\n"
"                      is ends the run (default: reported once, ignored)\n"
"      --stats         at the end, each vCPU's exits by reason: on vtx with\n"
"                      counts and mean handling cost in TSC ticks; on KVM\n"
"                      its own counters; and the exits vtx-run served\n"
"      --trace         one line per exit that reaches vtx-run (stderr)\n"
"  -h, --help          this text\n"
"  -V, --version       the version\n"
"\n"
"Looking inside (vtx only; on another device each says so once):\n"
"      --dump-vmcs[=WHEN]\n"
"                      print each vCPU's VMCS to stderr: every field with\n"
"                      its encoding, width, value and SDM name, and for the\n"
"                      control words the names of the bits set.  Without\n"
"                      WHEN: once, when the run ends.  WHEN is a comma list\n"
"                      of KVM exit names (io, mmio, hlt, shutdown,\n"
"                      fail_entry, internal_error, ...) and 'end': a dump\n"
"                      at every such exit that reaches vtx-run, before it\n"
"                      is served (--dump-vmcs=hlt,end)\n"
"      --dump-ept      when the run ends, the VM's EPT to stderr: one line\n"
"                      per mapping (GPA range -> host-physical address,\n"
"                      permissions, memory type, page size), then every\n"
"                      present entry of the 4-level tree, indented by level\n"
"      --ept-graph FILE\n"
"                      when the run ends, draw the EPT tree with graphviz:\n"
"                      FILE.svg gets its source in FILE.dot and is rendered\n"
"                      with 'dot -Tsvg' if dot is installed (else render\n"
"                      it yourself; the message says how); FILE.dot writes\n"
"                      the source only.  One node per table, runs of alike\n"
"                      leaves as one note\n"
"\n"
"Host-physical addresses in the dumps (host state, EPT pages) are shown\n"
"only to a caller with CAP_SYS_ADMIN; to others they read\n"
"'(hidden without CAP_SYS_ADMIN)'.\n"
"\n"
"Devices: 16550 UART at port 0x3f8 (stdout; input from stdin), debug\n"
"console at port 0xe9 (stdout), exit port 0xf4 (QEMU's isa-debug-exit: a\n"
"write of V ends vtx-run with status (V << 1) | 1), testdev, an MMIO\n"
"test device at 0xfeb00000 (see guests/README.md), the 8259A PIC pair at\n"
"0x20/0x21 and 0xa0/0xa1, its interrupts injected into vCPU 0, and the\n"
"8254 PIT at 0x40-0x43 (host time; counter 0 drives IRQ0).  A vCPU that\n"
"halts with IF=1 while an interrupt can still reach it waits for it; any\n"
"other HLT stops the vCPU for good.\n"
"\n"
"Exit status: 0 when every vCPU halted; (V << 1) | 1 when the guest wrote\n"
"V to port 0xf4; %d usage error; %d timeout; %d could not start (device,\n"
"image, memory); %d the guest crashed (triple fault, failed entry, an exit\n"
"vtx-run cannot serve), with its registers and last exits on stderr.\n",
		VTX_RUN_MAX_VCPUS, STATUS_USAGE, STATUS_TIMEOUT, STATUS_SETUP,
		STATUS_CRASH);
}

static void __attribute__((noreturn, format(printf, 2, 3)))
die(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("vtx-run: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(status);
}

static uint64_t parse_number(const char *opt, const char *s, uint64_t max)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *end || *s == '-' || v > max)
		die(STATUS_USAGE, "%s takes a number up to %llu (0x prefix for "
		    "hex), not '%s'", opt, (unsigned long long)max, s);
	return v;
}

/* --dump-vmcs[=WHEN]: "end" and KVM exit names, comma-separated. */
static void parse_dump_vmcs(const char *arg)
{
	char *list, *name, *save = NULL;
	int reason;

	if (!arg) {
		opts.dump_vmcs_end = true;
		return;
	}
	list = strdup(arg);
	if (!list)
		die(STATUS_USAGE, "out of memory");
	for (name = strtok_r(list, ",", &save); name;
	     name = strtok_r(NULL, ",", &save)) {
		if (!strcmp(name, "end")) {
			opts.dump_vmcs_end = true;
			continue;
		}
		reason = vtx_kvm_exit_by_name(name);
		if (reason < 0 || reason >= 64)
			die(STATUS_USAGE, "--dump-vmcs=%s: '%s' is not a KVM exit "
			    "name (io, mmio, hlt, shutdown, fail_entry, "
			    "internal_error, ...) or 'end'", arg, name);
		opts.dump_vmcs_exits |= 1ULL << reason;
	}
	if (!opts.dump_vmcs_exits && !opts.dump_vmcs_end)
		die(STATUS_USAGE, "--dump-vmcs=: name an exit, or leave out '='");
	free(list);
}

static void parse_args(int argc, char **argv)
{
	enum { OPT_MODE = 256, OPT_FLAT, OPT_LOAD, OPT_ENTRY, OPT_CMDLINE,
	       OPT_STRICT, OPT_STATS, OPT_TRACE, OPT_DUMP_VMCS, OPT_DUMP_EPT,
	       OPT_EPT_GRAPH };
	static const struct option longopts[] = {
		{ "memory", required_argument, NULL, 'm' },
		{ "cpus", required_argument, NULL, 'c' },
		{ "mode", required_argument, NULL, OPT_MODE },
		{ "flat", no_argument, NULL, OPT_FLAT },
		{ "load", required_argument, NULL, OPT_LOAD },
		{ "entry", required_argument, NULL, OPT_ENTRY },
		{ "cmdline", required_argument, NULL, OPT_CMDLINE },
		{ "device", required_argument, NULL, 'd' },
		{ "timeout", required_argument, NULL, 't' },
		{ "strict-io", no_argument, NULL, OPT_STRICT },
		{ "stats", no_argument, NULL, OPT_STATS },
		{ "trace", no_argument, NULL, OPT_TRACE },
		{ "dump-vmcs", optional_argument, NULL, OPT_DUMP_VMCS },
		{ "dump-ept", no_argument, NULL, OPT_DUMP_EPT },
		{ "ept-graph", required_argument, NULL, OPT_EPT_GRAPH },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	opts.device = "/dev/vtx";
	opts.cmdline = "";
	opts.mem_size = 64ULL << 20;
	opts.nr_vcpus = 1;
	while ((c = getopt_long(argc, argv, "m:c:d:t:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'm':
			if (vtx_parse_size(optarg, &opts.mem_size))
				die(STATUS_USAGE, "-m takes a size such as 64M, "
				    "512K or 1G, not '%s'", optarg);
			if (opts.mem_size > VTX_RUN_MAX_MEM ||
			    opts.mem_size < (1ULL << 20) ||
			    opts.mem_size % 4096)
				die(STATUS_USAGE, "-m %s: guest memory must be a "
				    "multiple of 4K from 1M to 3G", optarg);
			break;
		case 'c':
			opts.nr_vcpus = parse_number("-c", optarg,
						     VTX_RUN_MAX_VCPUS);
			if (!opts.nr_vcpus)
				die(STATUS_USAGE, "-c takes 1 to %d vCPUs",
				    VTX_RUN_MAX_VCPUS);
			break;
		case OPT_MODE:
			if (vtx_mode_parse(optarg, &opts.img.mode))
				die(STATUS_USAGE, "--mode takes real, prot32 or "
				    "long64, not '%s'", optarg);
			break;
		case OPT_FLAT:
			opts.img.flat = true;
			break;
		case OPT_LOAD:
			opts.img.have_load = true;
			opts.img.load = parse_number("--load", optarg,
						     0xffffffff);
			break;
		case OPT_ENTRY:
			opts.img.have_entry = true;
			opts.img.entry = parse_number("--entry", optarg,
						      0xffffffff);
			break;
		case OPT_CMDLINE:
			opts.cmdline = optarg;
			break;
		case 'd':
			opts.device = optarg;
			break;
		case 't':
			opts.timeout_s = parse_number("--timeout", optarg,
						      1000000);
			break;
		case OPT_STRICT:
			machine.strict_io = true;
			break;
		case OPT_STATS:
			opts.stats = true;
			break;
		case OPT_TRACE:
			opts.trace = true;
			break;
		case OPT_DUMP_VMCS:
			parse_dump_vmcs(optarg);
			break;
		case OPT_DUMP_EPT:
			opts.dump_ept = true;
			break;
		case OPT_EPT_GRAPH:
			if (!*optarg)
				die(STATUS_USAGE, "--ept-graph takes a file name, "
				    "such as ept.svg");
			opts.ept_graph = optarg;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			printf("vtx-run %s (KVM API 12; vtx's own ioctls where "
			       "the device has them)\n", VTX_RUN_VERSION);
			exit(0);
		default:
			fprintf(stderr, "vtx-run: see 'vtx-run --help'\n");
			exit(STATUS_USAGE);
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "vtx-run: give exactly one guest image (see "
			"'vtx-run --help')\n");
		exit(STATUS_USAGE);
	}
	opts.image = argv[optind];
}

static uint8_t *read_image(const char *path, size_t *len)
{
	struct stat st;
	uint8_t *buf;
	ssize_t n;
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		die(STATUS_SETUP, "cannot read the guest image %s: %s", path,
		    strerror(errno));
	if (fstat(fd, &st) || !S_ISREG(st.st_mode))
		die(STATUS_SETUP, "%s is not a regular file", path);
	if (st.st_size == 0)
		die(STATUS_SETUP, "%s is empty", path);
	if (st.st_size > VTX_RUN_MAX_IMAGE)
		die(STATUS_SETUP, "%s is %lld bytes; vtx-run takes images up "
		    "to %u MiB", path, (long long)st.st_size,
		    VTX_RUN_MAX_IMAGE >> 20);
	buf = malloc(st.st_size);
	if (!buf)
		die(STATUS_SETUP, "out of memory for %s", path);
	while (got < (size_t)st.st_size) {
		n = read(fd, buf + got, st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			die(STATUS_SETUP, "cannot read %s: %s", path,
			    n ? strerror(errno) : "it shrank while read");
		got += n;
	}
	close(fd);
	*len = got;
	return buf;
}

/* --- the run loop ---------------------------------------------------------- */

static void record_exit(struct vtx_run_vcpu *v, const struct kvm_run *run)
{
	struct vtx_exit_record *e =
		&v->history[v->nr_history++ % VTX_RUN_EXIT_HISTORY];

	memset(e, 0, sizeof(*e));
	e->reason = run->exit_reason;
	if (run->exit_reason < 64)
		v->nr_user_exits[run->exit_reason]++;
	if (run->exit_reason == KVM_EXIT_IO) {
		e->addr = run->io.port;
		e->size = run->io.size;
		e->write = run->io.direction == KVM_EXIT_IO_OUT;
		if (e->write && run->io.size <= 8)
			memcpy(&e->data, (const uint8_t *)run +
			       run->io.data_offset, run->io.size);
	} else if (run->exit_reason == KVM_EXIT_MMIO) {
		e->addr = run->mmio.phys_addr;
		e->size = run->mmio.len;
		e->write = run->mmio.is_write;
		if (e->write && run->mmio.len <= 8)
			memcpy(&e->data, run->mmio.data, run->mmio.len);
	}
}

static void trace_exit(const struct vtx_run_vcpu *v, const struct kvm_run *run)
{
	fprintf(stderr, "vtx-run: trace: vCPU %u: %s", v->index,
		vtx_kvm_exit_name(run->exit_reason));
	if (run->exit_reason == KVM_EXIT_IO)
		fprintf(stderr, " %s port 0x%x, %u x %u byte(s)",
			run->io.direction == KVM_EXIT_IO_OUT ? "out" : "in",
			run->io.port, run->io.count, run->io.size);
	else if (run->exit_reason == KVM_EXIT_MMIO)
		fprintf(stderr, " %s 0x%llx, %u byte(s)",
			run->mmio.is_write ? "write" : "read",
			(unsigned long long)run->mmio.phys_addr, run->mmio.len);
	fputc('\n', stderr);
}

/* KVM_EXIT_IO: @count accesses of @size bytes in the data page. */
static void serve_io(struct kvm_run *run)
{
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	unsigned int i, size = run->io.size;
	uint64_t val;

	if (size != 1 && size != 2 && size != 4)
		return;
	for (i = 0; i < run->io.count; i++, data += size) {
		if (run->io.direction == KVM_EXIT_IO_OUT) {
			val = 0;
			memcpy(&val, data, size);
			vtx_bus_write(&machine, VTX_BUS_PIO, run->io.port, size,
				      val);
		} else {
			vtx_bus_read(&machine, VTX_BUS_PIO, run->io.port, size,
				     &val);
			memcpy(data, &val, size);
		}
	}
}

static void serve_mmio(struct kvm_run *run)
{
	unsigned int len = run->mmio.len;
	uint64_t val = 0;

	if (!len || len > 8)
		return;
	if (run->mmio.is_write) {
		memcpy(&val, run->mmio.data, len);
		vtx_bus_write(&machine, VTX_BUS_MMIO, run->mmio.phys_addr, len,
			      val);
	} else {
		vtx_bus_read(&machine, VTX_BUS_MMIO, run->mmio.phys_addr, len,
			     &val);
		memcpy(run->mmio.data, &val, len);
	}
}

/*
 * --- interrupts -------------------------------------------------------------
 *
 * KVM's protocol for an irqchip in user space (KVM API, api.rst:
 * KVM_INTERRUPT, request_interrupt_window, ready_for_interrupt_injection,
 * if_flag, KVM_EXIT_IRQ_WINDOW_OPEN), as QEMU's kvm_arch_pre_run() speaks
 * it.  Before each KVM_RUN of vCPU 0, the PIC is asked: with an interrupt
 * pending and the vCPU ready for one (IF = 1, no interrupt shadow, no
 * event of its own to deliver), the PIC's acknowledge gives the vector and
 * KVM_INTERRUPT queues it; while one is still pending,
 * request_interrupt_window = 1 makes the device leave KVM_RUN as soon as
 * the guest can take it.  The PIT has no thread: a POSIX timer sends
 * vCPU 0 a signal at its next IRQ0 edge, whose handler sets immediate_exit
 * so that KVM_RUN returns (or is not entered), and the loop polls again.
 * HLT with IF = 1 is a CPU waiting for an interrupt (SDM Vol. 2A, HLT):
 * vCPU 0 sleeps until the PIT's next edge instead of ending.
 */
#define VTX_RUN_MIN_TIMER_NS	100000	/* at most 10,000 timer signals/s */

/* This thread's kvm_run, for the signal handler. */
static __thread struct kvm_run *self_run;
/* Woken when an interrupt source changes or the run stops. */
static pthread_mutex_t intr_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t intr_cond;
static uint64_t intr_gen;
/* vCPU 0's: the timer and the edge it is armed for (0: disarmed). */
static timer_t intr_timer;
static bool intr_timer_ok;
static uint64_t intr_timer_for;

static void on_sigusr1(int sig)
{
	(void)sig;
	/* KVM_RUN returns EINTR, or returns at once if not yet entered. */
	if (self_run)
		__atomic_store_n(&self_run->immediate_exit, 1, __ATOMIC_SEQ_CST);
}

/* machine.kick: the bus lock is held; vCPU 0 must poll again. */
static void kick_vcpu0(struct vtx_machine *m)
{
	struct vtx_run_vcpu *v0 = &vm.vcpus[0];

	(void)m;
	pthread_mutex_lock(&intr_lock);
	intr_gen++;
	pthread_cond_broadcast(&intr_cond);
	pthread_mutex_unlock(&intr_lock);
	/*
	 * From vCPU 0 itself: it polls before its next KVM_RUN anyway.  A
	 * vCPU 0 that is done (halted for good) polls no more.
	 */
	if (__atomic_load_n(&v0->started, __ATOMIC_ACQUIRE) &&
	    !__atomic_load_n(&v0->done, __ATOMIC_ACQUIRE) &&
	    !pthread_equal(pthread_self(), v0->thread))
		pthread_kill(v0->thread, SIGUSR1);
}

static struct timespec ns_to_timespec(uint64_t ns)
{
	struct timespec t = { .tv_sec = ns / 1000000000ULL,
			      .tv_nsec = ns % 1000000000ULL };

	return t;
}

/* vCPU 0's timer: a signal at the PIT's next IRQ0 edge @next. */
static void arm_timer(uint64_t next, uint64_t now)
{
	struct itimerspec its = { 0 };

	if (!intr_timer_ok || next == intr_timer_for ||
	    (next == VTX_PIT_NEVER && !intr_timer_for))
		return;
	if (next != VTX_PIT_NEVER) {
		/* A guest's tiny count must not flood the host with signals. */
		its.it_value = ns_to_timespec(next > now + VTX_RUN_MIN_TIMER_NS ?
					      next : now + VTX_RUN_MIN_TIMER_NS);
		intr_timer_for = next;
	} else {
		intr_timer_for = 0;
	}
	timer_settime(intr_timer, TIMER_ABSTIME, &its, NULL);
}

static void timer_start(struct vtx_run_vcpu *v)
{
	struct sigevent sev = {
		.sigev_notify = SIGEV_THREAD_ID, .sigev_signo = SIGUSR1,
	};

	sev._sigev_un._tid = syscall(SYS_gettid);
	intr_timer_ok = !timer_create(CLOCK_MONOTONIC, &sev, &intr_timer);
	if (!intr_timer_ok)
		fprintf(stderr, "vtx-run: vCPU %u: no timer (%s): the PIT's "
			"interrupts reach a running guest only at its exits\n",
			v->index, strerror(errno));
}

static void crash(struct vtx_run_vcpu *v, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Before each KVM_RUN of vCPU 0: inject, or ask for the window. */
static bool intr_pre_run(struct vtx_run_vcpu *v)
{
	struct kvm_run *run = v->run;
	struct vtx_intr_status st;
	struct kvm_interrupt irq;
	uint64_t now = vtx_clock_ns();

	vtx_intr_poll(now, &st);
	if (st.pending && run->ready_for_interrupt_injection && run->if_flag) {
		irq.irq = vtx_intr_ack();
		if (opts.trace)
			fprintf(stderr, "vtx-run: trace: vCPU %u: inject vector "
				"0x%x\n", v->index, irq.irq);
		if (ioctl(v->fd, KVM_INTERRUPT, &irq)) {
			crash(v, "KVM_INTERRUPT of vector 0x%x: %s", irq.irq,
			      strerror(errno));
			return false;
		}
		v->nr_injected++;
		vtx_intr_poll(now, &st);
	}
	run->request_interrupt_window = st.pending;
	arm_timer(st.next_ns, now);
	return true;
}

/*
 * KVM_EXIT_HLT of vCPU 0 with IF = 1: wait until the PIC has an interrupt
 * for it (true: run on, the loop injects it), the run stops (true: the
 * loop ends), or no interrupt can ever come (false: halted for good).
 */
static bool wait_for_interrupt(struct vtx_run_vcpu *v)
{
	struct vtx_intr_status st;
	struct timespec until;
	uint64_t gen;

	if (opts.trace)
		fprintf(stderr, "vtx-run: trace: vCPU %u: HLT with IF=1: "
			"waiting for an interrupt\n", v->index);
	for (;;) {
		pthread_mutex_lock(&intr_lock);
		gen = intr_gen;
		pthread_mutex_unlock(&intr_lock);
		if (__atomic_load_n(&machine.stop, __ATOMIC_SEQ_CST))
			return true;
		vtx_intr_poll(vtx_clock_ns(), &st);
		if (st.pending)
			return true;
		if (!st.can_wake)
			return false;
		until = ns_to_timespec(st.next_ns);
		pthread_mutex_lock(&intr_lock);
		while (gen == intr_gen &&
		       !__atomic_load_n(&machine.stop, __ATOMIC_SEQ_CST) &&
		       vtx_clock_ns() < st.next_ns)
			if (pthread_cond_timedwait(&intr_cond, &intr_lock,
						   &until) == ETIMEDOUT)
				break;
		pthread_mutex_unlock(&intr_lock);
	}
}

/* Ends the run: every vCPU leaves KVM_RUN (immediate_exit and a signal). */
static void stop_all(int status, const char *why)
{
	unsigned int i;

	pthread_mutex_lock(&state_lock);
	if (!machine.stop) {
		machine.stop = true;
		machine.exit_status = status;
		machine.stop_why = why;
	}
	pthread_cond_broadcast(&state_cond);
	pthread_mutex_unlock(&state_lock);
	pthread_mutex_lock(&intr_lock);
	pthread_cond_broadcast(&intr_cond);
	pthread_mutex_unlock(&intr_lock);
	for (i = 0; i < vm.nr_vcpus; i++) {
		struct vtx_run_vcpu *v = &vm.vcpus[i];

		__atomic_store_n(&v->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
		if (__atomic_load_n(&v->started, __ATOMIC_ACQUIRE))
			pthread_kill(v->thread, SIGUSR1);
	}
}

static void crash(struct vtx_run_vcpu *v, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "vtx-run: the guest crashed on vCPU %u: ", v->index);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	vtx_vcpu_report(&vm, v);
	stop_all(STATUS_CRASH, "the guest crashed");
}

/* One KVM exit; returns false when this vCPU is done. */
static bool serve_exit(struct vtx_run_vcpu *v, struct kvm_run *run)
{
	unsigned int i;

	record_exit(v, run);
	if (opts.trace)
		trace_exit(v, run);
	if (run->exit_reason < 64 &&
	    (opts.dump_vmcs_exits & (1ULL << run->exit_reason))) {
		char when[64];

		snprintf(when, sizeof(when), "at its KVM_EXIT_%s #%llu",
			 vtx_kvm_exit_name(run->exit_reason),
			 (unsigned long long)v->nr_user_exits[run->exit_reason]);
		vtx_dump_vmcs(&vm, v, when);
	}
	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		serve_io(run);
		return true;
	case KVM_EXIT_MMIO:
		serve_mmio(run);
		return true;
	case KVM_EXIT_HLT:
		/*
		 * Only vCPU 0 takes the PIC's interrupts; with IF = 0, or
		 * none that can come, nothing wakes it: halted for good.
		 */
		if (v->index == 0 && run->if_flag)
			return wait_for_interrupt(v);
		return false;
	case KVM_EXIT_IRQ_WINDOW_OPEN:	/* the guest can take one now */
	case KVM_EXIT_INTR:
		return true;
	case KVM_EXIT_SHUTDOWN:
		crash(v, "triple fault (KVM_EXIT_SHUTDOWN): an exception it "
		      "could not handle (vtx-run gives guests no IDT)");
		return false;
	case KVM_EXIT_FAIL_ENTRY:
		crash(v, "VM entry failed (KVM_EXIT_FAIL_ENTRY, hardware reason "
		      "0x%llx on CPU %u): the guest state is invalid",
		      (unsigned long long)
		      run->fail_entry.hardware_entry_failure_reason,
		      run->fail_entry.cpu);
		return false;
	case KVM_EXIT_INTERNAL_ERROR:
		fprintf(stderr, "vtx-run: internal error, suberror %u, data:",
			run->internal.suberror);
		for (i = 0; i < run->internal.ndata && i < 16; i++)
			fprintf(stderr, " 0x%llx",
				(unsigned long long)run->internal.data[i]);
		fputc('\n', stderr);
		crash(v, "the device could not go on (KVM_EXIT_INTERNAL_ERROR%s)",
		      run->internal.suberror == KVM_INTERNAL_ERROR_EMULATION ?
		      ": an instruction it cannot emulate, such as code "
		      "fetched from where no memory is" : "");
		return false;
	default:
		crash(v, "an exit vtx-run does not serve: %s (%u)",
		      vtx_kvm_exit_name(run->exit_reason), run->exit_reason);
		return false;
	}
}

static void *vcpu_thread(void *arg)
{
	struct vtx_run_vcpu *v = arg;
	struct kvm_run *run = v->run;

	self_run = run;
	if (v->index == 0)
		timer_start(v);
	while (!__atomic_load_n(&machine.stop, __ATOMIC_SEQ_CST)) {
		if (v->index == 0 && !intr_pre_run(v))
			break;
		if (ioctl(v->fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN) {
				/*
				 * A kick or the timer: clear it before the
				 * next poll, so a later one is not lost; a
				 * stop was set before its signal, and the
				 * loop's test sees it.
				 */
				__atomic_store_n(&run->immediate_exit, 0,
						 __ATOMIC_SEQ_CST);
				continue;
			}
			fprintf(stderr, "vtx-run: KVM_RUN on vCPU %u: %s\n",
				v->index, strerror(errno));
			stop_all(STATUS_CRASH, "KVM_RUN failed");
			break;
		}
		if (!serve_exit(v, run))
			break;
		if (machine.stop)	/* the exit port, or --strict-io */
			stop_all(machine.exit_status, machine.stop_why);
	}
	if (v->index == 0 && intr_timer_ok)
		timer_delete(intr_timer);
	pthread_mutex_lock(&state_lock);
	v->done = true;
	nr_running--;
	pthread_cond_broadcast(&state_cond);
	pthread_mutex_unlock(&state_lock);
	return NULL;
}

/* What --dump-vmcs, --dump-ept and --ept-graph show once the run is over. */
static void show_dumps(void)
{
	unsigned int i;
	char *title;

	for (i = 0; opts.dump_vmcs_end && i < vm.nr_vcpus; i++) {
		bool done;

		pthread_mutex_lock(&state_lock);
		done = vm.vcpus[i].done;
		pthread_mutex_unlock(&state_lock);
		/* One still in KVM_RUN would hold its vCPU: leave it be. */
		if (done)
			vtx_dump_vmcs(&vm, &vm.vcpus[i], "at the end of the run");
		else
			fprintf(stderr, "vtx-run: vCPU %u is still running: no "
				"VMCS dump\n", i);
	}
	if (opts.dump_ept)
		vtx_dump_ept(&vm);
	if (opts.ept_graph) {
		if (asprintf(&title, "EPT of %s: %llu MiB of RAM at GPA 0",
			     opts.image,
			     (unsigned long long)(opts.mem_size >> 20)) < 0)
			title = NULL;
		vtx_ept_graph(&vm, opts.ept_graph, title ? title : "EPT");
		free(title);
	}
}

/* Waits for every vCPU to halt, the run to stop, or the timeout. */
static void wait_for_guest(void)
{
	struct timespec deadline;
	bool timed_out = false;

	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += opts.timeout_s;
	pthread_mutex_lock(&state_lock);
	while (nr_running && !machine.stop) {
		if (!opts.timeout_s) {
			pthread_cond_wait(&state_cond, &state_lock);
		} else if (pthread_cond_timedwait(&state_cond, &state_lock,
						  &deadline) == ETIMEDOUT) {
			timed_out = true;
			break;
		}
	}
	pthread_mutex_unlock(&state_lock);
	if (timed_out) {
		fprintf(stderr, "vtx-run: --timeout %u: the guest ran out of "
			"time; stopping it\n", opts.timeout_s);
		stop_all(STATUS_TIMEOUT, "timeout");
	}
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_sigusr1 };
	pthread_condattr_t ca;
	struct vtx_image img;
	char err[256];
	uint32_t mbi = 0;
	uint8_t *buf;
	size_t len;
	unsigned int i;

	parse_args(argc, argv);
	buf = read_image(opts.image, &len);
	if (vtx_image_parse(buf, len, &opts.img, &img, err, sizeof(err)))
		die(STATUS_SETUP, "%s: %s", opts.image, err);
	if (vtx_image_fits(&img, opts.mem_size, err, sizeof(err)))
		die(STATUS_SETUP, "%s: %s", opts.image, err);
	if (img.mode == VTX_MODE_REAL && opts.nr_vcpus > 1)
		die(STATUS_USAGE, "several vCPUs (-c %u) need a protected or "
		    "long mode image: real-mode vCPUs would share one stack",
		    opts.nr_vcpus);
	if (img.kind == VTX_IMAGE_MULTIBOOT && opts.nr_vcpus > 1)
		die(STATUS_USAGE, "a Multiboot kernel starts on one vCPU "
		    "(Multiboot spec 3.2); drop -c");

	if (vtx_vm_open(&vm, opts.device) || vtx_vm_create(&vm, opts.mem_size))
		exit(STATUS_SETUP);
	vtx_image_load(&img, buf, len, vm.mem, vm.mem_size);
	free(buf);
	if (vtx_boot_write_tables(vm.mem, vm.mem_size, img.mode))
		die(STATUS_SETUP, "guest memory too small for the page tables");
	if (img.kind == VTX_IMAGE_MULTIBOOT) {
		mbi = vtx_multiboot_info(vm.mem, vm.mem_size, opts.cmdline);
		if (!mbi)
			die(STATUS_USAGE, "--cmdline is too long for the "
			    "Multiboot information page");
	}
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&intr_cond, &ca);
	machine.kick = kick_vcpu0;
	if (vtx_devices_init(&machine))
		die(STATUS_SETUP, "cannot set up the devices");

	vm.nr_vcpus = opts.nr_vcpus;
	for (i = 0; i < vm.nr_vcpus; i++)
		if (vtx_vcpu_create(&vm, i) ||
		    vtx_vcpu_setup(&vm, &vm.vcpus[i], &img, mbi))
			exit(STATUS_SETUP);

	/* No SA_RESTART: the signal must make KVM_RUN return EINTR. */
	sigaction(SIGUSR1, &sa, NULL);
	if (opts.trace)
		fprintf(stderr, "vtx-run: trace: %s %s, %s mode, entry 0x%llx, "
			"%u vCPU(s), %llu MiB on %s\n", vtx_image_kind_name(img.kind),
			opts.image, vtx_mode_name(img.mode),
			(unsigned long long)img.entry, vm.nr_vcpus,
			(unsigned long long)(opts.mem_size >> 20), opts.device);
	nr_running = vm.nr_vcpus;
	for (i = 0; i < vm.nr_vcpus; i++) {
		if (pthread_create(&vm.vcpus[i].thread, NULL, vcpu_thread,
				   &vm.vcpus[i]))
			die(STATUS_SETUP, "cannot start a thread for vCPU %u", i);
		__atomic_store_n(&vm.vcpus[i].started, true, __ATOMIC_RELEASE);
	}
	wait_for_guest();
	for (i = 0; i < vm.nr_vcpus; i++) {
		struct timespec t;

		/* A vCPU that does not leave KVM_RUN must not hang vtx-run. */
		clock_gettime(CLOCK_REALTIME, &t);
		t.tv_sec += 5;
		if (pthread_timedjoin_np(vm.vcpus[i].thread, NULL, &t))
			fprintf(stderr, "vtx-run: vCPU %u did not stop\n", i);
	}
	show_dumps();
	if (opts.stats)
		vtx_vm_print_stats(&vm);
	if (opts.trace)
		fprintf(stderr, "vtx-run: trace: end: %s, exit status %d\n",
			machine.stop ? machine.stop_why : "every vCPU halted",
			machine.stop ? machine.exit_status : 0);
	return machine.stop ? machine.exit_status : 0;
}
