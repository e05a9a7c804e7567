/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvm_util.h - a tiny header-only KVM client for the KVM-API selftests.
 *
 * The same binaries judge /dev/kvm (kvm-intel, the reference) and /dev/vtx:
 * everything here goes through the ioctls and structs of <linux/kvm.h>
 * only, and nothing uses an in-kernel irqchip, PIT or any other device
 * model (vtx has none).  Include after tap.h.
 *
 * The guest's physical memory, slot 0 at GPA 0 (GUEST_MEM_SIZE):
 *
 *   0x1000 GDT     see the GDT_* selectors below
 *   0x2000 IDT     256 gates, filled by tests that take exceptions
 *   0x3000 TSS     what TR points at in every mode
 *   0x4000 stack   grows down from STACK_TOP (0x6000)
 *   0x7000 DATA    where guests write their results
 *   0x8000 CODE    the guest, copied from its blob (at most 32 KiB)
 *   0x10000        page tables (the paging modes)
 *
 * The constants carry no C suffix so that guest assembly can use them
 * through XSTR().
 *
 * The paging modes identity-map the low memory and, in the 64-bit and PAE
 * modes, the first 4 GiB (so that a guest reaches MMIO and extra slots at
 * their physical addresses).  One page more is mapped elsewhere: the
 * virtual page ALIAS_VA shows the physical page DATA_GPA, so that a guest
 * writing through ALIAS_VA proves that its page tables are in use.
 */
#ifndef _VTX_SELFTEST_KVM_UTIL_H
#define _VTX_SELFTEST_KVM_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/kvm.h>

#include "tap.h"

#define PAGE_SIZE_4K		0x1000
#define GUEST_MEM_SIZE		0x200000	/* slot 0: 2 MiB at GPA 0 */
#define GDT_GPA			0x1000
#define IDT_GPA			0x2000
#define TSS_GPA			0x3000
#define STACK_TOP		0x6000
#define DATA_GPA		0x7000
#define CODE_GPA		0x8000
#define CODE_MAX		0x8000
#define PT_GPA			0x10000
#define ALIAS_VA		0xc0000000	/* -> DATA_GPA when paging */

/* Page-table pages, in PT_GPA. */
#define PML4_GPA		(PT_GPA + 0x0000)
#define PDPT_GPA		(PT_GPA + 0x1000)
#define PD_GPA(i)		(PT_GPA + 0x2000 + (i) * 0x1000) /* 0..3 */
#define PT0_GPA			(PT_GPA + 0x6000) /* identity, low memory */
#define PTA_GPA			(PT_GPA + 0x7000) /* ALIAS_VA */
#define PD32_GPA		(PT_GPA + 0x8000) /* 32-bit paging */

/* The selectors of the GDT that every VM gets. */
#define GDT_CODE16		0x08
#define GDT_DATA16		0x10
#define GDT_CODE32		0x18
#define GDT_DATA32		0x20
#define GDT_CODE64		0x28
#define GDT_DATA16_AT_DATA	0x30	/* 16-bit data, base DATA_GPA */
#define GDT_TSS			0x38	/* 16 bytes: 0x38 and 0x40 */
#define GDT_LIMIT		0x47

/* What QEMU gives KVM_SET_TSS_ADDR: three pages below its BIOS at 4G - 256K. */
#define QEMU_TSS_ADDR		0xfffbd000

#define X86_CR0_PE		(1UL << 0)
#define X86_CR0_ET		(1UL << 4)
#define X86_CR0_NE		(1UL << 5)
#define X86_CR0_WP		(1UL << 16)
#define X86_CR0_PG		(1UL << 31)
#define X86_CR4_PAE		(1UL << 5)
#define X86_CR4_OSXSAVE		(1UL << 18)
#define X86_RFLAGS_FIXED	(1UL << 1)
#define X86_RFLAGS_IF		(1UL << 9)
#define EFER_LME		(1UL << 8)
#define EFER_LMA		(1UL << 10)

#define PTE_P			(1ULL << 0)
#define PTE_RW			(1ULL << 1)
#define PTE_PS			(1ULL << 7)

/* -KVM_ENOSYS, what KVM's hypercall handler returns for an unknown call. */
#define KVM_ENOSYS_RET		(-1000LL)

/* Layout constants in guest assembly: "mov $" XSTR(DATA_GPA) ", %eax". */
#define STR(x)			#x
#define XSTR(x)			STR(x)

#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))

enum guest_mode {
	MODE_REAL,	/* real mode, CS = 0 */
	MODE_PROT16,	/* protected, 16-bit segments */
	MODE_PROT32,	/* protected, 32-bit flat segments, no paging */
	MODE_PAGING32,	/* + CR0.PG, 2-level 32-bit paging */
	MODE_PAE,	/* + CR4.PAE, 3-level PAE paging */
	MODE_LONG64,	/* IA-32e, 64-bit code segment, 4-level paging */
	NR_MODES
};

