// SPDX-License-Identifier: GPL-2.0
/*
 * kvm_dirty: dirty-page logging, KVM's protocol
 * (Documentation/virt/kvm/api.rst: KVM_MEM_LOG_DIRTY_PAGES,
 * KVM_GET_DIRTY_LOG, KVM_CLEAR_DIRTY_LOG,
 * KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2), as QEMU's live migration uses it.
 *
 *   kvm_dirty [DEVICE]	(default $VTX_DEVICE, else /dev/vtx)
 *
 * A 32-bit flat guest writes known sets of pages of a logging slot, and
 * the log must hold exactly those pages, no more, no fewer:
 * - plain stores to a random set, again after the log was read (the pages
 *   are mapped and protected again by then);
 * - REP STOSB and REP MOVSB across page boundaries;
 * - REP INSB into RAM: pages only the hypervisor writes, for the guest;
 * - logging switched on and off on a live slot whose pages the guest
 *   already wrote (a 2 MiB-aligned slot, where huge pages may back it);
 * - manual protection: GET_DIRTY_LOG leaves the log as it is, and
 *   CLEAR_DIRTY_LOG clears and protects exactly the pages asked for;
 *   KVM_DIRTY_LOG_INITIALLY_SET;
 * - a racing writer: a vCPU thread increments counters in random pages
 *   while this thread reads the log, round after round; every page whose
 *   counter moved between two rounds must be in the log of that round or
 *   the next (a page dirtied while the log is read is reported in the
 *   next round: with both kvm-intel and vtx);
 * - the errors: no such slot, a slot that does not log (ENOENT), bad slot
 *   ids (EINVAL), CLEAR_DIRTY_LOG's alignment rules (EINVAL), bad
 *   KVM_ENABLE_CAP arguments (EINVAL).
 */
#include <pthread.h>
#include "kvm_util.h"
#include "vtx.h"

static int on_vtx;

#define TRACK_SLOT	1
#define TRACK_GPA	0x10000000ULL
#define TRACK_PAGES	1024			/* 4 MiB */
#define TRACK_SIZE	(TRACK_PAGES * 0x1000ULL)
#define TAIL_SLOT	2
#define TAIL_GPA	0x20000000ULL
#define TAIL_PAGES	100			/* not a multiple of 64 */
#define LIST_GPA	0x100000		/* the guest's list of addresses */
#define SRC_GPA		0x180000		/* REP MOVSB's source */
#define STOP_GPA	(DATA_GPA + 0x100)	/* the racing writer stops */
#define PORT_DONE	0x10
#define PORT_IN		0x20
#define WORDS(n)	(((n) + 63) / 64)

asm(".pushsection .rodata\n"
	".code32\n"
	".global g_d_start, g_d_end, g_d_list, g_d_stos, g_d_movs, g_d_ins\n"
	".global g_d_race\n"
	"g_d_start:\n"
	/* Store EAX at each of the ECX addresses listed at ESI. */
	"g_d_list:\n"
	"1:	mov (%esi), %edi\n"
	"	mov %eax, (%edi)\n"
	"	add $4, %esi\n"
	"	dec %ecx\n"
	"	jnz 1b\n"
	"	out %al, $" XSTR(PORT_DONE) "\n"
	"	hlt\n"
	"g_d_stos:\n"
	"	cld\n"
	"	rep stosb\n"
	"	out %al, $" XSTR(PORT_DONE) "\n"
	"	hlt\n"
	"g_d_movs:\n"
	"	cld\n"
	"	rep movsb\n"
	"	out %al, $" XSTR(PORT_DONE) "\n"
	"	hlt\n"
	"g_d_ins:\n"
	"	cld\n"
	"	rep insb\n"
	"	out %al, $" XSTR(PORT_DONE) "\n"
	"	hlt\n"
	/*
	 * The racing writer: EDI the pages, EBX the page mask, EAX the seed;
	 * increments the counter at the start of a pseudo-random page until
	 * STOP_GPA reads non-zero.
	 */
	"g_d_race:\n"
	"1:	imul $1103515245, %eax, %eax\n"
	"	add $12345, %eax\n"
	"	mov %eax, %edx\n"
	"	shr $16, %edx\n"
	"	and %ebx, %edx\n"
	"	shl $12, %edx\n"
	"	incl (%edi,%edx)\n"
	"	cmpl $0, " XSTR(STOP_GPA) "\n"
	"	je 1b\n"
	"	out %al, $" XSTR(PORT_DONE) "\n"
	"	hlt\n"
	"g_d_end:\n"
	".code64\n"
	".popsection\n");
extern const unsigned char g_d_start[], g_d_end[], g_d_list[], g_d_stos[];
extern const unsigned char g_d_movs[], g_d_ins[], g_d_race[];

#define D_ADDR(label)	GUEST_ADDR(g_d_start, label)

static unsigned int in_bytes;	/* what the REP INSB got so far */

static __u8 in_byte(unsigned int i)
{
	return (__u8)(i * 7 + 0x5a);
}

