// SPDX-License-Identifier: GPL-2.0
/*
 * The device, the VM, its memory and vCPUs, through the KVM API only.
 * Failures say what the person can do about them: the launcher is where
 * a missing module, a CPU without VT-x or a memlock limit first show.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vtx.h>

#include "vm.h"
#include "lib/boot.h"

#define KVM_API_VERSION_WANTED	12

static int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("vtx-run: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	return -1;
}

static bool cpu_has_vmx(void)
{
	char line[4096];
	bool vmx = false;
	FILE *f = fopen("/proc/cpuinfo", "r");

	if (!f)
		return true;	/* cannot tell: do not claim otherwise */
	while (!vmx && fgets(line, sizeof(line), f))
		if (!strncmp(line, "flags", 5) && strstr(line, " vmx"))
			vmx = true;
	fclose(f);
	return vmx;
}

static bool module_loaded(const char *name)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/sys/module/%s", name);
	return !stat(path, &st);
}

int vtx_vm_open(struct vtx_run_vm *vm, const char *device)
{
	struct vtx_status st = { .size = sizeof(st) };
	bool want_vtx = strstr(device, "vtx") != NULL;
	int version;

	vm->device = device;
	vm->dev_fd = open(device, O_RDWR | O_CLOEXEC);
	if (vm->dev_fd < 0) {
		int e = errno;

		if (e == ENOENT && !cpu_has_vmx())
			return fail("%s does not exist, and this CPU has no VT-x "
				    "(no 'vmx' flag in /proc/cpuinfo): vtx cannot "
				    "run here. scripts/run runs guests in an "
				    "emulated PC that has VT-x.", device);
		if (e == ENOENT && want_vtx && !module_loaded("vtx"))
			return fail("%s does not exist: the vtx module is not "
				    "loaded. Load it with 'sudo insmod vtx.ko' "
				    "(and see 'dmesg' if that fails), or use "
				    "--device /dev/kvm.", device);
		if (e == ENOENT && !want_vtx)
			return fail("%s does not exist: is kvm_intel loaded? "
				    "('sudo modprobe kvm_intel')", device);
		if (e == ENOENT && strcmp(device, VTX_DEVICE_PATH))
			return fail("%s does not exist (vtx is loaded: its "
				    "device is %s)", device, VTX_DEVICE_PATH);
		if (e == ENOENT)
			return fail("%s does not exist although the module is "
				    "loaded: is devtmpfs mounted on /dev?", device);
		if (e == EACCES || e == EPERM)
			return fail("cannot open %s: %s. Run as root, or give "
				    "your user access to it.", device, strerror(e));
		return fail("cannot open %s: %s", device, strerror(e));
	}
	version = ioctl(vm->dev_fd, KVM_GET_API_VERSION, 0);
	if (version != KVM_API_VERSION_WANTED)
		return fail("%s is not a KVM-API device (KVM_GET_API_VERSION "
			    "says %d, want %d)", device, version,
			    KVM_API_VERSION_WANTED);
	vm->is_vtx = !ioctl(vm->dev_fd, VTX_GET_STATUS, &st);
	vm->mmap_size = ioctl(vm->dev_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (vm->mmap_size < (long)sizeof(struct kvm_run))
		return fail("%s: KVM_GET_VCPU_MMAP_SIZE: %s", device,
			    strerror(errno));
	return 0;
}

static int memlock_fail(uint64_t size)
{
	struct rlimit rl;
	char lim[32] = "unlimited";

	if (!getrlimit(RLIMIT_MEMLOCK, &rl) && rl.rlim_cur != RLIM_INFINITY)
		snprintf(lim, sizeof(lim), "%llu KiB",
			 (unsigned long long)rl.rlim_cur / 1024);
	return fail("cannot pin %llu MiB of guest memory: vtx pins what the "
		    "guest touches and counts all of it against RLIMIT_MEMLOCK "
		    "when the memory is set (%s here). Raise it "
		    "('ulimit -l', or run as root) or ask for less with -m.",
		    (unsigned long long)(size >> 20), lim);
}

#define VTX_HUGE_PAGE	(2ULL << 20)

/*
 * Guest RAM, 2 MiB aligned and advised for transparent huge pages: only a
 * 2 MiB-aligned range can be backed by a huge page, and only such backing
 * lets vtx map the guest with 2 MiB EPT pages (fewer entries, fewer TLB
 * misses).  The slack of the over-sized mapping is given back.
 */
static uint8_t *vtx_alloc_guest_ram(uint64_t size)
{
	uint64_t len = size + VTX_HUGE_PAGE, head;
	uint8_t *raw, *mem;

	raw = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (raw == MAP_FAILED)
		return MAP_FAILED;
	mem = (uint8_t *)(((uintptr_t)raw + VTX_HUGE_PAGE - 1) &
			  ~(uintptr_t)(VTX_HUGE_PAGE - 1));
	head = mem - raw;
	if (head)
		munmap(raw, head);
	munmap(mem + size, len - head - size);
	madvise(mem, size, MADV_HUGEPAGE);
	return mem;
}

int vtx_vm_create(struct vtx_run_vm *vm, uint64_t mem_size)
{
	struct kvm_userspace_memory_region region = { 0 };

	vm->vm_fd = ioctl(vm->dev_fd, KVM_CREATE_VM, 0);
	if (vm->vm_fd < 0) {
		if (errno == EBUSY)
			return fail("%s: KVM_CREATE_VM: %s: another hypervisor "
				    "holds VMX on this machine (kvm_intel with "
				    "a VM, or vtx): stop it first", vm->device,
				    strerror(errno));
		return fail("%s: KVM_CREATE_VM: %s", vm->device,
			    strerror(errno));
	}
	vm->mem = vtx_alloc_guest_ram(mem_size);
	if (vm->mem == MAP_FAILED)
		return fail("cannot allocate %llu MiB of guest memory: %s; ask "
			    "for less with -m", (unsigned long long)(mem_size >> 20),
			    strerror(errno));
	vm->mem_size = mem_size;
	region.slot = 0;
	region.guest_phys_addr = 0;
	region.memory_size = mem_size;
	region.userspace_addr = (uintptr_t)vm->mem;
	if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &region)) {
		if (errno == ENOMEM || errno == EAGAIN)
			return memlock_fail(mem_size);
		return fail("%s: KVM_SET_USER_MEMORY_REGION (%llu MiB at GPA 0): "
			    "%s", vm->device,
			    (unsigned long long)(mem_size >> 20), strerror(errno));
	}
	return 0;
}

