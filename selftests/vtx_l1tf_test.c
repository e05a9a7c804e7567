// SPDX-License-Identifier: GPL-2.0
/*
 * vtx_l1tf_test: vtx flushes L1D before VM entry when, and only when, the
 * kernel's L1TF setting asks it of kvm-intel (vmx/vcpu.c, vmx/lib/l1tf.c).
 *
 *   vtx_l1tf_test [MODE]	MODE: never, cond or always, what kvm-intel
 *				chose on this kernel (vtx_l1tf_test.sh reads
 *				it from /sys/devices/system/cpu/vulnerabilities/l1tf)
 *
 *   1  /sys/kernel/debug/vtx/l1d_flush names a mode
 *   2  it is MODE (skipped without MODE)
 *   3  a 32-bit guest runs ROUNDS rounds of CPUIDS CPUIDs (exits vtx
 *      handles in its fast path) and one OUT (an exit to user space),
 *      then HLT; the run's exits are as expected
 *   4  the flushes VTX_GET_VCPU_STATS counts fit the mode: never: 0;
 *      always: one per entry; cond: at least one per KVM_RUN (user space
 *      ran), and far fewer than the entries (the CPUIDs' own entries do
 *      not flush, only the few that follow a host interrupt)
 *   5  a guest writes each of DIRTY_PAGES pages of a dirty-logged slot
 *      once, user space reads the log (KVM_GET_DIRTY_LOG protects them
 *      again), and the guest writes them again in one KVM_RUN: DIRTY_PAGES
 *      write-protection faults, each handled on vtx's slow path (map_ram).
 *      never: no flush; always: one per entry; cond: the faults do not
 *      flush (kvm-intel's page fault does not set its flag), so that
 *      KVM_RUN flushes on entry and after host interrupts only: under a
 *      quarter of DIRTY_PAGES
 *
 * vtx only: the statistics are vtx's.  Bochs has no FLUSH_L1D command, so
 * where the PC's kernel mitigates L1TF (mitigations=auto) this runs the
 * software flush.
 */
#include "kvm/kvm_util.h"
#include "vtx.h"

#define NR_TESTS	5
#define ROUNDS		20
#define CPUIDS		100
#define L1D_FLUSH_FILE	"/sys/kernel/debug/vtx/l1d_flush"
#define DIRTY_PAGES	128
#define DIRTY_GPA	0x1000000	/* slot 1: 16 MiB, past slot 0 */

asm(".pushsection .rodata\n"
	".global g_l1tf_start, g_l1tf_end\n"
	"g_l1tf_start:\n"
	".code32\n"
	"	mov $" XSTR(ROUNDS) ", %esi\n"
	"1:	mov $" XSTR(CPUIDS) ", %edi\n"
	"2:	xor %eax, %eax\n"
	"	cpuid\n"
	"	dec %edi\n"
	"	jnz 2b\n"
	"	out %al, $0x80\n"
	"	dec %esi\n"
	"	jnz 1b\n"
	"	hlt\n"
	"g_l1tf_end:\n"
	".code64\n"
	".popsection\n");
extern const unsigned char g_l1tf_start[], g_l1tf_end[];

/* Write each page of slot 1 once, OUT to 0x80; again, then HLT. */
asm(".pushsection .rodata\n"
	".global g_dirty_start, g_dirty_end\n"
	"g_dirty_start:\n"
	".code32\n"
	"	mov $2, %esi\n"
	"1:	mov $" XSTR(DIRTY_GPA) ", %edi\n"
	"	mov $" XSTR(DIRTY_PAGES) ", %ecx\n"
	"2:	mov %ecx, (%edi)\n"
	"	add $4096, %edi\n"
	"	dec %ecx\n"
	"	jnz 2b\n"
	"	out %al, $0x80\n"
	"	dec %esi\n"
	"	jnz 1b\n"
	"	hlt\n"
	"g_dirty_end:\n"
	".code64\n"
	".popsection\n");
extern const unsigned char g_dirty_start[], g_dirty_end[];

static int vcpu_stats(struct vcpu *v, struct vtx_vcpu_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->size = sizeof(*st);
	return ioctl(v->fd, VTX_GET_VCPU_STATS, st);
}