/*
 * Run the guest at @rip with @r's GPRs until its OUT to PORT_DONE,
 * answering IN from PORT_IN with in_byte(); 1 if it got there.
 */
static int guest_call(struct vcpu *v, __u64 rip, struct kvm_regs *r)
{
	struct kvm_run *run = v->run;
	unsigned int i, n;
	int ret;

	r->rip = rip;
	/*
	 * IF = 1: Bochs takes no external-interrupt exit from a guest with
	 * IF = 0, and a guest that never exits (the racing writer, under
	 * kvm-intel's PML) would keep the host's CPU from everything else.
	 * No interrupt is ever injected.
	 */
	r->rflags = X86_RFLAGS_FIXED | X86_RFLAGS_IF;
	if (vcpu_set_regs(v, r))
		return 0;
	for (;;) {
		ret = vcpu_run(v);
		if (ret == 0 && run->exit_reason == KVM_EXIT_IO &&
		    run->io.direction == KVM_EXIT_IO_IN &&
		    run->io.port == PORT_IN && run->io.size == 1) {
			n = run->io.count;
			for (i = 0; i < n; i++)
				((__u8 *)run + run->io.data_offset)[i] =
					in_byte(in_bytes++);
			continue;
		}
		if (!exit_is(v, ret, KVM_EXIT_IO))
			return 0;
		return check_u64("io.port", run->io.port, PORT_DONE);
	}
}

static struct kvm_regs regs_of(__u64 eax, __u64 ecx, __u64 edx, __u64 esi,
			       __u64 edi)
{
	struct kvm_regs r;

	memset(&r, 0, sizeof(r));
	r.rax = eax;
	r.rcx = ecx;
	r.rdx = edx;
	r.rsi = esi;
	r.rdi = edi;
	r.rsp = STACK_TOP;
	return r;
}

/* The guest stores @val in the first word of each page set in @pages. */
static int guest_write_pages(struct vcpu *v, __u64 gpa, const __u64 *pages,
			     unsigned int npages, __u32 val)
{
	unsigned int i, n = 0;
	struct kvm_regs r;

	for (i = 0; i < npages; i++)
		if (pages[i / 64] & (1ULL << (i % 64)))
			guest_write32(v->vm, LIST_GPA + 4 * n++,
				      (__u32)(gpa + i * 0x1000ULL));
	if (!n)
		return 1;
	r = regs_of(val, n, 0, LIST_GPA, 0);
	return guest_call(v, D_ADDR(g_d_list), &r);
}

/* About @n random pages of @npages in @set (cleared first). */
static void random_set(__u64 *set, unsigned int npages, unsigned int n)
{
	unsigned int i, p;

	memset(set, 0, WORDS(npages) * 8);
	for (i = 0; i < n; i++) {
		p = (unsigned int)random() % npages;
		set[p / 64] |= 1ULL << (p % 64);
	}
}

static void set_range(__u64 *set, unsigned int first, unsigned int n)
{
	for (; n; n--, first++)
		set[first / 64] |= 1ULL << (first % 64);
}

static int get_log(struct vm *vm, __u32 slot, __u64 *bitmap)
{
	struct kvm_dirty_log log = { .slot = slot, .dirty_bitmap = bitmap };

	return ioctl(vm->fd, KVM_GET_DIRTY_LOG, &log);
}

static int clear_log(struct vm *vm, __u32 slot, __u64 first, __u32 num,
		     __u64 *bitmap)
{
	struct kvm_clear_dirty_log c = {
		.slot = slot, .num_pages = num, .first_page = first,
		.dirty_bitmap = bitmap,
	};

	return ioctl(vm->fd, KVM_CLEAR_DIRTY_LOG, &c);
}

/* Compare two logs of @npages pages; say which pages differ. */
static int same_pages(const __u64 *got, const __u64 *want, unsigned int npages)
{
	unsigned int i, missed = 0, extra = 0;

	for (i = 0; i < npages; i++) {
		int g = !!(got[i / 64] & (1ULL << (i % 64)));
		int w = !!(want[i / 64] & (1ULL << (i % 64)));

		if (g == w)
			continue;
		if (w && missed++ < 8)
			diag("  page %u written, not in the log", i);
		if (g && extra++ < 8)
			diag("  page %u in the log, not written", i);
	}
	for (i = npages; i < WORDS(npages) * 64; i++)
		if (got[i / 64] & (1ULL << (i % 64)) && extra++ < 8)
			diag("  bit %u past the slot's end set", i);
	if (missed || extra)
		diag("  %u missed, %u extra", missed, extra);
	return !missed && !extra;
}

/* One result: the log of @slot is exactly @want. */
static int log_is(struct vm *vm, __u32 slot, unsigned int npages,
		  const __u64 *want, const char *what)
{
	__u64 got[WORDS(TRACK_PAGES)];

	memset(got, 0xa5, sizeof(got));
	if (get_log(vm, slot, got)) {
		ok(0, "%s", what);
		diag("  KVM_GET_DIRTY_LOG: %s", errno_name(errno));
		return 0;
	}
	return ok(same_pages(got, want, npages), "%s", what);
}