static const char *const mode_names[NR_MODES] = {
	"real mode", "16-bit protected mode", "32-bit protected flat",
	"32-bit paging", "PAE paging", "64-bit long mode",
};

struct vm {
	int fd;
	int kvm_fd;		/* the device fd it came from */
	unsigned char *mem;	/* slot 0, GUEST_MEM_SIZE at GPA 0 */
};

struct vcpu {
	int fd;
	int id;
	struct vm *vm;
	struct kvm_run *run;
	size_t run_size;
};

/* ---- the device ---------------------------------------------------------- */

/* argv[1], else $VTX_DEVICE, else /dev/vtx. */
static inline const char *kvm_device_path(int argc, char **argv)
{
	const char *env = getenv("VTX_DEVICE");

	if (argc > 1 && argv[1][0])
		return argv[1];
	if (env && env[0])
		return env;
	return "/dev/vtx";
}

static inline int kvm_path_is_vtx(const char *path)
{
	return strstr(path, "vtx") != NULL;
}

/* KVM_CHECK_EXTENSION on @fd; an error counts as "absent". */
static inline long kvm_cap(int fd, long cap)
{
	long r = ioctl(fd, KVM_CHECK_EXTENSION, cap);

	return r < 0 ? 0 : r;
}

/*
 * Open the device for a whole program: absent device, wrong API version
 * or no KVM_CAP_USER_MEMORY (nothing here can work without it) skip the
 * program with exit 4.  Call before tap_plan().
 */
static inline int kvm_open_dev(const char *path)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);
	long v;

	if (fd < 0)
		tap_skip_all("cannot open %s: %s", path, strerror(errno));
	v = ioctl(fd, KVM_GET_API_VERSION, 0);
	if (v != KVM_API_VERSION)
		tap_skip_all("%s: KVM_GET_API_VERSION is %ld, not %d", path, v,
			     KVM_API_VERSION);
	if (!kvm_cap(fd, KVM_CAP_USER_MEMORY))
		tap_skip_all("device lacks KVM_CAP_USER_MEMORY");
	return fd;
}

/* Skip the whole program when a capability is missing. */
#define kvm_require_cap(fd, cap)					\
	do {								\
		if (!kvm_cap((fd), cap))				\
			tap_skip_all("device lacks " #cap);		\
	} while (0)

/* ---- names for diagnostics ----------------------------------------------- */

static inline const char *exit_name(__u32 reason)
{
	static const char *const names[] = {
#define X_(x) [x] = #x
		X_(KVM_EXIT_UNKNOWN), X_(KVM_EXIT_EXCEPTION), X_(KVM_EXIT_IO),
		X_(KVM_EXIT_HYPERCALL), X_(KVM_EXIT_DEBUG), X_(KVM_EXIT_HLT),
		X_(KVM_EXIT_MMIO), X_(KVM_EXIT_IRQ_WINDOW_OPEN),
		X_(KVM_EXIT_SHUTDOWN), X_(KVM_EXIT_FAIL_ENTRY),
		X_(KVM_EXIT_INTR), X_(KVM_EXIT_SET_TPR),
		X_(KVM_EXIT_TPR_ACCESS), X_(KVM_EXIT_NMI),
		X_(KVM_EXIT_INTERNAL_ERROR), X_(KVM_EXIT_SYSTEM_EVENT),
		X_(KVM_EXIT_X86_RDMSR), X_(KVM_EXIT_X86_WRMSR),
#undef X_
	};
	static __thread char buf[32];

	if (reason < ARRAY_SIZE(names) && names[reason])
		return names[reason];
	snprintf(buf, sizeof(buf), "KVM_EXIT_%u(unnamed)", reason);
	return buf;
}

/* Everything kvm_run says about the exit it describes, as diagnostics. */
static inline void diag_exit(const struct kvm_run *run)
{
	unsigned int i;

	diag("  exit_reason %s (%u)", exit_name(run->exit_reason),
	     run->exit_reason);
	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		diag("  io: %s port %#x size %u count %u data_offset %#llx",
		     run->io.direction == KVM_EXIT_IO_OUT ? "out" : "in",
		     run->io.port, run->io.size, run->io.count,
		     (unsigned long long)run->io.data_offset);
		break;
	case KVM_EXIT_MMIO:
		diag("  mmio: %s phys_addr %#llx len %u data %#llx",
		     run->mmio.is_write ? "write" : "read",
		     (unsigned long long)run->mmio.phys_addr, run->mmio.len,
		     (unsigned long long)*(const __u64 *)run->mmio.data);
		break;
	case KVM_EXIT_FAIL_ENTRY:
		diag("  hardware_entry_failure_reason %#llx",
		     (unsigned long long)
		     run->fail_entry.hardware_entry_failure_reason);
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		diag("  internal error suberror %u, %u data words",
		     run->internal.suberror, run->internal.ndata);
		for (i = 0; i < run->internal.ndata && i < 16; i++)
			diag("    data[%u] = %#llx", i,
			     (unsigned long long)run->internal.data[i]);
		break;
	case KVM_EXIT_SYSTEM_EVENT:
		diag("  system event type %u", run->system_event.type);
		break;
	}
}