/* Test 5: the flushes of the KVM_RUN that takes DIRTY_PAGES dirty faults. */
static void dirty_faults(int kvm_fd, const char *mode)
{
	__u64 bitmap[DIRTY_PAGES / 64] = { 0 };
	struct kvm_dirty_log log = { .slot = 1, .dirty_bitmap = bitmap };
	struct vtx_vcpu_stats *st = calloc(2, sizeof(*st));
	unsigned long long f, e;
	struct vcpu *v;
	int r;

	v = guest_create(kvm_fd, MODE_PROT32, g_dirty_start, g_dirty_end);
	if (!v || !st || !vm_add_mem(v->vm, 1, DIRTY_GPA, DIRTY_PAGES * 4096,
				     KVM_MEM_LOG_DIRTY_PAGES)) {
		fail_n(1, "dirty-logging guest");
		goto out;
	}
	r = vcpu_run(v);
	if (r || v->run->exit_reason != KVM_EXIT_IO || v->run->io.port != 0x80 ||
	    ioctl(v->vm->fd, KVM_GET_DIRTY_LOG, &log) ||
	    bitmap[0] != ~0ULL || bitmap[DIRTY_PAGES / 64 - 1] != ~0ULL ||
	    vcpu_stats(v, &st[0])) {
		ok(0, "first pass: every page dirty (run %d, exit %s, log %#llx)",
		   r, r ? "error" : exit_name(v->run->exit_reason),
		   (unsigned long long)bitmap[0]);
		goto out;
	}
	r = vcpu_run(v);
	if (r || v->run->exit_reason != KVM_EXIT_IO || vcpu_stats(v, &st[1]) ||
	    ioctl(v->vm->fd, KVM_GET_DIRTY_LOG, &log) || bitmap[0] != ~0ULL) {
		ok(0, "second pass: every page dirty again (run %d, exit %s)",
		   r, r ? "error" : exit_name(v->run->exit_reason));
		goto out;
	}
	f = st[1].l1d_flushes - st[0].l1d_flushes;
	e = st[1].entries - st[0].entries;
	if (!strcmp(mode, "never"))
		ok(f == 0, "never: %llu L1D flushes in the %llu entries of %d "
		   "dirty-page faults", f, e, DIRTY_PAGES);
	else if (!strcmp(mode, "always"))
		ok(f == e, "always: %llu L1D flushes in %llu entries", f, e);
	else
		ok(f >= 1 && f < DIRTY_PAGES / 4 && e > DIRTY_PAGES,
		   "cond: %llu L1D flushes in the %llu entries of %d "
		   "dirty-page faults in one KVM_RUN (want at least the one "
		   "after user space, and under %d: the faults do not flush)",
		   f, e, DIRTY_PAGES, DIRTY_PAGES / 4);
out:
	free(st);
	guest_destroy(v);
}

/* The mode's first word from debugfs into @mode; 0 on success. */
static int read_mode(char *mode, size_t len)
{
	FILE *f = fopen(L1D_FLUSH_FILE, "r");
	int r;

	if (!f)
		return -1;
	r = fscanf(f, "%15s", mode) == 1 ? 0 : -1;
	fclose(f);
	mode[len - 1] = 0;
	return r;
}

int main(int argc, char **argv)
{
	const char *want = argc > 1 && argv[1][0] ? argv[1] : NULL;
	struct vtx_vcpu_stats *st;
	unsigned int outs = 0, runs = 0;
	char mode[16] = "";
	struct vcpu *v;
	int kvm_fd, r, done = 0;

	kvm_fd = kvm_open_dev("/dev/vtx");
	tap_plan(NR_TESTS);

	ok(!read_mode(mode, sizeof(mode)) &&
	   (!strcmp(mode, "never") || !strcmp(mode, "cond") ||
	    !strcmp(mode, "always")), "%s names a mode: \"%s\"",
	   L1D_FLUSH_FILE, mode);
	if (want)
		ok(!strcmp(mode, want), "vtx flushes L1D as kvm-intel does on "
		   "this kernel: %s (kvm-intel: %s)", mode, want);
	else
		skip("no mode given", "kvm-intel's mode not read");

	v = guest_create(kvm_fd, MODE_PROT32, g_l1tf_start, g_l1tf_end);
	if (!v) {
		fail_n(2, "L1TF guest");
		return tap_exit();
	}
	kvm_watchdog(120);
	while (!done) {
		r = vcpu_run(v);
		runs++;
		if (r == 0 && v->run->exit_reason == KVM_EXIT_IO &&
		    v->run->io.port == 0x80)
			outs++;
		else
			done = 1;
	}
	ok(r == 0 && v->run->exit_reason == KVM_EXIT_HLT && outs == ROUNDS,
	   "the guest ran %u rounds of %u CPUIDs and an OUT, then HLT "
	   "(%u OUTs, last exit %s)", ROUNDS, CPUIDS, outs,
	   r ? "error" : exit_name(v->run->exit_reason));

	st = calloc(1, sizeof(*st));
	st->size = sizeof(*st);
	if (ioctl(v->fd, VTX_GET_VCPU_STATS, st)) {
		ok(0, "VTX_GET_VCPU_STATS: %s", strerror(errno));
	} else {
		unsigned long long e = st->entries, f = st->l1d_flushes;

		if (!strcmp(mode, "never"))
			ok(f == 0, "never: %llu L1D flushes in %llu entries", f, e);
		else if (!strcmp(mode, "always"))
			ok(f == e, "always: %llu L1D flushes in %llu entries", f, e);
		else
			ok(f >= runs && f < e / 4 && e >= ROUNDS * CPUIDS,
			   "cond: %llu L1D flushes in %llu entries, %u KVM_RUNs "
			   "(want at least one per KVM_RUN, under a quarter of "
			   "the entries)", f, e, runs);
	}
	free(st);
	guest_destroy(v);
	dirty_faults(kvm_fd, mode);
	close(kvm_fd);
	return tap_exit();
}