static struct vcpu *dirty_vcpu(struct vm *vm)
{
	struct vcpu *v = vcpu_create(vm, 0);

	if (!v)
		tap_bail("cannot create a vCPU: %s", strerror(errno));
	vm_load_code(vm, g_d_start, g_d_end);
	if (vcpu_setup_mode(v, MODE_PROT32))
		tap_bail("cannot set up the guest: %s", strerror(errno));
	return v;
}

/* ---- the exact sets, the log read and cleared ------------------------------ */

static void test_exact(int kvm)
{
	__u64 want[WORDS(TRACK_PAGES)], got[WORDS(TRACK_PAGES)];
	struct vm *vm = vm_create(kvm);
	struct vcpu *v;
	struct kvm_regs r;
	__u8 *track;
	unsigned int i, bad;

	if (!vm)
		tap_bail("cannot create a VM");
	v = dirty_vcpu(vm);
	track = vm_add_mem(vm, TRACK_SLOT, TRACK_GPA, TRACK_SIZE,
			   KVM_MEM_LOG_DIRTY_PAGES);
	if (!ok(track != NULL, "a 4 MiB slot with KVM_MEM_LOG_DIRTY_PAGES"))
		tap_bail("no slot to log");

	memset(want, 0, sizeof(want));
	log_is(vm, TRACK_SLOT, TRACK_PAGES, want, "nothing written: an empty log");

	random_set(want, TRACK_PAGES, 100);
	ok(guest_write_pages(v, TRACK_GPA, want, TRACK_PAGES, 0x11111111),
	   "the guest stores to a random set of pages");
	log_is(vm, TRACK_SLOT, TRACK_PAGES, want,
	       "the log holds exactly the pages stored to");
	memset(want, 0, sizeof(want));
	log_is(vm, TRACK_SLOT, TRACK_PAGES, want,
	       "read again: empty (KVM_GET_DIRTY_LOG cleared it)");

	/* Overlapping the first: pages mapped, now protected again. */
	random_set(want, TRACK_PAGES, 300);
	ok(guest_write_pages(v, TRACK_GPA, want, TRACK_PAGES, 0x22222222),
	   "the guest stores to another random set");
	log_is(vm, TRACK_SLOT, TRACK_PAGES, want,
	       "exactly that set, pages written before included");

	/* REP STOSB: 5000 bytes from 96 below the end of page 500. */
	r = regs_of(0xab, 5000, 0, 0, TRACK_GPA + 500 * 0x1000ULL + 4000);
	ok(guest_call(v, D_ADDR(g_d_stos), &r), "REP STOSB over three pages");
	memset(want, 0, sizeof(want));
	set_range(want, 500, 3);
	log_is(vm, TRACK_SLOT, TRACK_PAGES, want,
	       "REP STOSB: exactly pages 500 to 502");

	/* REP MOVSB from slot 0: 8192 bytes from the middle of page 700. */
	memset(gpa_ptr(vm, SRC_GPA), 0xcd, 0x2000);
	r = regs_of(0, 0x2000, 0, SRC_GPA, TRACK_GPA + 700 * 0x1000ULL + 0x800);
	ok(guest_call(v, D_ADDR(g_d_movs), &r), "REP MOVSB over three pages");
	memset(want, 0, sizeof(want));
	set_range(want, 700, 3);
	log_is(vm, TRACK_SLOT, TRACK_PAGES, want,
	       "REP MOVSB: exactly pages 700 to 702, not its source's slot");

	/* REP INSB: the data lands in RAM by the hypervisor's hand. */
	in_bytes = 0;
	r = regs_of(0, 6000, PORT_IN, 0, TRACK_GPA + 900 * 0x1000ULL + 0x800);
	ok(guest_call(v, D_ADDR(g_d_ins), &r), "REP INSB of 6000 bytes into pages 900, 901");
	for (i = 0, bad = 0; i < 6000; i++)
		bad += track[900 * 0x1000 + 0x800 + i] != in_byte(i);
	ok(!bad && in_bytes == 6000, "REP INSB: the data arrived (%u bad bytes)", bad);
	memset(want, 0, sizeof(want));
	set_range(want, 900, 2);
	log_is(vm, TRACK_SLOT, TRACK_PAGES, want,
	       "REP INSB: exactly pages 900 and 901, written by the hypervisor");

	/*
	 * Reads only, of pages never touched: the API would let a hypervisor
	 * log them (a read fault may map a page writable); kvm-intel does not.
	 */
	r = regs_of(0, 0x2000, 0, TRACK_GPA + 800 * 0x1000ULL, SRC_GPA);
	ok(guest_call(v, D_ADDR(g_d_movs), &r), "REP MOVSB from pages 800, 801 to slot 0");
	memset(got, 0, sizeof(got));
	get_log(vm, TRACK_SLOT, got);
	for (i = 0, bad = 0; i < TRACK_PAGES; i++)
		bad += !!(got[i / 64] & (1ULL << (i % 64)));
	ok(!bad, "pages only read are not logged (kvm-intel): %u of 2 were", bad);

	/* Errors. */
	ok_ioctl(get_log(vm, 32764, got), -1, EINVAL,
		 "KVM_GET_DIRTY_LOG slot 32764 (past KVM's slot ids): EINVAL");
	ok_ioctl(get_log(vm, 2u << 16, got), -1, EINVAL,
		 "KVM_GET_DIRTY_LOG in address space 2: EINVAL");
	ok_ioctl(get_log(vm, 7, got), -1, ENOENT,
		 "KVM_GET_DIRTY_LOG of a slot that does not exist: ENOENT");
	ok_ioctl(get_log(vm, 0, got), -1, ENOENT,
		 "KVM_GET_DIRTY_LOG of a slot that does not log: ENOENT");
	ok_ioctl(get_log(vm, TRACK_SLOT, (__u64 *)8), -1, EFAULT,
		 "KVM_GET_DIRTY_LOG to a bad address: EFAULT");
	ok_ioctl(vm_set_region(vm->fd, TRACK_SLOT,
			       KVM_MEM_LOG_DIRTY_PAGES | KVM_MEM_READONLY,
			       TRACK_GPA, TRACK_SIZE, track), -1, EINVAL,
		 "KVM_MEM_READONLY changed on a live slot: EINVAL");
	ok_ioctl(vm_set_region(vm->fd, TRACK_SLOT, 1u << 2, TRACK_GPA,
			       TRACK_SIZE, track), -1, EINVAL,
		 "an unknown slot flag: EINVAL");
	vcpu_destroy(v);
	vm_destroy(vm);
	munmap(track, TRACK_SIZE);
}