/* ---- VMs, memory, vCPUs -------------------------------------------------- */

/* Anonymous private memory, the kind every KVM VMM gives its guests. */
static inline void *guest_alloc(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static inline int vm_set_region(int vm_fd, __u32 slot, __u32 flags,
				__u64 gpa, __u64 size, void *hva)
{
	struct kvm_userspace_memory_region r = {
		.slot = slot,
		.flags = flags,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (unsigned long)hva,
	};

	return ioctl(vm_fd, KVM_SET_USER_MEMORY_REGION, &r);
}

/* Allocate @size bytes and make them slot @slot at @gpa; NULL on error. */
static inline void *vm_add_mem(struct vm *vm, __u32 slot, __u64 gpa,
			       size_t size, __u32 flags)
{
	void *p = guest_alloc(size);

	if (!p) {
		diag("  mmap %zu bytes: %s", size, strerror(errno));
		return NULL;
	}
	if (vm_set_region(vm->fd, slot, flags, gpa, size, p)) {
		diag("  KVM_SET_USER_MEMORY_REGION slot %u gpa %#llx size %#zx: %s",
		     slot, (unsigned long long)gpa, size, errno_name(errno));
		munmap(p, size);
		return NULL;
	}
	return p;
}

/*
 * A VM with no memory yet.  KVM_SET_TSS_ADDR is called as QEMU calls it,
 * where the device has it; nothing here needs the TSS it describes (that
 * is for real mode without unrestricted guest).
 */
static inline struct vm *vm_create_bare(int kvm_fd)
{
	struct vm *vm = calloc(1, sizeof(*vm));

	if (!vm)
		return NULL;
	vm->kvm_fd = kvm_fd;
	vm->fd = ioctl(kvm_fd, KVM_CREATE_VM, 0UL);
	if (vm->fd < 0) {
		diag("  KVM_CREATE_VM: %s", errno_name(errno));
		free(vm);
		return NULL;
	}
	if (kvm_cap(kvm_fd, KVM_CAP_SET_TSS_ADDR) &&
	    ioctl(vm->fd, KVM_SET_TSS_ADDR, (unsigned long)QEMU_TSS_ADDR)) {
		diag("  KVM_SET_TSS_ADDR(%#x): %s", QEMU_TSS_ADDR,
		     errno_name(errno));
		close(vm->fd);
		free(vm);
		return NULL;
	}
	return vm;
}

/* A VM with slot 0: GUEST_MEM_SIZE bytes at GPA 0, zeroed. */
static inline struct vm *vm_create(int kvm_fd)
{
	struct vm *vm = vm_create_bare(kvm_fd);

	if (!vm)
		return NULL;
	vm->mem = vm_add_mem(vm, 0, 0, GUEST_MEM_SIZE, 0);
	if (!vm->mem) {
		close(vm->fd);
		free(vm);
		return NULL;
	}
	return vm;
}

static inline void vm_destroy(struct vm *vm)
{
	if (!vm)
		return;
	close(vm->fd);
	if (vm->mem)
		munmap(vm->mem, GUEST_MEM_SIZE);
	free(vm);
}

/* Host pointers into slot 0. */
static inline void *gpa_ptr(struct vm *vm, __u64 gpa)
{
	return vm->mem + gpa;
}

static inline __u32 guest_read32(struct vm *vm, __u64 gpa)
{
	__u32 v;

	memcpy(&v, vm->mem + gpa, sizeof(v));
	return v;
}

static inline __u64 guest_read64(struct vm *vm, __u64 gpa)
{
	__u64 v;

	memcpy(&v, vm->mem + gpa, sizeof(v));
	return v;
}

static inline void guest_write32(struct vm *vm, __u64 gpa, __u32 v)
{
	memcpy(vm->mem + gpa, &v, sizeof(v));
}

static inline void guest_write64(struct vm *vm, __u64 gpa, __u64 v)
{
	memcpy(vm->mem + gpa, &v, sizeof(v));
}

/* Copy a guest blob (its start and end symbols) to CODE_GPA. */
static inline void vm_load_code(struct vm *vm, const unsigned char *start,
				const unsigned char *end)
{
	size_t len = end - start;

	if (len > CODE_MAX)
		tap_bail("guest blob of %zu bytes is over %u", len, CODE_MAX);
	memcpy(vm->mem + CODE_GPA, start, len);
}

/* The guest address of a label inside a blob loaded at CODE_GPA. */
#define GUEST_ADDR(start, label)					\
	(CODE_GPA + (__u64)((const unsigned char *)(label) -		\
			    (const unsigned char *)(start)))

/* ---- CPUID ----------------------------------------------------------------- */

/* KVM_GET_SUPPORTED_CPUID into a malloc()ed table; NULL on error. */
static inline struct kvm_cpuid2 *kvm_supported_cpuid(int kvm_fd)
{
	struct kvm_cpuid2 *c;
	unsigned int n;

	for (n = 64; n <= 4096; n *= 2) {
		c = calloc(1, sizeof(*c) + n * sizeof(c->entries[0]));
		if (!c)
			return NULL;
		c->nent = n;
		if (!ioctl(kvm_fd, KVM_GET_SUPPORTED_CPUID, c))
			return c;
		free(c);
		if (errno != E2BIG) {
			diag("  KVM_GET_SUPPORTED_CPUID: %s", errno_name(errno));
			return NULL;
		}
	}
	return NULL;
}

static inline struct kvm_cpuid_entry2 *cpuid_find(struct kvm_cpuid2 *c,
						  __u32 function, __u32 index)
{
	__u32 i;

	for (i = 0; i < c->nent; i++)
		if (c->entries[i].function == function &&
		    (!(c->entries[i].flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) ||
		     c->entries[i].index == index))
			return &c->entries[i];
	return NULL;
}

static inline int vcpu_fd_set_cpuid(int vcpu_fd, struct kvm_cpuid2 *c)
{
	if (ioctl(vcpu_fd, KVM_SET_CPUID2, c)) {
		diag("  KVM_SET_CPUID2 (%u entries): %s", c->nent,
		     errno_name(errno));
		return -1;
	}
	return 0;
}

/* KVM_GET_SUPPORTED_CPUID, asked once per process; NULL if unavailable. */
static inline struct kvm_cpuid2 *kvm_cached_cpuid(int kvm_fd)
{
	static struct kvm_cpuid2 *table;
	static int asked;

	if (!asked) {
		asked = 1;
		if (kvm_cap(kvm_fd, KVM_CAP_EXT_CPUID))
			table = kvm_supported_cpuid(kvm_fd);
	}
	return table;
}

/*
 * vCPU @id with its kvm_run mapped.  Like every VMM, it gives the vCPU the
 * device's KVM_GET_SUPPORTED_CPUID table where KVM_CAP_EXT_CPUID says
 * there is one (kvm-intel wants CPUID.80000001H:EDX.LM for long mode in
 * some versions); a test may set its own table afterwards.
 */
static inline struct vcpu *vcpu_create(struct vm *vm, int id)
{
	struct vcpu *v = calloc(1, sizeof(*v));
	struct kvm_cpuid2 *cpuid;
	int kvm_fd = vm->kvm_fd;
	long size;

	if (!v)
		return NULL;
	v->vm = vm;
	v->id = id;
	v->fd = ioctl(vm->fd, KVM_CREATE_VCPU, (unsigned long)id);
	if (v->fd < 0) {
		diag("  KVM_CREATE_VCPU(%d): %s", id, errno_name(errno));
		free(v);
		return NULL;
	}
	cpuid = kvm_cached_cpuid(kvm_fd);
	if (cpuid && vcpu_fd_set_cpuid(v->fd, cpuid)) {
		close(v->fd);
		free(v);
		return NULL;
	}
	size = ioctl(kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (size < (long)sizeof(struct kvm_run)) {
		diag("  KVM_GET_VCPU_MMAP_SIZE: %ld (%s)", size,
		     errno_name(errno));
		close(v->fd);
		free(v);
		return NULL;
	}
	v->run_size = size;
	v->run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
	if (v->run == MAP_FAILED) {
		diag("  mmap of the vCPU fd (%ld bytes): %s", size,
		     strerror(errno));
		close(v->fd);
		free(v);
		return NULL;
	}
	return v;
}

static inline void vcpu_destroy(struct vcpu *v)
{
	if (!v)
		return;
	munmap(v->run, v->run_size);
	close(v->fd);
	free(v);
}

/* ---- registers ----------------------------------------------------------- */

static inline int vcpu_get_regs(struct vcpu *v, struct kvm_regs *r)
{
	if (ioctl(v->fd, KVM_GET_REGS, r)) {
		diag("  KVM_GET_REGS: %s", errno_name(errno));
		memset(r, 0, sizeof(*r));
		return -1;
	}
	return 0;
}

static inline int vcpu_set_regs(struct vcpu *v, const struct kvm_regs *r)
{
	if (ioctl(v->fd, KVM_SET_REGS, r)) {
		diag("  KVM_SET_REGS: %s", errno_name(errno));
		return -1;
	}
	return 0;
}

static inline int vcpu_get_sregs(struct vcpu *v, struct kvm_sregs *s)
{
	if (ioctl(v->fd, KVM_GET_SREGS, s)) {
		diag("  KVM_GET_SREGS: %s", errno_name(errno));
		memset(s, 0, sizeof(*s));
		return -1;
	}
	return 0;
}

static inline int vcpu_set_sregs(struct vcpu *v, const struct kvm_sregs *s)
{
	if (ioctl(v->fd, KVM_SET_SREGS, s)) {
		diag("  KVM_SET_SREGS: %s", errno_name(errno));
		return -1;
	}
	return 0;
}

static inline __u64 vcpu_rip(struct vcpu *v)
{
	struct kvm_regs r;

	vcpu_get_regs(v, &r);
	return r.rip;
}

static inline int vcpu_set_rip(struct vcpu *v, __u64 rip)
{
	struct kvm_regs r;

	if (vcpu_get_regs(v, &r))
		return -1;
	r.rip = rip;
	return vcpu_set_regs(v, &r);
}

/* A code or data segment (s = 1) or a system one (s = 0), present, DPL 0. */
static inline struct kvm_segment seg_make(__u16 sel, __u64 base, __u32 limit,
					  __u8 type, __u8 s, __u8 db, __u8 l,
					  __u8 g)
{
	struct kvm_segment seg = {
		.base = base, .limit = limit, .selector = sel, .type = type,
		.present = 1, .dpl = 0, .db = db, .s = s, .l = l, .g = g,
	};

	return seg;
}

/* The GDT every VM gets, one kvm_segment per selector. */
static inline struct kvm_segment gdt_seg(__u16 sel)
{
	switch (sel) {
	case GDT_CODE16:  return seg_make(sel, 0, 0xffff, 0xb, 1, 0, 0, 0);
	case GDT_DATA16:  return seg_make(sel, 0, 0xffff, 0x3, 1, 0, 0, 0);
	case GDT_CODE32:  return seg_make(sel, 0, 0xffffffff, 0xb, 1, 1, 0, 1);
	case GDT_DATA32:  return seg_make(sel, 0, 0xffffffff, 0x3, 1, 1, 0, 1);
	case GDT_CODE64:  return seg_make(sel, 0, 0xffffffff, 0xb, 1, 0, 1, 1);
	case GDT_DATA16_AT_DATA:
		return seg_make(sel, DATA_GPA, 0xffff, 0x3, 1, 0, 0, 0);
	/* A busy TSS: type 11 serves 32-bit and 64-bit modes alike. */
	case GDT_TSS:     return seg_make(sel, TSS_GPA, 0x67, 0xb, 0, 0, 0, 0);
	}
	tap_bail("no GDT entry %#x", sel);
}

/* SDM 3.4.5: the descriptor's 8 bytes from its cached form. */
static inline __u64 seg_descriptor(const struct kvm_segment *s)
{
	__u32 limit = s->g ? s->limit >> 12 : s->limit;

	return (limit & 0xffffULL) | ((s->base & 0xffffffULL) << 16) |
	       ((__u64)(s->type & 0xf) << 40) | ((__u64)s->s << 44) |
	       ((__u64)(s->dpl & 3) << 45) | ((__u64)s->present << 47) |
	       ((__u64)((limit >> 16) & 0xf) << 48) | ((__u64)s->avl << 52) |
	       ((__u64)s->l << 53) | ((__u64)s->db << 54) |
	       ((__u64)s->g << 55) | (((s->base >> 24) & 0xffULL) << 56);
}

static inline void vm_write_gdt(struct vm *vm)
{
	static const __u16 sels[] = {
		GDT_CODE16, GDT_DATA16, GDT_CODE32, GDT_DATA32, GDT_CODE64,
		GDT_DATA16_AT_DATA, GDT_TSS,
	};
	struct kvm_segment s;
	size_t i;

	memset(vm->mem + GDT_GPA, 0, GDT_LIMIT + 1);
	for (i = 0; i < ARRAY_SIZE(sels); i++) {
		s = gdt_seg(sels[i]);
		guest_write64(vm, GDT_GPA + sels[i], seg_descriptor(&s));
	}
	/* The 64-bit TSS descriptor's upper half (base[63:32]) stays 0. */
}

/*
 * The identity map of the paging modes, plus ALIAS_VA -> DATA_GPA.
 * 32-bit paging: 4 KiB pages for the low 4 MiB (nothing else needed).
 * PAE and long mode: 4 KiB pages for the low 2 MiB, 2 MiB pages for the
 * rest of the first 4 GiB, except the 2 MiB at ALIAS_VA.
 */
static inline void vm_write_page_tables(struct vm *vm, enum guest_mode mode)
{
	__u64 rw = PTE_P | PTE_RW;
	unsigned int i, j;

	memset(vm->mem + PT_GPA, 0, 0x9000);
	if (mode == MODE_PAGING32) {
		for (i = 0; i < 1024; i++)
			guest_write32(vm, PT0_GPA + i * 4, i * 0x1000 | rw);
		guest_write32(vm, PTA_GPA, DATA_GPA | rw);
		guest_write32(vm, PD32_GPA, PT0_GPA | rw);
		guest_write32(vm, PD32_GPA + (ALIAS_VA >> 22) * 4,
			      PTA_GPA | rw);
		return;
	}
	for (i = 0; i < 512; i++)
		guest_write64(vm, PT0_GPA + i * 8, i * 0x1000ULL | rw);
	guest_write64(vm, PTA_GPA, DATA_GPA | rw);
	for (i = 0; i < 4; i++) {
		for (j = 0; j < 512; j++)
			guest_write64(vm, PD_GPA(i) + j * 8,
				      ((__u64)i << 30 | (__u64)j << 21) |
				      rw | PTE_PS);
		/* PAE PDPTEs have no RW bit (SDM 4.4.1: it is reserved). */
		guest_write64(vm, PDPT_GPA + i * 8,
			      PD_GPA(i) | (mode == MODE_LONG64 ? rw : PTE_P));
	}
	guest_write64(vm, PD_GPA(0), PT0_GPA | rw);
	guest_write64(vm, PD_GPA(ALIAS_VA >> 30) +
		      ((ALIAS_VA >> 21) & 511) * 8, PTA_GPA | rw);
	guest_write64(vm, PML4_GPA, PDPT_GPA | rw);
}

/* The control registers each mode runs with (KVM_GET_SREGS must agree). */
static inline void mode_cregs(enum guest_mode mode, __u64 *cr0, __u64 *cr3,
			      __u64 *cr4, __u64 *efer)
{
	*cr0 = X86_CR0_ET;
	*cr3 = 0;
	*cr4 = 0;
	*efer = 0;
	switch (mode) {
	case MODE_REAL:
		break;
	case MODE_PROT16:
	case MODE_PROT32:
		*cr0 |= X86_CR0_PE;
		break;
	case MODE_PAGING32:
		*cr0 |= X86_CR0_PE | X86_CR0_PG | X86_CR0_WP;
		*cr3 = PD32_GPA;
		break;
	case MODE_PAE:
		*cr0 |= X86_CR0_PE | X86_CR0_PG | X86_CR0_WP;
		*cr3 = PDPT_GPA;
		*cr4 = X86_CR4_PAE;
		break;
	case MODE_LONG64:
		*cr0 |= X86_CR0_PE | X86_CR0_PG | X86_CR0_WP | X86_CR0_NE;
		*cr3 = PML4_GPA;
		*cr4 = X86_CR4_PAE;
		*efer = EFER_LME | EFER_LMA;
		break;
	default:
		break;
	}
}

/*
 * Put the vCPU in @mode at CODE_GPA, with RSP = STACK_TOP, RFLAGS.IF set
 * and every other GPR 0: writes the GDT and the page tables @mode needs
 * into slot 0, then KVM_SET_SREGS and KVM_SET_REGS.  The IDT is IDT_GPA
 * with limit 0 (no gates) in the protected modes, the real-mode IVT at 0
 * in real mode.  0 on success.
 *
 * IF = 1 costs nothing (nothing here injects interrupts: no irqchip, no
 * KVM_INTERRUPT) and keeps a spinning guest interruptible in the test
 * bed: Bochs 2.7 takes no VM exit for an external interrupt (with
 * "external-interrupt exiting" set; SDM Vol. 3C, Other Causes of VM
 * Exits) while the guest has
 * RFLAGS.IF = 0, so there a guest spinning with IF = 0 never leaves
 * KVM_RUN on a signal and starves its CPU.
 */
static inline int vcpu_setup_mode(struct vcpu *v, enum guest_mode mode)
{
	struct vm *vm = v->vm;
	struct kvm_segment cs, ds;
	struct kvm_sregs s;
	struct kvm_regs r;

	if (vcpu_get_sregs(v, &s))
		return -1;
	vm_write_gdt(vm);
	if (mode >= MODE_PAGING32)
		vm_write_page_tables(vm, mode);
	mode_cregs(mode, &s.cr0, &s.cr3, &s.cr4, &s.efer);

	switch (mode) {
	case MODE_REAL:
		cs = seg_make(0, 0, 0xffff, 0xb, 1, 0, 0, 0);
		ds = seg_make(0, 0, 0xffff, 0x3, 1, 0, 0, 0);
		s.idt.base = 0;
		s.idt.limit = 0x3ff;
		break;
	case MODE_PROT16:
		cs = gdt_seg(GDT_CODE16);
		ds = gdt_seg(GDT_DATA16);
		break;
	case MODE_LONG64:
		cs = gdt_seg(GDT_CODE64);
		ds = gdt_seg(GDT_DATA32);
		break;
	default:
		cs = gdt_seg(GDT_CODE32);
		ds = gdt_seg(GDT_DATA32);
		break;
	}
	if (mode != MODE_REAL) {
		s.idt.base = IDT_GPA;
		s.idt.limit = 0;
	}
	s.cs = cs;
	s.ds = s.es = s.fs = s.gs = s.ss = ds;
	s.tr = gdt_seg(GDT_TSS);
	s.gdt.base = GDT_GPA;
	s.gdt.limit = GDT_LIMIT;
	if (vcpu_set_sregs(v, &s))
		return -1;

	memset(&r, 0, sizeof(r));
	r.rip = CODE_GPA;
	r.rsp = STACK_TOP;
	r.rflags = X86_RFLAGS_FIXED | X86_RFLAGS_IF;
	return vcpu_set_regs(v, &r);
}

/*
 * An IDT gate at IDT_GPA for @vector, to the guest address @handler, and
 * the IDT limit raised to cover all 256 gates.  Interrupt gates (type 14)
 * for 64-bit mode (16 bytes) or 32-bit protected mode (8 bytes).
 */
static inline int vcpu_set_idt_gate(struct vcpu *v, enum guest_mode mode,
				    unsigned int vector, __u64 handler)
{
	struct vm *vm = v->vm;
	struct kvm_sregs s;
	__u16 cs = mode == MODE_LONG64 ? GDT_CODE64 : GDT_CODE32;
	__u64 lo;

	lo = (handler & 0xffff) | ((__u64)cs << 16) | (0x8eULL << 40) |
	     ((handler >> 16) & 0xffff) << 48;
	if (mode == MODE_LONG64) {
		guest_write64(vm, IDT_GPA + vector * 16, lo);
		guest_write64(vm, IDT_GPA + vector * 16 + 8, handler >> 32);
	} else {
		guest_write64(vm, IDT_GPA + vector * 8, lo);
	}
	if (vcpu_get_sregs(v, &s))
		return -1;
	s.idt.base = IDT_GPA;
	s.idt.limit = mode == MODE_LONG64 ? 256 * 16 - 1 : 256 * 8 - 1;
	return vcpu_set_sregs(v, &s);
}

/* ---- marking guest instructions ------------------------------------------ */

/*
 * In a guest blob, "INSN tbl, out %al, $0x10" assembles the instruction
 * and records its start and end in the table g_marks_tbl (MARKS_BEGIN tbl
 * before the first, MARKS_END tbl after the last), so that the host knows
 * where RIP must stand at each exit without counting bytes.
 */
asm(".macro MARKS_BEGIN tbl\n"
	"	.pushsection .rodata.marks_\\tbl, \"a\"\n"
	"	.balign 8\n"
	"	.global g_marks_\\tbl\n"
	"g_marks_\\tbl\\():\n"
	"	.popsection\n"
	".endm\n"
	".macro MARKS_END tbl\n"
	"	.pushsection .rodata.marks_\\tbl, \"a\"\n"
	"	.global g_marks_\\tbl\\()_end\n"
	"g_marks_\\tbl\\()_end:\n"
	"	.popsection\n"
	".endm\n"
	".macro INSN tbl, insn:vararg\n"
	"	.pushsection .rodata.marks_\\tbl, \"a\"\n"
	"	.quad 998f, 999f\n"
	"	.popsection\n"
	"998:	\\insn\n"
	"999:\n"
	".endm\n");

struct insn_mark {
	const unsigned char *start, *end;
};

#define DECLARE_MARKS(tbl)						\
	extern const struct insn_mark g_marks_##tbl[], g_marks_##tbl##_end[]
#define NR_MARKS(tbl)	((size_t)(g_marks_##tbl##_end - g_marks_##tbl))

/* ---- a watchdog ------------------------------------------------------------ */

static inline void kvm_watchdog_fired(int sig)
{
	static const char msg[] = "# watchdog: the test ran out of time\n";
	ssize_t r;

	(void)sig;
	r = write(1, msg, sizeof(msg) - 1);
	(void)r;
	_exit(KSFT_FAIL);
}

/* A guest that never exits must not hang the suite: give up after @s. */
static inline void kvm_watchdog(unsigned int s)
{
	signal(SIGALRM, kvm_watchdog_fired);
	alarm(s);
}

/* ---- running ------------------------------------------------------------- */

/* One KVM_RUN; the ioctl's return value, errno as it left it. */
static inline int vcpu_run(struct vcpu *v)
{
	return ioctl(v->fd, KVM_RUN, 0);
}

/*
 * One result: KVM_RUN returned @r (0 expected) with exit @want.  On a
 * mismatch, says what the exit was instead (with its details) and where
 * the guest stood.
 */
static inline TAP_PRINTF(4, 5)
int ok_exit(struct vcpu *v, int r, __u32 want, const char *fmt, ...)
{
	int e = errno;
	int pass = r == 0 && v->run->exit_reason == want;
	va_list ap;

	va_start(ap, fmt);
	tap_vresult(pass, fmt, ap, NULL);
	va_end(ap);
	if (!pass) {
		if (r)
			diag("  KVM_RUN returned %d (errno %s), expected 0 with %s",
			     r, errno_name(e), exit_name(want));
		else
			diag("  %s, expected %s", exit_name(v->run->exit_reason),
			     exit_name(want));
		diag_exit(v->run);
		diag("  guest RIP %#llx", (unsigned long long)vcpu_rip(v));
	}
	errno = e;
	return pass;
}

/* Run once and check the exit: one result. */
#define run_expect(v, want, ...)					\
	({								\
		int r__ = vcpu_run(v);					\
		ok_exit((v), r__, (want), __VA_ARGS__);			\
	})

/* The same check without a result of its own: 1 if it matched. */
static inline int exit_is(struct vcpu *v, int r, __u32 want)
{
	int e = errno;

	if (r == 0 && v->run->exit_reason == want)
		return 1;
	if (r)
		diag("  KVM_RUN returned %d (errno %s), expected %s", r,
		     errno_name(e), exit_name(want));
	else
		diag("  %s, expected %s", exit_name(v->run->exit_reason),
		     exit_name(want));
	diag_exit(v->run);
	diag("  guest RIP %#llx", (unsigned long long)vcpu_rip(v));
	return 0;
}

/* ---- checking values ----------------------------------------------------- */

/* Compare one value, with a diagnostic line when it differs. */
static inline int check_u64(const char *what, __u64 got, __u64 want)
{
	if (got == want)
		return 1;
	diag("  %s = %#llx, expected %#llx", what, (unsigned long long)got,
	     (unsigned long long)want);
	return 0;
}

/* One result for one value. */
#define ok_u64(what, got, want, ...)					\
	({								\
		__u64 g__ = (got), w__ = (want);			\
		int p__ = ok(g__ == w__, __VA_ARGS__);			\
									\
		if (!p__)						\
			diag("  %s = %#llx, expected %#llx", (what),	\
			     (unsigned long long)g__,			\
			     (unsigned long long)w__);			\
		p__;							\
	})

static inline int vcpu_set_cpuid(struct vcpu *v, struct kvm_cpuid2 *c)
{
	return vcpu_fd_set_cpuid(v->fd, c);
}

/* ---- a VM with one vCPU, for a test of one guest ------------------------- */

/* A VM with slot 0 and one vCPU in @mode, @start..@end at CODE_GPA; NULL
 * when any step fails (nothing is left behind then).
 */
static inline struct vcpu *guest_create(int kvm_fd, enum guest_mode mode,
					const unsigned char *start,
					const unsigned char *end)
{
	struct vcpu *v;
	struct vm *vm = vm_create(kvm_fd);

	if (!vm)
		return NULL;
	v = vcpu_create(vm, 0);
	if (!v) {
		vm_destroy(vm);
		return NULL;
	}
	vm_load_code(vm, start, end);
	if (vcpu_setup_mode(v, mode)) {
		vcpu_destroy(v);
		vm_destroy(vm);
		return NULL;
	}
	return v;
}

/* The vCPU of guest_create() and its VM; NULL is nothing to do. */
static inline void guest_destroy(struct vcpu *v)
{
	struct vm *vm;

	if (!v)
		return;
	vm = v->vm;
	vcpu_destroy(v);
	vm_destroy(vm);
}

/* @n failures for checks whose guest could not even be set up. */
static inline void fail_n(int n, const char *what)
{
	while (n--)
		ok(0, "%s: could not set up the VM", what);
}

static inline void skip_n(int n, const char *why, const char *what)
{
	while (n--)
		skip(why, "%s", what);
}

#endif /* _VTX_SELFTEST_KVM_UTIL_H */