/* KVM_GET_SUPPORTED_CPUID, as every VMM hands it to KVM_SET_CPUID2. */
static struct kvm_cpuid2 *supported_cpuid(int dev_fd)
{
	struct kvm_cpuid2 *c;
	unsigned int n;

	for (n = 64; n <= 4096; n *= 2) {
		c = calloc(1, sizeof(*c) + n * sizeof(c->entries[0]));
		if (!c)
			return NULL;
		c->nent = n;
		if (!ioctl(dev_fd, KVM_GET_SUPPORTED_CPUID, c))
			return c;
		free(c);
		if (errno != E2BIG)
			return NULL;
	}
	return NULL;
}

int vtx_vcpu_create(struct vtx_run_vm *vm, unsigned int index)
{
	struct vtx_run_vcpu *v = &vm->vcpus[index];
	static struct kvm_cpuid2 *cpuid;
	struct kvm_cpuid_entry2 *e;
	unsigned int i;

	v->index = index;
	v->fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, (unsigned long)index);
	if (v->fd < 0)
		return fail("%s: KVM_CREATE_VCPU(%u): %s", vm->device, index,
			    strerror(errno));
	v->run = mmap(NULL, vm->mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		      v->fd, 0);
	if (v->run == MAP_FAILED)
		return fail("%s: mmap of vCPU %u: %s", vm->device, index,
			    strerror(errno));
	if (!cpuid)
		cpuid = supported_cpuid(vm->dev_fd);
	if (!cpuid)
		return 0;	/* the device's default CPUID, then */
	/* Each vCPU its own initial APIC ID (CPUID.1:EBX[31:24]). */
	for (i = 0; i < cpuid->nent; i++) {
		e = &cpuid->entries[i];
		if (e->function == 1)
			e->ebx = (e->ebx & 0x00ffffff) | index << 24;
	}
	if (ioctl(v->fd, KVM_SET_CPUID2, cpuid))
		return fail("%s: KVM_SET_CPUID2 on vCPU %u: %s", vm->device,
			    index, strerror(errno));
	return 0;
}

int vtx_vcpu_setup(struct vtx_run_vm *vm, struct vtx_run_vcpu *v,
		   const struct vtx_image *img, uint32_t mbi)
{
	struct kvm_sregs s;
	struct kvm_regs r;

	if (ioctl(v->fd, KVM_GET_SREGS, &s))
		return fail("%s: KVM_GET_SREGS: %s", vm->device, strerror(errno));
	vtx_boot_sregs(&s, img->mode, img->entry);
	if (ioctl(v->fd, KVM_SET_SREGS, &s))
		return fail("%s: KVM_SET_SREGS (%s mode): %s", vm->device,
			    vtx_mode_name(img->mode), strerror(errno));
	vtx_boot_regs(&r, img->mode, img->entry, v->index, vm->nr_vcpus);
	if (img->kind == VTX_IMAGE_MULTIBOOT) {
		/* Multiboot spec 3.2: EAX magic, EBX info, IF clear. */
		r.rax = VTX_MULTIBOOT_EAX;
		r.rbx = mbi;
		r.rflags &= ~(1ULL << 9);
	}
	if (ioctl(v->fd, KVM_SET_REGS, &r))
		return fail("%s: KVM_SET_REGS: %s", vm->device, strerror(errno));
	return 0;
}