/* ---- logging switched on and off on a live slot ---------------------------- */

#define THP_ENABLED	"/sys/kernel/mm/transparent_hugepage/enabled"

/*
 * Linux turns transparent huge pages off on machines under 512 MiB, as
 * the test bed's PC is: "madvise" for the slot that may use them (root
 * only; otherwise the slot simply gets 4 KiB pages).  Returns the mode to
 * put back, or NULL.
 */
static const char *thp_madvise(void)
{
	static char was[32];
	char buf[128], *l, *r;
	FILE *f = fopen(THP_ENABLED, "r");

	if (!f)
		return NULL;
	l = fgets(buf, sizeof(buf), f) ? strchr(buf, '[') : NULL;
	fclose(f);
	r = l ? strchr(l, ']') : NULL;
	if (!r || r - l - 1 >= (long)sizeof(was))
		return NULL;
	memcpy(was, l + 1, r - l - 1);
	was[r - l - 1] = '\0';
	f = fopen(THP_ENABLED, "w");
	if (!f)
		return NULL;
	fputs("madvise", f);
	fclose(f);
	return was;
}

static void thp_restore(const char *was)
{
	FILE *f = was ? fopen(THP_ENABLED, "w") : NULL;

	if (f) {
		fputs(was, f);
		fclose(f);
	}
}

/*
 * vtx only: of [@gpa, @gpa + @size), the bytes EPT maps with 2 MiB pages
 * and the bytes it lets the guest write (VTX_GET_EPT_MAPPINGS); -1 if the
 * dump failed.
 */
static int vtx_ept_bytes(struct vm *vm, __u64 gpa, __u64 size, __u64 *big,
			 __u64 *writable)
{
	const __u32 max = 8192;
	struct vtx_ept_mappings *m;
	__u32 i;

	m = calloc(1, sizeof(*m) + max * sizeof(m->mappings[0]));
	if (!m)
		return -1;
	m->nr = max;
	if (ioctl(vm->fd, VTX_GET_EPT_MAPPINGS, m)) {
		diag("  VTX_GET_EPT_MAPPINGS: %s", errno_name(errno));
		free(m);
		return -1;
	}
	*big = *writable = 0;
	for (i = 0; i < m->nr; i++) {
		struct vtx_ept_mapping *e = &m->mappings[i];

		if (e->gpa < gpa || e->gpa + e->size > gpa + size)
			continue;
		if (e->page_size == 0x200000)
			*big += e->size;
		if (e->perms & VTX_EPT_PERM_WRITE)
			*writable += e->size;
	}
	free(m);
	return 0;
}

static void test_toggle(int kvm)
{
	__u64 want[WORDS(TRACK_PAGES)], got[WORDS(TRACK_PAGES)];
	struct vm *vm = vm_create(kvm);
	struct vcpu *v;
	struct kvm_regs r;
	__u8 *raw, *track;
	unsigned int i, n, bad;
	__u64 big = 0, w = 0;
	const char *thp_was;

	if (!vm)
		tap_bail("cannot create a VM");
	v = dirty_vcpu(vm);
	/* 2 MiB-aligned, so that transparent huge pages may back it. */
	raw = guest_alloc(TRACK_SIZE + 0x200000);
	if (!raw)
		tap_bail("mmap: %s", strerror(errno));
	track = (__u8 *)(((unsigned long)raw + 0x1fffff) & ~0x1fffffUL);
	thp_was = thp_madvise();
	madvise(track, TRACK_SIZE, MADV_HUGEPAGE);
	ok_ioctl(vm_set_region(vm->fd, TRACK_SLOT, 0, TRACK_GPA, TRACK_SIZE,
			       track), 0, 0, "a 4 MiB slot without logging");
	r = regs_of(0x33, TRACK_SIZE, 0, 0, TRACK_GPA);
	ok(guest_call(v, D_ADDR(g_d_stos), &r), "the guest writes all of it");
	thp_restore(thp_was);
	if (on_vtx && !vtx_ept_bytes(vm, TRACK_GPA, TRACK_SIZE, &big, &w))
		diag("  vtx, before logging: %llu KiB of 4096 in 2 MiB EPT pages",
		     (unsigned long long)big >> 10);
	ok_ioctl(get_log(vm, TRACK_SLOT, got), -1, ENOENT,
		 "KVM_GET_DIRTY_LOG of a slot that does not log: ENOENT");

	ok_ioctl(vm_set_region(vm->fd, TRACK_SLOT, KVM_MEM_LOG_DIRTY_PAGES,
			       TRACK_GPA, TRACK_SIZE, track), 0, 0,
		 "KVM_MEM_LOG_DIRTY_PAGES set on the live slot");
	memset(want, 0, sizeof(want));
	log_is(vm, TRACK_SLOT, TRACK_PAGES, want,
	       "logging from now on: an empty log");
	random_set(want, TRACK_PAGES, 200);
	ok(guest_write_pages(v, TRACK_GPA, want, TRACK_PAGES, 0x44444444),
	   "the guest stores to a random set of pages it had written");
	if (on_vtx) {
		int e;

		for (i = 0, n = 0; i < TRACK_PAGES; i++)
			n += !!(want[i / 64] & (1ULL << (i % 64)));
		e = vtx_ept_bytes(vm, TRACK_GPA, TRACK_SIZE, &big, &w);
		ok(!e && !big && w == n * 0x1000ULL,
		   "(vtx) EPT: 4 KiB pages only, writable just the %u written "
		   "since (%llu KiB in 2 MiB pages, %llu KiB writable)", n,
		   (unsigned long long)big >> 10, (unsigned long long)w >> 10);
	} else {
		skip("the EPT dump is vtx's", "(vtx) EPT: 4 KiB pages only");
	}
	log_is(vm, TRACK_SLOT, TRACK_PAGES, want, "exactly that set");

	ok_ioctl(vm_set_region(vm->fd, TRACK_SLOT, 0, TRACK_GPA, TRACK_SIZE,
			       track), 0, 0, "KVM_MEM_LOG_DIRTY_PAGES cleared");
	ok_ioctl(get_log(vm, TRACK_SLOT, got), -1, ENOENT,
		 "KVM_GET_DIRTY_LOG after logging stopped: ENOENT");
	r = regs_of(0x55, TRACK_SIZE, 0, 0, TRACK_GPA);
	ok(guest_call(v, D_ADDR(g_d_stos), &r),
	   "the guest writes all of it again, no log");
	for (i = 0, bad = 0; i < TRACK_SIZE; i++)
		bad += track[i] != 0x55;
	ok(!bad, "every byte written (%u bad)", bad);

	ok_ioctl(vm_set_region(vm->fd, TRACK_SLOT, KVM_MEM_LOG_DIRTY_PAGES,
			       TRACK_GPA, TRACK_SIZE, track), 0, 0,
		 "KVM_MEM_LOG_DIRTY_PAGES set again");
	random_set(want, TRACK_PAGES, 50);
	ok(guest_write_pages(v, TRACK_GPA, want, TRACK_PAGES, 0x66666666),
	   "the guest stores to another random set");
	log_is(vm, TRACK_SLOT, TRACK_PAGES, want,
	       "exactly that set, nothing from before");
	vcpu_destroy(v);
	vm_destroy(vm);
	munmap(raw, TRACK_SIZE + 0x200000);
}

/* ---- manual protection ----------------------------------------------------- */

static int enable_manual(struct vm *vm, __u32 flags, __u64 arg0)
{
	struct kvm_enable_cap cap = {
		.cap = KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2,
		.flags = flags,
		.args = { arg0 },
	};

	return ioctl(vm->fd, KVM_ENABLE_CAP, &cap);
}