#define KVM_EXIT_NAME(x) [KVM_EXIT_##x] = #x
static const char *const vtx_kvm_exit_names[] = {
	KVM_EXIT_NAME(UNKNOWN), KVM_EXIT_NAME(EXCEPTION), KVM_EXIT_NAME(IO),
	KVM_EXIT_NAME(HYPERCALL), KVM_EXIT_NAME(DEBUG), KVM_EXIT_NAME(HLT),
	KVM_EXIT_NAME(MMIO), KVM_EXIT_NAME(IRQ_WINDOW_OPEN),
	KVM_EXIT_NAME(SHUTDOWN), KVM_EXIT_NAME(FAIL_ENTRY), KVM_EXIT_NAME(INTR),
	KVM_EXIT_NAME(SET_TPR), KVM_EXIT_NAME(TPR_ACCESS),
	KVM_EXIT_NAME(NMI), KVM_EXIT_NAME(INTERNAL_ERROR),
	KVM_EXIT_NAME(SYSTEM_EVENT), KVM_EXIT_NAME(X86_RDMSR),
	KVM_EXIT_NAME(X86_WRMSR),
};

const char *vtx_kvm_exit_name(uint32_t reason)
{
	if (reason < sizeof(vtx_kvm_exit_names) / sizeof(vtx_kvm_exit_names[0]) &&
	    vtx_kvm_exit_names[reason])
		return vtx_kvm_exit_names[reason];
	return "?";
}

int vtx_kvm_exit_by_name(const char *name)
{
	unsigned int i, j;

	for (i = 0; i < sizeof(vtx_kvm_exit_names) / sizeof(vtx_kvm_exit_names[0]); i++) {
		const char *n = vtx_kvm_exit_names[i];

		if (!n)
			continue;
		/* Any case, and '-' for '_': "fail-entry", "FAIL_ENTRY". */
		for (j = 0; n[j] && name[j]; j++)
			if (toupper((unsigned char)name[j]) != n[j] &&
			    !(name[j] == '-' && n[j] == '_'))
				break;
		if (!n[j] && !name[j])
			return i;
	}
	return -1;
}

static void print_record(const struct vtx_exit_record *e)
{
	fprintf(stderr, "vtx-run:   %-14s", vtx_kvm_exit_name(e->reason));
	if (e->reason == KVM_EXIT_IO)
		fprintf(stderr, " %s port 0x%llx, %u byte(s), 0x%llx",
			e->write ? "out" : "in ", (unsigned long long)e->addr,
			e->size, (unsigned long long)e->data);
	else if (e->reason == KVM_EXIT_MMIO)
		fprintf(stderr, " %s 0x%llx, %u byte(s), 0x%llx",
			e->write ? "write" : "read ", (unsigned long long)e->addr,
			e->size, (unsigned long long)e->data);
	fputc('\n', stderr);
}

void vtx_vcpu_report(struct vtx_run_vm *vm, struct vtx_run_vcpu *v)
{
	struct kvm_sregs s;
	struct kvm_regs r;
	uint64_t i, first;

	if (!ioctl(v->fd, KVM_GET_REGS, &r)) {
		fprintf(stderr, "vtx-run: vCPU %u registers:\n"
			"  rax %016llx rbx %016llx rcx %016llx rdx %016llx\n"
			"  rsi %016llx rdi %016llx rsp %016llx rbp %016llx\n"
			"  r8  %016llx r9  %016llx r10 %016llx r11 %016llx\n"
			"  r12 %016llx r13 %016llx r14 %016llx r15 %016llx\n"
			"  rip %016llx rflags %08llx\n", v->index,
			r.rax, r.rbx, r.rcx, r.rdx, r.rsi, r.rdi, r.rsp, r.rbp,
			r.r8, r.r9, r.r10, r.r11, r.r12, r.r13, r.r14, r.r15,
			r.rip, r.rflags);
	}
	if (!ioctl(v->fd, KVM_GET_SREGS, &s)) {
		fprintf(stderr,
			"  cs %04x (base %llx, %s) ss %04x ds %04x\n"
			"  cr0 %08llx cr2 %016llx cr3 %016llx cr4 %08llx efer %llx\n"
			"  gdt %llx/%x idt %llx/%x\n",
			s.cs.selector, s.cs.base,
			s.cs.l ? "64-bit" : s.cs.db ? "32-bit" : "16-bit",
			s.ss.selector, s.ds.selector, s.cr0, s.cr2, s.cr3,
			s.cr4, s.efer, s.gdt.base, s.gdt.limit, s.idt.base,
			s.idt.limit);
	}
	first = v->nr_history > VTX_RUN_EXIT_HISTORY ?
		v->nr_history - VTX_RUN_EXIT_HISTORY : 0;
	fprintf(stderr, "vtx-run: vCPU %u's last %llu exit(s) to user space, "
		"oldest first:\n", v->index,
		(unsigned long long)(v->nr_history - first));
	for (i = first; i < v->nr_history; i++)
		print_record(&v->history[i % VTX_RUN_EXIT_HISTORY]);
	(void)vm;
}