static void test_manual(int kvm)
{
	__u64 want[WORDS(TRACK_PAGES)], mask[WORDS(TRACK_PAGES)];
	__u64 got[WORDS(TRACK_PAGES)];
	struct vm *vm = vm_create(kvm);
	struct vcpu *v;
	void *track, *tail;
	unsigned int i;

	if (!vm)
		tap_bail("cannot create a VM");
	v = dirty_vcpu(vm);
	ok_u64("KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2",
	       kvm_cap(kvm, KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2), 3,
	       "KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2: PROTECT_ENABLE | INITIALLY_SET");
	ok_ioctl(enable_manual(vm, 0, KVM_DIRTY_LOG_INITIALLY_SET), -1, EINVAL,
		 "KVM_ENABLE_CAP: INITIALLY_SET alone: EINVAL");
	ok_ioctl(enable_manual(vm, 0, 1ULL << 2 | 1), -1, EINVAL,
		 "KVM_ENABLE_CAP: an unknown flag: EINVAL");
	ok_ioctl(enable_manual(vm, 1, 1), -1, EINVAL,
		 "KVM_ENABLE_CAP with cap.flags set: EINVAL");
	ok_ioctl(enable_manual(vm, 0, KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE), 0, 0,
		 "KVM_ENABLE_CAP: manual protection on");
	track = vm_add_mem(vm, TRACK_SLOT, TRACK_GPA, TRACK_SIZE,
			   KVM_MEM_LOG_DIRTY_PAGES);
	tail = vm_add_mem(vm, TAIL_SLOT, TAIL_GPA, TAIL_PAGES * 0x1000,
			  KVM_MEM_LOG_DIRTY_PAGES);
	if (!track || !tail)
		tap_bail("cannot add the logging slots");

	random_set(want, TRACK_PAGES, 200);
	ok(guest_write_pages(v, TRACK_GPA, want, TRACK_PAGES, 1),
	   "the guest stores to a random set of pages");
	log_is(vm, TRACK_SLOT, TRACK_PAGES, want, "the log holds that set");
	log_is(vm, TRACK_SLOT, TRACK_PAGES, want,
	       "and still holds it when read again (manual protection)");

	/* Clear the first half of the pages asked for (pages 0 to 511). */
	memset(mask, 0, sizeof(mask));
	set_range(mask, 0, 512);
	ok_ioctl(clear_log(vm, TRACK_SLOT, 0, 512, mask), 0, 0,
		 "KVM_CLEAR_DIRTY_LOG of pages 0 to 511");
	for (i = 0; i < WORDS(TRACK_PAGES) / 2; i++)
		want[i] = 0;
	log_is(vm, TRACK_SLOT, TRACK_PAGES, want,
	       "only pages 512 and up are left");
	/* Write pages 3 and 600: 3 was cleared (protected again), 600 not. */
	memset(mask, 0, sizeof(mask));
	set_range(mask, 3, 1);
	set_range(mask, 600, 1);
	ok(guest_write_pages(v, TRACK_GPA, mask, TRACK_PAGES, 2),
	   "the guest stores to pages 3 and 600");
	set_range(want, 3, 1);
	set_range(want, 600, 1);
	log_is(vm, TRACK_SLOT, TRACK_PAGES, want,
	       "page 3 is logged again after its clear");
	/* A mask that names clean pages and only some dirty ones. */
	memset(mask, 0, sizeof(mask));
	mask[9] = ~0ULL;		/* pages 576 to 639 */
	ok_ioctl(clear_log(vm, TRACK_SLOT, 512, 512, mask + 8), 0, 0,
		 "KVM_CLEAR_DIRTY_LOG of pages 576 to 639 (from first_page 512)");
	want[9] = 0;
	log_is(vm, TRACK_SLOT, TRACK_PAGES, want, "exactly those are gone");
	memset(mask, 0xff, sizeof(mask));
	ok_ioctl(clear_log(vm, TRACK_SLOT, 0, TRACK_PAGES, mask), 0, 0,
		 "KVM_CLEAR_DIRTY_LOG of the whole slot");
	memset(want, 0, sizeof(want));
	log_is(vm, TRACK_SLOT, TRACK_PAGES, want, "an empty log");
	random_set(want, TRACK_PAGES, 100);
	ok(guest_write_pages(v, TRACK_GPA, want, TRACK_PAGES, 3),
	   "the guest stores to a new random set");
	log_is(vm, TRACK_SLOT, TRACK_PAGES, want, "exactly that set");

	/* The rules of CLEAR_DIRTY_LOG's range. */
	ok_ioctl(clear_log(vm, TRACK_SLOT, 1, 64, mask), -1, EINVAL,
		 "KVM_CLEAR_DIRTY_LOG: first_page 1: EINVAL");
	ok_ioctl(clear_log(vm, TRACK_SLOT, 0, 65, mask), -1, EINVAL,
		 "KVM_CLEAR_DIRTY_LOG: 65 pages, not to the end: EINVAL");
	ok_ioctl(clear_log(vm, TRACK_SLOT, 960, 128, mask), -1, EINVAL,
		 "KVM_CLEAR_DIRTY_LOG: past the slot's end: EINVAL");
	ok_ioctl(clear_log(vm, TRACK_SLOT, TRACK_PAGES + 64, 0, mask), -1, EINVAL,
		 "KVM_CLEAR_DIRTY_LOG: first_page past the slot: EINVAL");
	ok_ioctl(clear_log(vm, TRACK_SLOT, TRACK_PAGES, 0, mask), 0, 0,
		 "KVM_CLEAR_DIRTY_LOG: nothing, at the slot's end: 0");
	ok_ioctl(clear_log(vm, 0, 0, 64, mask), -1, ENOENT,
		 "KVM_CLEAR_DIRTY_LOG of a slot that does not log: ENOENT");
	ok_ioctl(clear_log(vm, 0, 1, 64, mask), -1, EINVAL,
		 "KVM_CLEAR_DIRTY_LOG: first_page 1 before the slot: EINVAL");
	ok_ioctl(clear_log(vm, 32764, 0, 64, mask), -1, EINVAL,
		 "KVM_CLEAR_DIRTY_LOG slot 32764: EINVAL");
	ok_ioctl(clear_log(vm, TRACK_SLOT, 0, 64, (__u64 *)8), -1, EFAULT,
		 "KVM_CLEAR_DIRTY_LOG from a bad address: EFAULT");

	/* The slot of 100 pages: its last, partial word. */
	memset(want, 0, sizeof(want));
	set_range(want, 64, 36);
	ok(guest_write_pages(v, TAIL_GPA, want, TAIL_PAGES, 4),
	   "the guest stores to pages 64 to 99 of a 100-page slot");
	log_is(vm, TAIL_SLOT, TAIL_PAGES, want, "the log holds them");
	ok_ioctl(clear_log(vm, TAIL_SLOT, 64, 37, mask), -1, EINVAL,
		 "KVM_CLEAR_DIRTY_LOG: 37 pages from 64 of 100: EINVAL");
	ok_ioctl(clear_log(vm, TAIL_SLOT, 64, 36, mask), 0, 0,
		 "KVM_CLEAR_DIRTY_LOG: pages 64 to 99, to the end unaligned: 0");
	memset(want, 0, sizeof(want));
	log_is(vm, TAIL_SLOT, TAIL_PAGES, want, "the log is empty");

	/* Manual protection off again: GET_DIRTY_LOG clears. */
	memset(mask, 0xff, sizeof(mask));
	ok_ioctl(clear_log(vm, TRACK_SLOT, 0, TRACK_PAGES, mask), 0, 0,
		 "KVM_CLEAR_DIRTY_LOG of the whole slot");
	ok_ioctl(enable_manual(vm, 0, 0), 0, 0,
		 "KVM_ENABLE_CAP: manual protection off");
	random_set(want, TRACK_PAGES, 30);
	guest_write_pages(v, TRACK_GPA, want, TRACK_PAGES, 5);
	log_is(vm, TRACK_SLOT, TRACK_PAGES, want, "the set written");
	memset(want, 0, sizeof(want));
	log_is(vm, TRACK_SLOT, TRACK_PAGES, want, "then cleared by reading");
	(void)got;
	vcpu_destroy(v);
	vm_destroy(vm);
	munmap(track, TRACK_SIZE);
	munmap(tail, TAIL_PAGES * 0x1000);
}

static void test_initially_set(int kvm)
{
	__u64 want[WORDS(TRACK_PAGES)], mask[WORDS(TRACK_PAGES)];
	struct vm *vm = vm_create(kvm);
	struct vcpu *v;
	void *tail;

	if (!vm)
		tap_bail("cannot create a VM");
	v = dirty_vcpu(vm);
	ok_ioctl(enable_manual(vm, 0, KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE |
			       KVM_DIRTY_LOG_INITIALLY_SET), 0, 0,
		 "KVM_ENABLE_CAP: manual protection, initially set");
	tail = vm_add_mem(vm, TAIL_SLOT, TAIL_GPA, TAIL_PAGES * 0x1000,
			  KVM_MEM_LOG_DIRTY_PAGES);
	if (!tail)
		tap_bail("cannot add the logging slot");
	memset(want, 0, sizeof(want));
	set_range(want, 0, TAIL_PAGES);
	log_is(vm, TAIL_SLOT, TAIL_PAGES, want,
	       "a new logging slot: every page dirty, none past its end");
	set_range(want, 0, 20);
	ok(guest_write_pages(v, TAIL_GPA, want, 20, 6),
	   "the guest stores to pages 0 to 19 (not protected yet)");
	memset(mask, 0xff, sizeof(mask));
	ok_ioctl(clear_log(vm, TAIL_SLOT, 0, TAIL_PAGES, mask), 0, 0,
		 "KVM_CLEAR_DIRTY_LOG of the whole slot");
	random_set(want, TAIL_PAGES, 10);
	ok(guest_write_pages(v, TAIL_GPA, want, TAIL_PAGES, 7),
	   "the guest stores to a random set");
	log_is(vm, TAIL_SLOT, TAIL_PAGES, want, "exactly that set");
	vcpu_destroy(v);
	vm_destroy(vm);
	munmap(tail, TAIL_PAGES * 0x1000);
}

/* ---- a racing writer -------------------------------------------------------- */

#define RACE_ROUNDS	200

struct race {
	struct vcpu *v;
	int done;		/* the guest reached its OUT */
};

static void *race_vcpu(void *arg)
{
	struct race *rc = arg;
	struct kvm_regs r = regs_of(12345, 0, 0, 0, TRACK_GPA);

	r.rbx = TRACK_PAGES - 1;
	rc->done = guest_call(rc->v, D_ADDR(g_d_race), &r);
	return NULL;
}

static void counters(const __u8 *track, __u32 *c)
{
	unsigned int i;

	for (i = 0; i < TRACK_PAGES; i++)
		c[i] = __atomic_load_n((const __u32 *)(track + i * 0x1000ULL),
				       __ATOMIC_SEQ_CST);
}

/*
 * The pages whose counters moved from @before to @after, and are in
 * neither @l1 nor @l2: written, never logged.
 */
static unsigned int missed(const __u32 *before, const __u32 *after,
			   const __u64 *l1, const __u64 *l2, unsigned int round)
{
	unsigned int i, n = 0;

	for (i = 0; i < TRACK_PAGES; i++) {
		__u64 bit = 1ULL << (i % 64);

		if (before[i] == after[i] || (l1[i / 64] & bit) ||
		    (l2[i / 64] & bit))
			continue;
		if (n++ < 8)
			diag("  round %u: page %u went from %u to %u unlogged",
			     round, i, before[i], after[i]);
	}
	return n;
}

static void test_race(int kvm)
{
	static __u32 c[3][TRACK_PAGES];
	__u64 l[3][WORDS(TRACK_PAGES)];
	struct vm *vm = vm_create(kvm);
	struct race rc = { 0 };
	unsigned int k, lost = 0, moved = 0, i, busy = 0;
	pthread_t t;
	__u8 *track;
	int err = 0;

	if (!vm)
		tap_bail("cannot create a VM");
	rc.v = dirty_vcpu(vm);
	track = vm_add_mem(vm, TRACK_SLOT, TRACK_GPA, TRACK_SIZE,
			   KVM_MEM_LOG_DIRTY_PAGES);
	if (!track)
		tap_bail("cannot add the logging slot");
	guest_write32(vm, STOP_GPA, 0);
	if (pthread_create(&t, NULL, race_vcpu, &rc))
		tap_bail("pthread_create failed");

	/*
	 * Round k: read the log L(k), then the counters C(k).  A write that
	 * moved a counter between C(k-1) and C(k) happened after L(k-1)
	 * returned, so it was logged before it landed: in L(k), or in
	 * L(k+1) if it came while or after L(k) was read.
	 */
	/* The writer at work first. */
	for (i = 0; i < 5000; i++) {
		counters(track, c[0]);
		for (k = 0; k < TRACK_PAGES && !c[0][k]; k++)
			;
		if (k < TRACK_PAGES)
			break;
		usleep(1000);
	}
	get_log(vm, TRACK_SLOT, l[0]);
	counters(track, c[0]);
	for (k = 1; k <= RACE_ROUNDS + 2; k++) {
		/* Let the writer run between rounds, on one CPU too. */
		usleep(1000);
		if (k == RACE_ROUNDS + 1) {
			/* Two last rounds with the writer stopped. */
			__atomic_store_n((__u32 *)gpa_ptr(vm, STOP_GPA), 1,
					 __ATOMIC_SEQ_CST);
			pthread_join(t, NULL);
		}
		if (get_log(vm, TRACK_SLOT, l[k % 3]))
			err = errno;
		counters(track, c[k % 3]);
		if (k >= 2)
			lost += missed(c[(k - 2) % 3], c[(k - 1) % 3],
				       l[(k - 1) % 3], l[k % 3], k - 1);
		for (i = 0; i < TRACK_PAGES; i++)
			moved += c[k % 3][i] != c[(k - 1) % 3][i];
		for (i = 0; i < WORDS(TRACK_PAGES); i++)
			if (l[k % 3][i]) {
				busy++;
				break;
			}
	}
	ok(rc.done, "the racing writer ran until told to stop");
	ok(!err, "%u rounds of KVM_GET_DIRTY_LOG (%s)", RACE_ROUNDS + 2,
	   err ? errno_name(err) : "no error");
	ok(!lost && busy >= 10,
	   "racing writer: no page written without being logged "
	   "(%u counter moves, %u rounds with a non-empty log, %u missed)",
	   moved, busy, lost);
	/* Stopped: the counters stay, and the last log was empty. */
	for (i = 0, k = 0; i < TRACK_PAGES; i++)
		k += c[(RACE_ROUNDS + 2) % 3][i] != c[(RACE_ROUNDS + 1) % 3][i];
	memset(l[0], 0, sizeof(l[0]));
	ok(!k && same_pages(l[(RACE_ROUNDS + 2) % 3], l[0], TRACK_PAGES),
	   "the writer stopped: no counter moved and nothing was logged");
	vcpu_destroy(rc.v);
	vm_destroy(vm);
	munmap(track, TRACK_SIZE);
}

int main(int argc, char **argv)
{
	const char *path = kvm_device_path(argc, argv);
	int kvm = kvm_open_dev(path);

	kvm_require_cap(kvm, KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2);
	on_vtx = kvm_path_is_vtx(path);
	kvm_watchdog(300);
	srandom(20261130);
	tap_plan(84);
	test_exact(kvm);
	test_toggle(kvm);
	test_manual(kvm);
	test_initially_set(kvm);
	test_race(kvm);
	return tap_exit();
}
