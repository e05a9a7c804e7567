// SPDX-License-Identifier: GPL-2.0
/*
 * A vCPU's VMCS: creation from the capability snapshot, loading on the
 * CPU that runs it, the guest state KVM_{GET,SET}_{REGS,SREGS} exchange,
 * and the run loop around vtx_vmenter() with the host state that a VM
 * exit does not restore by itself.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/gfp.h>
#include <linux/hw_breakpoint.h>
#include <linux/idr.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <asm/debugreg.h>
#include <asm/desc.h>
#include <asm/fpu/api.h>
#include <asm/fpu/xcr.h>
#ifdef CONFIG_X86_FRED
#include <asm/fred.h>
#endif
#include <asm/hardirq.h>
#include <asm/msr.h>
#include <asm/nospec-branch.h>
#include <asm/special_insns.h>
#include <asm/tlbflush.h>
#include <asm/cpu_entry_area.h>
#include <asm/cpu.h>
#include <asm/processor.h>
#include <asm/vmx.h>
#include <asm/mce.h>
#include <asm/perf_event.h>

#include "vmx.h"
#include "vcpu.h"
#include "vmx_ops.h"
#include "trace.h"
#include "exits.h"
#include "lib/vmcs_fields.h"
#include "lib/cpuid.h"
#include "lib/state.h"
#include "lib/cregs.h"
#include "lib/l1tf.h"

/* The VMCSs active on each CPU, to VMCLEAR before that CPU leaves VMX. */
static DEFINE_PER_CPU(struct list_head, vtx_loaded_vmcss);
static DEFINE_PER_CPU(struct vtx_vmx_vcpu *, vtx_current_vmcs);

/* Every port and every MSR exits: the bitmaps are all ones, shared. */
static struct page *vtx_io_bitmaps, *vtx_msr_bitmap;

/* The guest's XSAVE area: the size for the host's XCR0, 64-byte aligned. */
static unsigned int vtx_xsave_size;
static u64 vtx_host_xcr0;

void vtx_vmwrite_failed(unsigned long field, unsigned long value)
{
	if (vtx_vmx_is_going_down())
		return;		/* VMX already left for a reboot or crash */
	pr_err_ratelimited("VMWRITE of %s (0x%lx) = 0x%lx failed: error %lu\n",
			   vtx_vmcs_field_name(field) ?: "?", field, value,
			   vtx_vmread(VTX_VM_INSTRUCTION_ERROR));
}

/*
 * L1TF: a guest's not-present PTE can name any host physical address and
 * speculation reads it from L1D (Intel-SA-00161; vmx/lib/l1tf.h).  The
 * mode comes from the kernel's l1tf= as kvm-intel's default derives it:
 * "cond" flushes only when host code that may have pulled secrets into
 * L1D ran since the vCPU's last entry: user space, another task (the
 * scheduler), vtx reading or writing guest memory for an exit, or an
 * interrupt on this CPU (the kernel's irq entry sets
 * irq_stat.kvm_cpu_l1tf_flush_l1d for kvm-intel, and for us); where
 * kvm-intel sets its flag, and nowhere else (vtx_l1d_note_switches()).
 * The fast path's exits (CPUID, MSRs, CRs, PAUSE, HLT with an event)
 * touch only the vCPU's own state.  The flush is the FLUSH_L1D
 * command, or without it (CPUs whose microcode predates it) a read of
 * 64 KiB, twice L1D (its replacement is not exactly LRU), as KVM does.
 */
#define VTX_L1D_FLUSH_ORDER	4	/* 64 KiB */
static enum vtx_l1d_flush vtx_l1d_mode;
static void *vtx_l1d_flush_pages;

static enum vtx_l1tf_policy vtx_l1tf_policy(void)
{
	switch (l1tf_mitigation) {
	case L1TF_MITIGATION_OFF:
		return VTX_L1TF_POLICY_OFF;
	case L1TF_MITIGATION_FULL:
	case L1TF_MITIGATION_FULL_FORCE:
		return VTX_L1TF_POLICY_FULL;
	default:
		return VTX_L1TF_POLICY_FLUSH;
	}
}

static int vtx_l1d_flush_setup(void)
{
	u64 caps = 0;
	int i;

	if (boot_cpu_has(X86_FEATURE_ARCH_CAPABILITIES))
		rdmsrl_safe(MSR_IA32_ARCH_CAPABILITIES, &caps);
	vtx_l1d_mode = vtx_l1d_flush_mode(boot_cpu_has_bug(X86_BUG_L1TF),
					  caps & ARCH_CAP_SKIP_VMENTRY_L1DFLUSH,
					  vtx_l1tf_policy());
	if (vtx_l1d_mode == VTX_L1D_FLUSH_NEVER ||
	    boot_cpu_has(X86_FEATURE_FLUSH_L1D))
		return 0;
	vtx_l1d_flush_pages = (void *)__get_free_pages(GFP_KERNEL,
						       VTX_L1D_FLUSH_ORDER);
	if (!vtx_l1d_flush_pages)
		return -ENOMEM;
	/* Distinct pages, so that KSM under a nested host cannot merge them. */
	for (i = 0; i < 1 << VTX_L1D_FLUSH_ORDER; i++)
		memset(vtx_l1d_flush_pages + i * PAGE_SIZE, i + 1, PAGE_SIZE);
	return 0;
}

const char *vtx_l1d_flush_describe(bool *by_command)
{
	static const char *const names[] = {
		[VTX_L1D_FLUSH_NEVER] = "never",
		[VTX_L1D_FLUSH_COND] = "cond",
		[VTX_L1D_FLUSH_ALWAYS] = "always",
	};

	*by_command = boot_cpu_has(X86_FEATURE_FLUSH_L1D);
	return names[vtx_l1d_mode];
}

/* Interrupts off, right before entry: nothing may refill L1D after it. */
static void vtx_l1d_flush(struct vtx_vmx_vcpu *v)
{
	int size = PAGE_SIZE << VTX_L1D_FLUSH_ORDER;
	bool cpu_dirty = true;	/* without kvm-intel's irq hook: unknown */

	if (likely(vtx_l1d_mode == VTX_L1D_FLUSH_NEVER))
		return;
#if IS_ENABLED(CONFIG_KVM_INTEL)
	cpu_dirty = kvm_get_cpu_l1tf_flush_l1d();
	kvm_clear_cpu_l1tf_flush_l1d();
#endif
	if (!vtx_l1d_flush_now(vtx_l1d_mode, v->l1d_flush_pending, cpu_dirty)) {
		v->l1d_flush_pending = false;
		return;
	}
	v->l1d_flush_pending = false;
	v->nr_l1d_flushes++;
	if (boot_cpu_has(X86_FEATURE_FLUSH_L1D)) {
		native_wrmsrl(MSR_IA32_FLUSH_CMD, L1D_FLUSH);
		return;
	}
	/*
	 * Touch one byte per page (the TLB entries, so that the fill below
	 * takes no page walk), serialize, then read every 64-byte line.
	 */
	asm volatile("xorl %%eax, %%eax\n"
		     "1: movzbl (%[pages], %%rax), %%ecx\n\t"
		     "addl $4096, %%eax\n\t"
		     "cmpl %%eax, %[size]\n\t"
		     "jne 1b\n\t"
		     "xorl %%eax, %%eax\n\t"
		     "cpuid\n\t"
		     "xorl %%eax, %%eax\n"
		     "2: movzbl (%[pages], %%rax), %%ecx\n\t"
		     "addl $64, %%eax\n\t"
		     "cmpl %%eax, %[size]\n\t"
		     "jne 2b\n\t"
		     "lfence\n"
		     : : [pages] "r"(vtx_l1d_flush_pages), [size] "r"(size)
		     : "eax", "ebx", "ecx", "edx", "memory");
}

int vtx_vmx_vcpu_init_global(void)
{
	unsigned int eax, ebx, ecx, edx, cpu;

	/*
	 * XSAVE when the host kernel uses it, else FXSAVE (Linux turns
	 * XSAVE off when the CPU describes it inconsistently, as Bochs
	 * does): then the guest gets no XSAVE either (vtx_xsave_enabled()).
	 */
	if (boot_cpu_has(X86_FEATURE_OSXSAVE)) {
		vtx_host_xcr0 = xgetbv(XCR_XFEATURE_ENABLED_MASK);
		cpuid_count(0xd, 0, &eax, &ebx, &ecx, &edx);
		vtx_xsave_size = ebx;
	} else {
		vtx_host_xcr0 = 0;
		vtx_xsave_size = 512;
	}

	for_each_possible_cpu(cpu)
		INIT_LIST_HEAD(&per_cpu(vtx_loaded_vmcss, cpu));
	vtx_io_bitmaps = alloc_pages(GFP_KERNEL, 1);
	vtx_msr_bitmap = alloc_page(GFP_KERNEL);
	if (!vtx_io_bitmaps || !vtx_msr_bitmap) {
		vtx_vmx_vcpu_exit_global();
		return -ENOMEM;
	}
	memset(page_address(vtx_io_bitmaps), 0xff, 2 * PAGE_SIZE);
	memset(page_address(vtx_msr_bitmap), 0xff, PAGE_SIZE);
	if (vtx_l1d_flush_setup()) {
		vtx_vmx_vcpu_exit_global();
		return -ENOMEM;
	}
	return 0;
}

void vtx_vmx_vcpu_exit_global(void)
{
	if (vtx_io_bitmaps)
		__free_pages(vtx_io_bitmaps, 1);
	if (vtx_msr_bitmap)
		__free_page(vtx_msr_bitmap);
	vtx_io_bitmaps = vtx_msr_bitmap = NULL;
	if (vtx_l1d_flush_pages)
		free_pages((unsigned long)vtx_l1d_flush_pages,
			   VTX_L1D_FLUSH_ORDER);
	vtx_l1d_flush_pages = NULL;
}

/* VMCLEAR @v on this CPU, where it is active; interrupts off. */
static void vtx_vmcs_clear_here(struct vtx_vmx_vcpu *v)
{
	vtx_vmclear(v->vmcs_pa);
	list_del(&v->loaded_link);
	if (this_cpu_read(vtx_current_vmcs) == v)
		this_cpu_write(vtx_current_vmcs, NULL);
	v->launched = false;
	/* Others may test v->cpu to find the VMCS clear. */
	smp_store_release(&v->cpu, -1);
}

static void vtx_vmcs_clear_ipi(void *data)
{
	struct vtx_vmx_vcpu *v = data;

	if (READ_ONCE(v->cpu) == smp_processor_id())
		vtx_vmcs_clear_here(v);
}

/* Make @v's VMCS inactive wherever it is (SDM 25.11.3). */
static void vtx_vmcs_clear(struct vtx_vmx_vcpu *v)
{
	/* Pairs with the release in vtx_vcpu_load(): the VMCS is loaded there. */
	int cpu = smp_load_acquire(&v->cpu);

	if (cpu >= 0)
		smp_call_function_single(cpu, vtx_vmcs_clear_ipi, v, 1);
}

void vtx_vmx_emergency_vmclear(void)
{
	struct list_head *list = this_cpu_ptr(&vtx_loaded_vmcss);
	struct vtx_vmx_vcpu *v;

	if (!list->next)
		return;
	list_for_each_entry(v, list, loaded_link)
		vtx_vmclear(v->vmcs_pa);
}

void vtx_vmx_clear_cpu_vmcss(void)
{
	struct vtx_vmx_vcpu *v, *tmp;
	struct list_head *list = this_cpu_ptr(&vtx_loaded_vmcss);
	unsigned long flags;

	if (!list->next)	/* vtx_vmx_vcpu_init_global() not run yet */
		return;
	local_irq_save(flags);
	list_for_each_entry_safe(v, tmp, list, loaded_link)
		vtx_vmcs_clear_here(v);
	local_irq_restore(flags);
}

/* Host state that differs per CPU (SDM 26.2.3). */
static void vtx_write_host_percpu_state(int cpu)
{
	struct desc_ptr idt;
	u64 msr;

	vtx_vmwrite(VTX_HOST_TR_BASE,
		    (unsigned long)&get_cpu_entry_area(cpu)->tss.x86_tss);
	vtx_vmwrite(VTX_HOST_GDTR_BASE, (unsigned long)get_current_gdt_ro());
	store_idt(&idt);
	vtx_vmwrite(VTX_HOST_IDTR_BASE, idt.address);
	rdmsrl(MSR_GS_BASE, msr);
	vtx_vmwrite(VTX_HOST_GS_BASE, msr);
	rdmsrl(MSR_IA32_SYSENTER_ESP, msr);
	vtx_vmwrite(VTX_HOST_IA32_SYSENTER_ESP, msr);
}

/*
 * Make @v's VMCS current on this CPU; preemption off.  A vCPU that moved
 * is VMCLEARed on its old CPU first: a VMCS is active on one CPU at most.
 */
static int vtx_vcpu_load(struct vtx_vmx_vcpu *v)
{
	int cpu = smp_processor_id();
	unsigned long flags;

	if (READ_ONCE(v->cpu) != cpu) {
		vtx_vmcs_clear(v);
		local_irq_save(flags);
		if (vtx_vmptrld(v->vmcs_pa)) {
			local_irq_restore(flags);
			return -EIO;
		}
		list_add(&v->loaded_link, this_cpu_ptr(&vtx_loaded_vmcss));
		this_cpu_write(vtx_current_vmcs, v);
		/* Publish the CPU once the VMCS is on its list (see above). */
		smp_store_release(&v->cpu, cpu);
		local_irq_restore(flags);
		vtx_write_host_percpu_state(cpu);
		/* This CPU may hold the VPID's entries from an earlier stay,
		 * or from a vCPU that had the VPID before.
		 */
		v->flush_tlb = true;
	} else if (this_cpu_read(vtx_current_vmcs) != v) {
		if (vtx_vmptrld(v->vmcs_pa))
			return -EIO;
		this_cpu_write(vtx_current_vmcs, v);
	} else {
		return 0;
	}
	/*
	 * Another vCPU's VMCS was current here (or none): that guest, or
	 * the VMM of another VM, may have trained the indirect branch
	 * predictors against this one.  Each vCPU gets a clean predictor,
	 * as kvm-intel's vmx_vcpu_load_vmcs() gives it: IBPB where the
	 * kernel's spectre_v2_user= setting enabled it (X86_FEATURE_USE_IBPB;
	 * without it this is a no-op patched in at load).
	 */
	indirect_branch_prediction_barrier();
	return 0;
}

/* Segments: selector, limit, access rights, base are at fixed strides. */
enum {
	VTX_SEG_ES, VTX_SEG_CS, VTX_SEG_SS, VTX_SEG_DS, VTX_SEG_FS,
	VTX_SEG_GS, VTX_SEG_LDTR, VTX_SEG_TR
};

static void vtx_write_seg(int seg, const struct kvm_segment *s)
{
	u8 type = s->type;
	u32 ar;

	/*
	 * As kvm-intel with unrestricted guest: the accessed bit set in every
	 * segment but LDTR (VM entry wants it in usable ones, SDM 26.3.1.2;
	 * a busy TSS for TR), for VMMs that leave it clear.
	 */
	if (seg != VTX_SEG_LDTR)
		type |= 1;
	/* SDM 25.4.1: access rights, bit 16 = unusable. */
	if (s->unusable || !s->present)
		ar = 1 << 16;
	else
		ar = (type & 15) | (s->s & 1) << 4 | (s->dpl & 3) << 5 |
		     (s->present & 1) << 7 | (s->avl & 1) << 12 |
		     (s->l & 1) << 13 | (s->db & 1) << 14 | (s->g & 1) << 15;
	vtx_vmwrite(VTX_GUEST_ES_SELECTOR + 2 * seg, s->selector);
	vtx_vmwrite(VTX_GUEST_ES_LIMIT + 2 * seg, s->limit);
	vtx_vmwrite(VTX_GUEST_ES_AR_BYTES + 2 * seg, ar);
	vtx_vmwrite(VTX_GUEST_ES_BASE + 2 * seg, s->base);
}

static void vtx_read_seg(int seg, struct kvm_segment *s)
{
	u32 ar = vtx_vmread(VTX_GUEST_ES_AR_BYTES + 2 * seg);

	memset(s, 0, sizeof(*s));
	s->selector = vtx_vmread(VTX_GUEST_ES_SELECTOR + 2 * seg);
	s->limit = vtx_vmread(VTX_GUEST_ES_LIMIT + 2 * seg);
	s->base = vtx_vmread(VTX_GUEST_ES_BASE + 2 * seg);
	s->type = ar & 15;
	s->s = (ar >> 4) & 1;
	s->dpl = (ar >> 5) & 3;
	s->present = (ar >> 7) & 1;
	s->avl = (ar >> 12) & 1;
	s->l = (ar >> 13) & 1;
	s->db = (ar >> 14) & 1;
	s->g = (ar >> 15) & 1;
	s->unusable = (ar >> 16) & 1;
}

static const struct vtx_vmcs_config *cfg(void)
{
	return vtx_vmx_config();
}

/*
 * VPIDs (SDM 29.1): one per vCPU, 1..65535 (0 is the host's).  When they
 * run out, a vCPU goes without (VPID disabled in its VMCS: every entry
 * and exit flushes its TLB entries, SDM 29.3.3.3).
 */
static DEFINE_IDA(vtx_vpids);

static u16 vtx_vpid_alloc(void)
{
	int id;

	if (!(cfg()->ctl[VTX_WORD_PROC2] & VTX_PROC2_ENABLE_VPID))
		return 0;
	id = ida_alloc_range(&vtx_vpids, 1, 0xffff, GFP_KERNEL);
	return id < 0 ? 0 : id;
}

static void vtx_vpid_free(u16 vpid)
{
	if (vpid)
		ida_free(&vtx_vpids, vpid);
}

/* Flush this CPU's TLB entries tagged with the vCPU's VPID (SDM 31.3). */
static void vtx_vpid_flush(struct vtx_vmx_vcpu *v)
{
	if (!v->vpid)
		return;
	if (cfg()->ept_vpid_cap & VTX_VPID_CAP_INVVPID_SINGLE)
		vtx_invvpid(VTX_INVVPID_SINGLE, v->vpid);
	else
		vtx_invvpid(VTX_INVVPID_ALL, 0);
}

/*
 * A guest's longest stay without an exit, in TSC cycles (~19 ms at
 * 3.5 GHz): the VMX-preemption timer's backstop for a guest that no
 * interrupt makes exit (SDM 26.5.1).
 */
#define VTX_TIME_SLICE_TSC	(1ULL << 26)

static bool vtx_has_preemption_timer(void)
{
	return cfg()->ctl[VTX_WORD_PIN] & VTX_PIN_PREEMPTION_TIMER;
}

/* RDTSCP runs natively for the guest: its TSC_AUX must be switched. */
bool vtx_has_rdtscp(void)
{
	return cfg()->ctl[VTX_WORD_PROC2] & VTX_PROC2_ENABLE_RDTSCP;
}

/* Long mode is active when EFER.LME and CR0.PG are (SDM Vol. 3A 9.8.5). */
static void vtx_update_efer(struct vtx_vmx_vcpu *v, u64 efer)
{
	u32 entry = vtx_vmread(VTX_VM_ENTRY_CONTROLS);

	if ((efer & EFER_LME) && (v->cr0 & X86_CR0_PG))
		efer |= EFER_LMA;
	else
		efer &= ~EFER_LMA;
	if (efer & EFER_LMA)
		entry |= VTX_ENTRY_IA32E_MODE_GUEST;
	else
		entry &= ~VTX_ENTRY_IA32E_MODE_GUEST;
	vtx_vmwrite(VTX_VM_ENTRY_CONTROLS, entry);
	vtx_vmwrite(VTX_GUEST_IA32_EFER, efer);
}

/*
 * CR0 as the CPU runs it: the guest's, with NE forced on and CD/NW off;
 * unrestricted guest lets PE and PG be whatever the guest says (SDM
 * 26.3.1.1).  The guest reads its own value from the read shadow.
 */
void vtx_vcpu_set_cr0(struct vtx_vmx_vcpu *v, u64 cr0)
{
	u64 fixed0 = cfg()->cr0_fixed0 & ~(X86_CR0_PE | X86_CR0_PG);

	/* SDM Vol. 3A 4.10.4.1: these change how linear addresses map. */
	if ((v->cr0 ^ cr0) & (X86_CR0_PG | X86_CR0_WP | X86_CR0_PE))
		v->flush_tlb = true;
	v->cr0 = cr0;
	vtx_vmwrite(VTX_CR0_READ_SHADOW, cr0);
	cr0 &= ~(X86_CR0_CD | X86_CR0_NW);
	vtx_vmwrite(VTX_GUEST_CR0, vtx_cr_apply_fixed(cr0, fixed0,
						     cfg()->cr0_fixed1));
	vtx_update_efer(v, vtx_vmread(VTX_GUEST_IA32_EFER));
}

/* CR4 with VMXE forced on (SDM A.8); the guest never sees VMXE. */
void vtx_vcpu_set_cr4(struct vtx_vmx_vcpu *v, u64 cr4)
{
	if (v->cr4 != cr4)
		v->flush_tlb = true;
	v->cr4 = cr4;
	vtx_vmwrite(VTX_CR4_READ_SHADOW, cr4);
	vtx_vmwrite(VTX_GUEST_CR4, vtx_cr_apply_fixed(cr4, cfg()->cr4_fixed0,
						     cfg()->cr4_fixed1));
}

/*
 * The CR4 bits this vCPU's guest may set: what its CPUID offers, within
 * what the CPU allows in VMX operation and what vtx switches
 * (lib/cregs.c, after KVM's kvm_is_valid_cr4()).
 */
u64 vtx_vcpu_cr4_valid_bits(struct vtx_vmx_vcpu *v)
{
	struct vtx_cr4_cpuid id;
	u32 r[4];
	u64 valid;

	vtx_vcpu_cpuid(v, 1, 0, r);
	id.leaf1_ecx = r[VTX_CPUID_ECX];
	vtx_vcpu_cpuid(v, 7, 0, r);
	id.leaf7_ebx = r[VTX_CPUID_EBX];
	id.leaf7_ecx = r[VTX_CPUID_ECX];
	valid = vtx_cr4_guest_valid_bits(&id, cfg()->cr4_fixed1);
	if (!vtx_xsave_enabled())
		valid &= ~X86_CR4_OSXSAVE;
	return valid;
}

bool vtx_vcpu_cr4_valid(struct vtx_vmx_vcpu *v, u64 cr4)
{
	return !(cr4 & ~vtx_vcpu_cr4_valid_bits(v));
}

/*
 * The XCR0 bits this vCPU's guest may set: the host's, less what vtx
 * does not switch, within the guest's CPUID leaf 0xD (lib/cregs.c).
 */
u64 vtx_vcpu_xcr0_supported(struct vtx_vmx_vcpu *v)
{
	u32 r[4];

	vtx_vcpu_cpuid(v, 0xd, 0, r);
	return vtx_xcr0_guest_supported(vtx_host_xcr0, v->cpuid != NULL,
					r[VTX_CPUID_EAX], r[VTX_CPUID_EDX]);
}

/* KVM's reset state: real mode at F000:FFF0 (SDM Vol. 3A 10.1.1). */
static void vtx_vcpu_reset(struct vtx_vmx_vcpu *v)
{
	struct kvm_segment seg = {
		.limit = 0xffff, .type = 3, .s = 1, .present = 1,
	};
	int i;

	memset(v->regs, 0, sizeof(v->regs));
	v->regs[VTX_REG_RDX] = 0x600;	/* family 6, as KVM */
	for (i = VTX_SEG_ES; i <= VTX_SEG_GS; i++)
		vtx_write_seg(i, &seg);
	seg.selector = 0xf000;
	seg.base = 0xffff0000;
	seg.type = 11;
	vtx_write_seg(VTX_SEG_CS, &seg);
	seg = (struct kvm_segment){ .limit = 0xffff, .type = 2, .present = 1 };
	vtx_write_seg(VTX_SEG_LDTR, &seg);
	seg.type = 11;
	vtx_write_seg(VTX_SEG_TR, &seg);
	vtx_vmwrite(VTX_GUEST_GDTR_BASE, 0);
	vtx_vmwrite(VTX_GUEST_GDTR_LIMIT, 0xffff);
	vtx_vmwrite(VTX_GUEST_IDTR_BASE, 0);
	vtx_vmwrite(VTX_GUEST_IDTR_LIMIT, 0xffff);
	vtx_vmwrite(VTX_GUEST_RIP, 0xfff0);
	vtx_vmwrite(VTX_GUEST_RSP, 0);
	vtx_vmwrite(VTX_GUEST_RFLAGS, X86_EFLAGS_FIXED);
	vtx_vmwrite(VTX_GUEST_DR7, VTX_DR7_FIXED_1);
	vtx_vmwrite(VTX_GUEST_IA32_DEBUGCTL, 0);
	v->dr6 = DR6_RESERVED;
	v->dr7 = VTX_DR7_FIXED_1;
	vtx_vmwrite(VTX_GUEST_CR3, 0);
	/* No PDPTEs yet: those KVM_SET_SREGS cannot load stay these. */
	for (i = 0; i < 4; i++)
		vtx_vmwrite(VTX_GUEST_PDPTR0 + 2 * i, 0);
	vtx_vmwrite(VTX_GUEST_IA32_EFER, 0);
	vtx_vcpu_set_cr0(v, X86_CR0_ET | X86_CR0_CD | X86_CR0_NW);
	vtx_vcpu_set_cr4(v, 0);
	vtx_vmwrite(VTX_GUEST_IA32_PAT, 0x0007040600070406ULL);
	vtx_vmwrite(VTX_GUEST_SYSENTER_CS, 0);
	vtx_vmwrite(VTX_GUEST_SYSENTER_ESP, 0);
	vtx_vmwrite(VTX_GUEST_SYSENTER_EIP, 0);
	vtx_vmwrite(VTX_GUEST_INTERRUPTIBILITY_INFO, 0);
	vtx_vmwrite(VTX_GUEST_ACTIVITY_STATE, 0);
	vtx_vmwrite(VTX_GUEST_PENDING_DBG_EXCEPTIONS, 0);
	v->cr8 = 0;
	v->xcr0 = XFEATURE_MASK_FP;
	/* vCPU 0 is the bootstrap processor, as on KVM. */
	v->apic_base = 0xfee00000ULL | MSR_IA32_APICBASE_ENABLE |
		       (v->id ? 0 : MSR_IA32_APICBASE_BSP);
	vtx_msr_reset(v);
}

/* SDM 26.2: the fields that stay the same for the vCPU's whole life. */
static void vtx_vmcs_setup(struct vtx_vmx_vcpu *v, u64 eptp)
{
	const struct vtx_vmcs_config *c = cfg();
	u32 proc2 = c->ctl[VTX_WORD_PROC2];
	u64 msr;

	vtx_vmwrite(VTX_PIN_BASED_VM_EXEC_CONTROL, c->ctl[VTX_WORD_PIN]);
	v->proc_ctl = c->ctl[VTX_WORD_PROC];
	vtx_vmwrite(VTX_CPU_BASED_VM_EXEC_CONTROL, v->proc_ctl);
	vtx_vmwrite(VTX_TSC_OFFSET, 0);	/* the guest's TSC is the host's */
	if (!v->vpid)
		proc2 &= ~VTX_PROC2_ENABLE_VPID;
	vtx_vmwrite(VTX_SECONDARY_VM_EXEC_CONTROL, proc2);
	vtx_vmwrite(VTX_VM_EXIT_CONTROLS, c->ctl[VTX_WORD_EXIT]);
	vtx_vmwrite(VTX_VM_ENTRY_CONTROLS, c->ctl[VTX_WORD_ENTRY]);
	if (proc2 & VTX_PROC2_ENABLE_VPID)
		vtx_vmwrite(VTX_VIRTUAL_PROCESSOR_ID, v->vpid);
	vtx_vmwrite(VTX_EPT_POINTER, eptp);
	vtx_vmwrite(VTX_IO_BITMAP_A, page_to_phys(vtx_io_bitmaps));
	vtx_vmwrite(VTX_IO_BITMAP_B, page_to_phys(vtx_io_bitmaps) + PAGE_SIZE);
	vtx_vmwrite(VTX_MSR_BITMAP, page_to_phys(vtx_msr_bitmap));
	/*
	 * PAUSE-loop exiting (SDM 26.1.3): PAUSEs at most PLE_Gap TSC
	 * ticks apart make a loop, which exits once it has run PLE_Window
	 * ticks.  KVM's defaults (ple_gap, ple_window).
	 */
	if (proc2 & VTX_PROC2_PAUSE_LOOP_EXITING) {
		vtx_vmwrite(VTX_PLE_GAP, 128);
		vtx_vmwrite(VTX_PLE_WINDOW, 4096);
	}
	/*
	 * Machine checks belong to the host (SDM 25.6.3).  #DB and #AC
	 * exit too, always, as in KVM (vmx_update_exception_bitmap()): a
	 * guest can make their delivery raise them again, which the CPU
	 * repeats in microcode without ever reaching an instruction
	 * boundary where an interrupt or the VMX-preemption timer could
	 * end it (CVE-2015-8104, CVE-2015-5307): the CPU hangs.  Exiting
	 * on each, vtx regains control every time (vtx_handle_exception_nmi()).
	 * #UD is looked at for AMD's VMMCALL (exits.c:vtx_handle_ud()).
	 */
	vtx_vmwrite(VTX_EXCEPTION_BITMAP, (1u << MC_VECTOR) | (1u << DB_VECTOR) |
		    (1u << AC_VECTOR) | (1u << UD_VECTOR));
	vtx_vmwrite(VTX_CR3_TARGET_COUNT, 0);
	vtx_vmwrite(VTX_VM_EXIT_MSR_STORE_COUNT, 0);
	vtx_vmwrite(VTX_VM_EXIT_MSR_LOAD_COUNT, 0);
	vtx_vmwrite(VTX_VM_ENTRY_MSR_LOAD_COUNT, 0);
	vtx_vmwrite(VTX_VM_ENTRY_MSR_LOAD_ADDR, virt_to_phys(v->msr_autoload));
	vtx_vmwrite(VTX_VM_EXIT_MSR_LOAD_ADDR,
		    virt_to_phys(v->msr_autoload + VTX_MSR_AUTOLOAD_MAX));
	vtx_vmwrite(VTX_VM_ENTRY_INTR_INFO, 0);
	vtx_vmwrite(VTX_VMCS_LINK_POINTER, ~0ULL);
	/* The guest owns CR0.TS and CR0.MP; every other bit exits. */
	vtx_vmwrite(VTX_CR0_GUEST_HOST_MASK, ~(unsigned long)(X86_CR0_TS | X86_CR0_MP));
	vtx_vmwrite(VTX_CR4_GUEST_HOST_MASK, ~0UL);

	/* Host state that never changes for this vCPU (SDM 26.2.2-26.2.4). */
	vtx_vmwrite(VTX_HOST_CR0, read_cr0());
	vtx_vmwrite(VTX_HOST_CS_SELECTOR, __KERNEL_CS);
	vtx_vmwrite(VTX_HOST_SS_SELECTOR, __KERNEL_DS);
	vtx_vmwrite(VTX_HOST_DS_SELECTOR, 0);
	vtx_vmwrite(VTX_HOST_ES_SELECTOR, 0);
	vtx_vmwrite(VTX_HOST_FS_SELECTOR, 0);
	vtx_vmwrite(VTX_HOST_GS_SELECTOR, 0);
	vtx_vmwrite(VTX_HOST_TR_SELECTOR, GDT_ENTRY_TSS * 8);
	vtx_vmwrite(VTX_HOST_RIP, (unsigned long)vtx_vmexit);
	rdmsrl(MSR_IA32_SYSENTER_CS, msr);
	vtx_vmwrite(VTX_HOST_IA32_SYSENTER_CS, msr);
	rdmsrl(MSR_IA32_SYSENTER_EIP, msr);
	vtx_vmwrite(VTX_HOST_IA32_SYSENTER_EIP, msr);
	rdmsrl(MSR_EFER, msr);
	vtx_vmwrite(VTX_HOST_IA32_EFER, msr);
	if (c->ctl[VTX_WORD_EXIT] & VTX_EXIT_LOAD_PAT) {
		rdmsrl(MSR_IA32_CR_PAT, msr);
		vtx_vmwrite(VTX_HOST_IA32_PAT, msr);
	}
}

int vtx_vmx_vcpu_create(struct vtx_vmx_vcpu *v, u64 eptp)
{
	struct page *page;
	int r;

	v->cpu = -1;
	v->vpid = vtx_vpid_alloc();
	INIT_LIST_HEAD(&v->loaded_link);
	v->xsave = kzalloc(vtx_xsave_size, GFP_KERNEL_ACCOUNT);
	/* 256 bytes: kmalloc aligns a power of two to itself (SDM: 16). */
	v->msr_autoload = kcalloc(2 * VTX_MSR_AUTOLOAD_MAX,
				  sizeof(*v->msr_autoload), GFP_KERNEL_ACCOUNT);
	page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	if (!v->xsave || !v->msr_autoload || !page) {
		kfree(v->xsave);
		kfree(v->msr_autoload);
		v->xsave = NULL;
		v->msr_autoload = NULL;
		if (page)
			__free_page(page);
		vtx_vpid_free(v->vpid);
		return -ENOMEM;
	}
	/* The legacy area's FCW and MXCSR at their reset values (SDM Vol. 1
	 * 10.5.1); XRSTOR takes the rest from the init state.
	 */
	*(u16 *)v->xsave = 0x37f;
	*(u32 *)(v->xsave + 24) = 0x1f80;
	v->vmcs = page_address(page);
	v->vmcs_pa = page_to_phys(page);
	/* SDM 25.2: the revision identifier, bit 31 (shadow VMCS) clear. */
	*(u32 *)v->vmcs = cfg()->revision_id;

	preempt_disable();
	r = vtx_vmclear(v->vmcs_pa);
	if (!r)
		r = vtx_vcpu_load(v);
	if (!r) {
		vtx_vmcs_setup(v, eptp);
		vtx_vcpu_reset(v);
	}
	preempt_enable();
	vtx_vmx_account_vmcs(1);
	if (r) {
		vtx_vmx_vcpu_destroy(v);
		return r;
	}
	return 0;
}

void vtx_vmx_vcpu_destroy(struct vtx_vmx_vcpu *v)
{
	if (!v->vmcs)
		return;
	vtx_vmcs_clear(v);
	free_page((unsigned long)v->vmcs);
	vtx_vmx_account_vmcs(-1);
	kfree(v->xsave);
	kfree(v->msr_autoload);
	vtx_vpid_free(v->vpid);
	v->vmcs = NULL;
	v->xsave = NULL;
	v->msr_autoload = NULL;
	v->vpid = 0;
}

/* Host state a VM exit loses, saved before entry (see vtx_vmx_vcpu_run). */
struct vtx_host_state {
	u16 ds_sel, es_sel, fs_sel, gs_sel, ldt_sel;
	u64 fs_base, kernel_gs_base, debugctl;
	u64 star, lstar, cstar, sfmask, tsc_aux;
	struct desc_ptr idt;
};

static void vtx_switch_to_guest(struct vtx_vmx_vcpu *v,
				struct vtx_host_state *h)
{
	savesegment(ds, h->ds_sel);
	savesegment(es, h->es_sel);
	savesegment(fs, h->fs_sel);
	savesegment(gs, h->gs_sel);
	h->ldt_sel = 0;
	asm volatile("sldt %0" : "=g"(h->ldt_sel));
	store_idt(&h->idt);
	rdmsrl(MSR_FS_BASE, h->fs_base);
	rdmsrl(MSR_KERNEL_GS_BASE, h->kernel_gs_base);
	rdmsrl(MSR_IA32_DEBUGCTLMSR, h->debugctl);
	rdmsrl(MSR_STAR, h->star);
	rdmsrl(MSR_LSTAR, h->lstar);
	rdmsrl(MSR_CSTAR, h->cstar);
	rdmsrl(MSR_SYSCALL_MASK, h->sfmask);
	/* TSC_AUX is the host's CPU number, for getcpu() and RDTSCP. */
	if (vtx_has_rdtscp())
		rdmsrl(MSR_TSC_AUX, h->tsc_aux);
	/* VM entry checks host selectors have RPL = TI = 0 (SDM 26.2.3). */
	vtx_vmwrite(VTX_HOST_FS_SELECTOR, (h->fs_sel & 7) ? 0 : h->fs_sel);
	vtx_vmwrite(VTX_HOST_GS_SELECTOR, (h->gs_sel & 7) ? 0 : h->gs_sel);
	vtx_vmwrite(VTX_HOST_FS_BASE, h->fs_base);
	vtx_vmwrite(VTX_HOST_CR3, __read_cr3());

	wrmsrl(MSR_KERNEL_GS_BASE, v->kernel_gs_base);
	wrmsrl(MSR_STAR, v->star);
	wrmsrl(MSR_LSTAR, v->lstar);
	wrmsrl(MSR_CSTAR, v->cstar);
	wrmsrl(MSR_SYSCALL_MASK, v->sfmask);
	if (vtx_has_rdtscp())
		wrmsrl(MSR_TSC_AUX, v->tsc_aux);
}

/* Interrupts off, right after the exit: what the CPU left in host state. */
static void vtx_restore_host_irqoff(struct vtx_host_state *h)
{
	/* SDM 28.5.2: GDTR and IDTR limits become 0xffff, TR's 0x67. */
	load_fixmap_gdt(raw_smp_processor_id());
	load_idt(&h->idt);
	invalidate_tss_limit();
	/* SDM 28.5.3: LDTR is null after an exit. */
	if (h->ldt_sel)
		asm volatile("lldt %0" : : "rm"(h->ldt_sel));
	if (h->ds_sel | h->es_sel) {
		loadsegment(ds, h->ds_sel);
		loadsegment(es, h->es_sel);
	}
	if (h->fs_sel & 7) {
		loadsegment(fs, h->fs_sel);
		wrmsrl(MSR_FS_BASE, h->fs_base);
	}
	/*
	 * load_gs_index() loads the selector between two SWAPGS: the base
	 * it loads lands in IA32_KERNEL_GS_BASE, which holds the guest's
	 * value while the run loop has the guest's MSRs in (SWAPGS in the
	 * guest changes it without an exit).  Keep the guest's.
	 */
	if (h->gs_sel & 7) {
		u64 guest_kernel_gs_base;

		rdmsrl(MSR_KERNEL_GS_BASE, guest_kernel_gs_base);
		load_gs_index(h->gs_sel);
		wrmsrl(MSR_KERNEL_GS_BASE, guest_kernel_gs_base);
	}
	/* SDM 28.5.1: DR7 is 0x400 and IA32_DEBUGCTL 0 after an exit. */
	if (hw_breakpoint_active())
		hw_breakpoint_restore();
	if (h->debugctl)
		update_debugctlmsr(h->debugctl);
}

static void vtx_switch_to_host(struct vtx_vmx_vcpu *v,
			       struct vtx_host_state *h)
{
	rdmsrl(MSR_KERNEL_GS_BASE, v->kernel_gs_base);
	rdmsrl(MSR_STAR, v->star);
	rdmsrl(MSR_LSTAR, v->lstar);
	rdmsrl(MSR_CSTAR, v->cstar);
	rdmsrl(MSR_SYSCALL_MASK, v->sfmask);
	wrmsrl(MSR_KERNEL_GS_BASE, h->kernel_gs_base);
	wrmsrl(MSR_STAR, h->star);
	wrmsrl(MSR_LSTAR, h->lstar);
	wrmsrl(MSR_CSTAR, h->cstar);
	wrmsrl(MSR_SYSCALL_MASK, h->sfmask);
	if (vtx_has_rdtscp()) {
		rdmsrl(MSR_TSC_AUX, v->tsc_aux);
		wrmsrl(MSR_TSC_AUX, h->tsc_aux);
	}
}

bool vtx_xsave_enabled(void)
{
	return vtx_host_xcr0 != 0;
}

void vtx_cpuid_host(u32 leaf, u32 index, u32 r[4])
{
	cpuid_count(leaf, index, &r[0], &r[1], &r[2], &r[3]);
	vtx_cpuid_filter(leaf, index, vtx_xsave_enabled(), r);
}

/* Save the FPU state of the guest: XSAVE of every host component, or
 * FXSAVE without XSAVE (SDM Vol. 1 13.7, 10.5).
 */
static inline void vtx_fpu_save(void *area)
{
	u64 mask = vtx_host_xcr0 & VTX_XFEATURE_GUEST;

	if (mask)
		asm volatile("xsave64 %0" : "+m"(*(u8 (*)[4096])area)
			     : "a"((u32)mask), "d"((u32)(mask >> 32)) : "memory");
	else
		asm volatile("fxsave64 %0" : "+m"(*(u8 (*)[512])area) : : "memory");
}

static inline void vtx_fpu_restore(void *area)
{
	u64 mask = vtx_host_xcr0 & VTX_XFEATURE_GUEST;

	if (mask)
		asm volatile("xrstor64 %0" : : "m"(*(u8 (*)[4096])area),
			     "a"((u32)mask), "d"((u32)(mask >> 32)) : "memory");
	else
		asm volatile("fxrstor64 %0" : : "m"(*(u8 (*)[512])area) : "memory");
}

/*
 * HOST_CR4 is what the CPU loads at every VM exit (SDM 28.5.1), but CR4
 * changes under a running VMM: CR4.TSD with prctl(PR_SET_TSC) and at
 * context switch, CR4.PCE with perf's rdpmc setting.  A stale copy would
 * bring back the CR4 of the moment the vCPU arrived on this CPU (RDTSC
 * allowed again for a task that forbade it).  As KVM's vmx_vcpu_run():
 * compare the kernel's shadow before every entry; interrupts off.
 */
static void vtx_update_host_cr4(struct vtx_vmx_vcpu *v)
{
	unsigned long cr4 = cr4_read_shadow();

	if (unlikely(cr4 != v->host_cr4)) {
		vtx_vmwrite(VTX_HOST_CR4, cr4);
		v->host_cr4 = cr4;
	}
}

/*
 * A machine check that exited the guest (exception exit, vector 18) or
 * that came during VM entry (exit reason 41, SDM 27.8) was not delivered
 * to the host: hand it to the host's handler now, interrupts still off,
 * as KVM's kvm_machine_check() does (do_machine_check() with a frame
 * that says user mode: the guest is not the kernel, SDM 17.10 / Vol. 3B
 * 16.x "VMX and machine checks").
 */
static void vtx_handle_mce_irqoff(struct vtx_vmx_vcpu *v)
{
#ifdef CONFIG_X86_MCE
	u32 basic = v->exit_reason & VTX_EXIT_REASON_BASIC_MASK;

	if (basic == VTX_EXIT_MCE_DURING_VMENTRY ||
	    (basic == VTX_EXIT_EXCEPTION_NMI &&
	     vtx_exit_is_machine_check(vtx_vmread(VTX_VM_EXIT_INTR_INFO)))) {
		/* Made here, not on every exit: it is 168 bytes to zero. */
		struct pt_regs regs = {
			.cs = 3,	/* a fake ring 3, whatever the guest ran on */
			.flags = X86_EFLAGS_IF,
		};

		do_machine_check(&regs);
	}
#endif
}

/*
 * perf's counters across VM entry and exit.  For each MSR perf wants
 * different while the guest runs (IA32_PERF_GLOBAL_CTRL without the
 * counters of exclude_guest events and of PEBS events, whose records
 * would go to guest linear addresses; IA32_PEBS_ENABLE 0 on CPUs whose
 * PEBS is not isolated from VMX non-root operation), the CPU loads the
 * guest value at entry from one list and the host value at exit from the
 * other (SDM 26.4, 27.6), atomically with the switch, as kvm-intel's
 * atomic_switch_perf_msrs() (which puts IA32_PERF_GLOBAL_CTRL in the
 * dedicated VMCS fields where the CPU has them).  The guest has no PMU of
 * its own: perf gets no vPMU (NULL).  Interrupts off.
 */
static void vtx_switch_perf_msrs(struct vtx_vmx_vcpu *v)
{
	struct vtx_msr_entry *guest = v->msr_autoload;
	struct vtx_msr_entry *host = v->msr_autoload + VTX_MSR_AUTOLOAD_MAX;
	struct perf_guest_switch_msr *msrs;
	int nr, i;
	u32 n = 0;

	msrs = perf_guest_get_msrs(&nr, NULL);
	for (i = 0; msrs && i < nr; i++) {
		if (msrs[i].host == msrs[i].guest)
			continue;
		if (n == VTX_MSR_AUTOLOAD_MAX) {
			pr_warn_once("perf asks for more than %d MSRs switched at VM entry\n",
				     VTX_MSR_AUTOLOAD_MAX);
			break;
		}
		guest[n] = (struct vtx_msr_entry){ .index = msrs[i].msr,
						   .value = msrs[i].guest };
		host[n] = (struct vtx_msr_entry){ .index = msrs[i].msr,
						  .value = msrs[i].host };
		n++;
	}
	if (n != v->nr_msr_autoload) {
		vtx_vmwrite(VTX_VM_ENTRY_MSR_LOAD_COUNT, n);
		vtx_vmwrite(VTX_VM_EXIT_MSR_LOAD_COUNT, n);
		v->nr_msr_autoload = n;
	}
}

/*
 * An NMI that exited the guest is the host's (SDM 27.2.2): deliver it now,
 * before interrupts are on, through the host's own NMI entry.  With FRED
 * (Linux 6.9+, CONFIG_X86_FRED and a CPU with it) INT 2 is a #GP: the
 * kernel's FRED entry takes it instead, as kvm-intel's
 * vmx_handle_exit_irqoff() does.  Debian 12's 6.1 and 6.12 kernels are
 * built without FRED, so there it is always INT 2.
 */
static void vtx_forward_nmi(void)
{
#ifdef CONFIG_X86_FRED
	if (cpu_feature_enabled(X86_FEATURE_FRED)) {
		fred_entry_from_kvm(EVENT_TYPE_NMI, NMI_VECTOR);
		return;
	}
#endif
	asm volatile("int $2");
}

/*
 * One trip into the guest and back, with the guest's FPU and syscall MSRs
 * already in the CPU; preemption off.  Returns 0 after a VM exit
 * (v->exit_reason set), 1 if VM entry failed.
 */
static int vtx_vcpu_enter(struct vtx_vmx_vcpu *v, struct vtx_host_state *host)
{
	int failed;

	local_irq_disable();
	if (v->flush_tlb) {
		vtx_vpid_flush(v);
		v->flush_tlb = false;
	}
	/* The timer counts down from here each entry (no save on exit). */
	if (vtx_has_preemption_timer())
		vtx_vmwrite(VTX_VMX_PREEMPTION_TIMER_VALUE,
			    VTX_TIME_SLICE_TSC >> cfg()->preemption_timer_rate);
	if (vtx_host_xcr0 && v->xcr0 != vtx_host_xcr0)
		xsetbv(XCR_XFEATURE_ENABLED_MASK, v->xcr0);
	if (native_read_cr2() != v->cr2)
		native_write_cr2(v->cr2);
	vtx_update_host_cr4(v);
	vtx_switch_perf_msrs(v);

	trace_vtx_entry(v->id, v->launched);
	vtx_l1d_flush(v);	/* last: nothing may refill L1D after it */
	failed = vtx_vmenter(v->regs, v->launched);
	v->exit_tsc_start = rdtsc();
	v->nr_entries++;

	v->cr2 = native_read_cr2();
	if (vtx_host_xcr0 && v->xcr0 != vtx_host_xcr0)
		xsetbv(XCR_XFEATURE_ENABLED_MASK, vtx_host_xcr0);
	vtx_restore_host_irqoff(host);
	if (!failed) {
		v->exit_reason = vtx_vmread(VTX_VM_EXIT_REASON);
		/*
		 * SDM 27.8: an entry that fails on the guest state or the
		 * MSR-load area (exit reason bit 31) leaves the VMCS not
		 * launched, so the next entry must be VMLAUNCH again; as a
		 * VMfail does (26.1, 26.2: no state changed).
		 */
		if (!(v->exit_reason & VTX_EXIT_REASON_ENTRY_FAILURE))
			v->launched = true;
		vtx_handle_mce_irqoff(v);
		if ((v->exit_reason & 0xffff) == VTX_EXIT_EXCEPTION_NMI &&
		    vtx_exit_is_nmi(vtx_vmread(VTX_VM_EXIT_INTR_INFO)))
			vtx_forward_nmi();
	}
	local_irq_enable();
	return failed;
}

/* The handling cost of the exit just handled, by basic reason. */
static void vtx_account_exit(struct vtx_vmx_vcpu *v)
{
	u32 basic = v->exit_reason & VTX_EXIT_REASON_BASIC_MASK;

	u64 cost = rdtsc() - v->exit_tsc_start;

	if (basic < VTX_NR_EXIT_REASONS) {
		v->nr_exits[basic]++;
		v->exit_tsc[basic] += cost;
	}
	trace_vtx_exit(v->id, v->exit_reason, v->exit_qual, v->exit_rip, cost);
}

/*
 * Something outside the guest wants this CPU: the scheduler, a signal, or
 * softirqs, which kernel_fpu_begin() holds off (it disables bottom halves
 * on newer kernels) and which may be what wakes another task.
 */
static bool vtx_host_wants_cpu(void)
{
	return need_resched() || signal_pending(current) ||
	       local_softirq_pending();
}

/*
 * L1TF, "cond" mode: where the slow path leaves L1D.  Coming back into
 * the fast path is no reason to flush in itself: as kvm-intel, vtx
 * flushes after the scheduler ran another task here (6.1's
 * kvm_arch_sched_in(), 6.12's kvm_arch_vcpu_load() from kvm_sched_in(),
 * both on the preempt notifier), which this task's context-switch counts
 * tell (preemption is off from here to the entry), after user space
 * (vtx_vmx_vcpu_run()), after an interrupt (the CPU's flag) and after
 * vtx read or wrote guest memory for an exit (vmx/exits.c).  Not after
 * mapping guest RAM at an EPT violation, a first touch or a write to a
 * dirty-logged page (map_ram): like kvm-intel's kvm_mmu_page_fault(),
 * which sets no flag on 6.1 or 6.12, it pins the page and changes vtx's
 * EPT and dirty bitmap, indexed by the guest's address, and never reads
 * the guest's memory or anything the guest chose to put there.
 */
static void vtx_l1d_note_switches(struct vtx_vmx_vcpu *v)
{
	unsigned long switches = current->nvcsw + current->nivcsw;

	if (switches != v->l1d_switches) {
		v->l1d_switches = switches;
		v->l1d_flush_pending = true;
	}
}

/*
 * Run the loaded vCPU for as long as its exits are the kernel's own, the
 * fast path: the guest's FPU state and syscall MSRs go into the CPU once
 * and stay there across those exits (the host kernel uses neither; only
 * its return to user space and the next task do), as kvm-intel keeps
 * them until it leaves its run loop.  Preemption off.  Returns 1 when the
 * host wants the CPU back, VTX_EXIT_MAP_RAM when guest RAM must be mapped
 * first, 0 when user space must see the exit, < 0 on error.
 */
static int vtx_vcpu_run_loaded(struct vtx_vmx_vcpu *v)
{
	struct kvm_run *run = v->run;
	struct vtx_host_state host;
	int r;

	/* The task's FPU state is saved by kernel_fpu_begin() and comes
	 * back with kernel_fpu_end(); the guest's is in v->xsave between.
	 */
	kernel_fpu_begin();
	vtx_fpu_restore(v->xsave);
	vtx_switch_to_guest(v, &host);
	v->msrs_loaded = true;
	vtx_l1d_note_switches(v);

	do {
		vtx_events_prepare_entry(v);
		if (vtx_vcpu_enter(v, &host)) {
			run->exit_reason = KVM_EXIT_FAIL_ENTRY;
			run->fail_entry.hardware_entry_failure_reason =
				vtx_vmread(VTX_VM_INSTRUCTION_ERROR);
			run->fail_entry.cpu = smp_processor_id();
			r = 0;
			break;
		}
		/* 1: back into the guest; 0: to user space; < 0: error. */
		r = vtx_handle_exit(v);
		vtx_account_exit(v);
	} while (r == 1 && !vtx_host_wants_cpu());

	v->msrs_loaded = false;
	vtx_switch_to_host(v, &host);
	vtx_fpu_save(v->xsave);
	kernel_fpu_end();
	return r;
}

/*
 * A guest split lock on a host that detects them: the host's policy
 * decides, as for KVM (handle_exception_nmi(), AC_VECTOR): "warn" turns
 * detection off on this CPU for a moment (it may sleep, hence out here)
 * and the guest goes on; "fatal" sends SIGBUS to the VMM, which sees
 * KVM_EXIT_EXCEPTION first.  Returns 1 to go on, 0 for user space.
 */
static int vtx_vmx_handle_split_lock(struct vtx_vmx_vcpu *v)
{
	struct kvm_run *run = v->run;

	if (handle_guest_split_lock(v->split_lock_rip))
		return 1;
	run->exit_reason = KVM_EXIT_EXCEPTION;
	run->ex.exception = AC_VECTOR;
	run->ex.error_code = 0;
	return 0;
}

static int __vtx_vmx_vcpu_run(struct vtx_vmx_vcpu *v)
{
	struct kvm_run *run = v->run;
	int r;

	if (v->pending_skip || v->pio_in_pending || v->mmio_pending ||
	    v->pio_str.pending) {
		bool exit = false;

		preempt_disable();
		r = vtx_vcpu_load(v);
		if (!r)
			exit = vtx_exit_complete_pending(v);
		preempt_enable();
		if (r)
			return r;
		/* As KVM: even with immediate_exit, the write goes out. */
		if (exit) {
			v->nr_exits_to_user++;
			trace_vtx_exit_user(v->id, run->exit_reason);
			return 0;
		}
	}
	/*
	 * kvm_run.immediate_exit follows request_interrupt_window; Linux
	 * 6.12 renames it for kernel code (immediate_exit__unsafe), so it
	 * is read by position, the ABI's invariant.
	 */
	/* As KVM: -EINTR, exit_reason left as it was. */
	if (READ_ONCE(*(&run->request_interrupt_window + 1)))
		return -EINTR;

	for (;;) {
		if (signal_pending(current)) {
			run->exit_reason = KVM_EXIT_INTR;
			return -EINTR;
		}
		cond_resched();

		preempt_disable();
		r = vtx_vcpu_load(v);
		if (!r)
			r = vtx_vcpu_run_loaded(v);
		preempt_enable();
		if (r == VTX_EXIT_SPLIT_LOCK)
			r = vtx_vmx_handle_split_lock(v);
		/*
		 * A guest spinning for another vCPU: that vCPU's thread may
		 * be waiting for this very CPU (more vCPUs than CPUs, as in
		 * the test bed's PC), and without this the spin lasts a time
		 * slice.  Any other runnable task may go first; KVM aims
		 * its yield_to() at a vCPU thread of the same VM instead.
		 */
		if (r == VTX_EXIT_YIELD) {
			yield();
			continue;
		}
		/* EPT fault-in: pinning may sleep, so it happens out here. */
		if (r == VTX_EXIT_MAP_RAM) {
			r = v->map_ram(v, v->ram_fault_gpa);
			if (r)
				return r;
			continue;
		}
		if (r <= 0) {
			if (!r) {
				v->nr_exits_to_user++;
				trace_vtx_exit_user(v->id, run->exit_reason);
			}
			return r;
		}
	}
}

/*
 * KVM_RUN.  With a userspace irqchip, CR8 comes from kvm_run on the way
 * in, and kvm_run says what user space needs to inject interrupts on
 * every way out (api.rst), -EINTR included.
 */
int vtx_vmx_vcpu_run(struct vtx_vmx_vcpu *v)
{
	u64 cr8 = READ_ONCE(v->run->cr8);
	int r;

	if (cr8 > 15)
		return -EINVAL;
	v->cr8 = cr8;
	/* User space ran: flush L1D before the first entry (kvm-intel 6.1:
	 * vcpu_run(); 6.12: kvm_arch_vcpu_load() for the ioctl).
	 */
	v->l1d_flush_pending = true;
	r = __vtx_vmx_vcpu_run(v);
	preempt_disable();
	if (!vtx_vcpu_load(v))
		vtx_events_save_run(v);
	preempt_enable();
	return r;
}

int vtx_vmx_read_vmcs(struct vtx_vmx_vcpu *v, u64 *values,
		      unsigned long *failed)
{
	unsigned int i;
	int r;

	u64 insn_error = 0;

	preempt_disable();
	r = vtx_vcpu_load(v);
	/* A VMREAD of a field this CPU lacks fails with VMfailValid, which
	 * overwrites the VM-instruction error (SDM 31.4): keep the real one.
	 */
	if (!r)
		insn_error = vtx_vmread(VTX_VM_INSTRUCTION_ERROR);
	for (i = 0; !r && i < vtx_vmcs_nr_fields; i++) {
		if (vtx_vmcs_field_list[i] == VTX_VM_INSTRUCTION_ERROR)
			values[i] = insn_error;
		else if (vtx_vmread_checked(vtx_vmcs_field_list[i], &values[i]))
			__set_bit(i, failed);
	}
	preempt_enable();
	return r;
}

void vtx_vmx_get_regs(struct vtx_vmx_vcpu *v, struct kvm_regs *regs)
{
	preempt_disable();
	if (!vtx_vcpu_load(v)) {
		regs->rax = v->regs[VTX_REG_RAX];
		regs->rbx = v->regs[VTX_REG_RBX];
		regs->rcx = v->regs[VTX_REG_RCX];
		regs->rdx = v->regs[VTX_REG_RDX];
		regs->rsi = v->regs[VTX_REG_RSI];
		regs->rdi = v->regs[VTX_REG_RDI];
		regs->rbp = v->regs[VTX_REG_RBP];
		regs->r8 = v->regs[VTX_REG_R8];
		regs->r9 = v->regs[VTX_REG_R9];
		regs->r10 = v->regs[VTX_REG_R10];
		regs->r11 = v->regs[VTX_REG_R11];
		regs->r12 = v->regs[VTX_REG_R12];
		regs->r13 = v->regs[VTX_REG_R13];
		regs->r14 = v->regs[VTX_REG_R14];
		regs->r15 = v->regs[VTX_REG_R15];
		regs->rsp = vtx_vmread(VTX_GUEST_RSP);
		regs->rip = vtx_vmread(VTX_GUEST_RIP);
		regs->rflags = vtx_vmread(VTX_GUEST_RFLAGS);
	}
	preempt_enable();
}

int vtx_vmx_set_regs(struct vtx_vmx_vcpu *v, const struct kvm_regs *regs)
{
	int r;

	preempt_disable();
	r = vtx_vcpu_load(v);
	if (!r) {
		v->regs[VTX_REG_RAX] = regs->rax;
		v->regs[VTX_REG_RBX] = regs->rbx;
		v->regs[VTX_REG_RCX] = regs->rcx;
		v->regs[VTX_REG_RDX] = regs->rdx;
		v->regs[VTX_REG_RSI] = regs->rsi;
		v->regs[VTX_REG_RDI] = regs->rdi;
		v->regs[VTX_REG_RBP] = regs->rbp;
		v->regs[VTX_REG_R8] = regs->r8;
		v->regs[VTX_REG_R9] = regs->r9;
		v->regs[VTX_REG_R10] = regs->r10;
		v->regs[VTX_REG_R11] = regs->r11;
		v->regs[VTX_REG_R12] = regs->r12;
		v->regs[VTX_REG_R13] = regs->r13;
		v->regs[VTX_REG_R14] = regs->r14;
		v->regs[VTX_REG_R15] = regs->r15;
		vtx_vmwrite(VTX_GUEST_RSP, regs->rsp);
		/*
		 * A new RIP cancels what an earlier exit left to finish; the
		 * same RIP does not: QEMU writes the registers back inside
		 * its I/O handlers, and the I/O still completes, as on KVM.
		 */
		if (regs->rip != vtx_vmread(VTX_GUEST_RIP)) {
			v->pending_skip = 0;
			v->pio_in_pending = 0;
			v->mmio_pending = false;
			v->pio_str.pending = false;
		}
		vtx_vmwrite(VTX_GUEST_RIP, regs->rip);
		vtx_vmwrite(VTX_GUEST_RFLAGS,
			    vtx_rflags_from_user(regs->rflags));
	}
	preempt_enable();
	return r;
}

void vtx_vmx_get_sregs(struct vtx_vmx_vcpu *v, struct kvm_sregs *s)
{
	memset(s, 0, sizeof(*s));
	preempt_disable();
	if (!vtx_vcpu_load(v)) {
		vtx_read_seg(VTX_SEG_CS, &s->cs);
		vtx_read_seg(VTX_SEG_DS, &s->ds);
		vtx_read_seg(VTX_SEG_ES, &s->es);
		vtx_read_seg(VTX_SEG_FS, &s->fs);
		vtx_read_seg(VTX_SEG_GS, &s->gs);
		vtx_read_seg(VTX_SEG_SS, &s->ss);
		vtx_read_seg(VTX_SEG_TR, &s->tr);
		vtx_read_seg(VTX_SEG_LDTR, &s->ldt);
		s->gdt.base = vtx_vmread(VTX_GUEST_GDTR_BASE);
		s->gdt.limit = vtx_vmread(VTX_GUEST_GDTR_LIMIT);
		s->idt.base = vtx_vmread(VTX_GUEST_IDTR_BASE);
		s->idt.limit = vtx_vmread(VTX_GUEST_IDTR_LIMIT);
		s->cr0 = v->cr0;
		s->cr2 = v->cr2;
		s->cr3 = vtx_vmread(VTX_GUEST_CR3);
		s->cr4 = v->cr4;
		s->cr8 = v->cr8;
		s->efer = vtx_vmread(VTX_GUEST_IA32_EFER);
		s->apic_base = v->apic_base;
		/* A queued external interrupt, as KVM reports it here. */
		if (v->irq_queued)
			__set_bit(v->irq_vector,
				  (unsigned long *)s->interrupt_bitmap);
	}
	preempt_enable();
}

/*
 * KVM_SET_SREGS: checked first as kvm-intel checks it (lib/state.c), so
 * that a refused call changes nothing.
 */
int vtx_vmx_set_sregs(struct vtx_vmx_vcpu *v, const struct kvm_sregs *s)
{
	unsigned int vector;
	const struct vtx_sregs_state st = {
		.cr0 = s->cr0, .cr3 = s->cr3, .cr4 = s->cr4, .efer = s->efer,
		.apic_base = s->apic_base, .cs_l = s->cs.l,
	};
	int r;

	if (vtx_sregs_check(&st, vtx_vcpu_cr4_valid(v, s->cr4),
			    vtx_guest_maxphyaddr(v)))
		return -EINVAL;

	/* PAE paging loads the PDPTEs from guest RAM: map that page. */
	if ((s->cr0 & X86_CR0_PG) && (s->cr4 & X86_CR4_PAE) &&
	    !(s->efer & EFER_LME)) {
		r = v->map_ram(v, s->cr3 & PAGE_MASK);
		if (r)
			return r;
	}
	preempt_disable();
	r = vtx_vcpu_load(v);
	if (!r) {
		vtx_write_seg(VTX_SEG_CS, &s->cs);
		vtx_write_seg(VTX_SEG_DS, &s->ds);
		vtx_write_seg(VTX_SEG_ES, &s->es);
		vtx_write_seg(VTX_SEG_FS, &s->fs);
		vtx_write_seg(VTX_SEG_GS, &s->gs);
		vtx_write_seg(VTX_SEG_SS, &s->ss);
		vtx_write_seg(VTX_SEG_TR, &s->tr);
		vtx_write_seg(VTX_SEG_LDTR, &s->ldt);
		vtx_vmwrite(VTX_GUEST_GDTR_BASE, s->gdt.base);
		vtx_vmwrite(VTX_GUEST_GDTR_LIMIT, s->gdt.limit);
		vtx_vmwrite(VTX_GUEST_IDTR_BASE, s->idt.base);
		vtx_vmwrite(VTX_GUEST_IDTR_LIMIT, s->idt.limit);
		v->cr2 = s->cr2;
		/* kvm-intel ignores a CR8 above 15 here (kvm_set_cr8()'s
		 * error is dropped): the old value stays.
		 */
		if (s->cr8 <= 15)
			v->cr8 = s->cr8;
		v->flush_tlb = true;	/* CR3 may be another address space */
		v->apic_base = s->apic_base;
		vtx_vmwrite(VTX_GUEST_CR3, s->cr3);
		vtx_vmwrite(VTX_GUEST_IA32_EFER, s->efer);
		vtx_vcpu_set_cr4(v, s->cr4);
		vtx_vcpu_set_cr0(v, s->cr0);	/* last: sets the entry control */
		/*
		 * As kvm-intel (load_pdptrs() with its result ignored): PDPTEs
		 * that cannot be loaded leave the old ones in place, and the
		 * guest finds out (a triple fault, with none present).
		 */
		vtx_vcpu_load_pdptrs(v);
		/* KVM queues the lowest vector set here (QEMU sets one). */
		vector = find_first_bit((const unsigned long *)s->interrupt_bitmap,
					KVM_NR_INTERRUPTS);
		if (vector < KVM_NR_INTERRUPTS) {
			v->irq_queued = true;
			v->irq_vector = vector;
		}
	}
	preempt_enable();
	return r;
}

int vtx_vmx_get_msr(struct vtx_vmx_vcpu *v, u32 msr, u64 *val)
{
	int r;

	preempt_disable();
	r = vtx_vcpu_load(v);
	if (!r)
		r = vtx_msr_get(v, msr, val);
	preempt_enable();
	return r;
}

int vtx_vmx_set_msr(struct vtx_vmx_vcpu *v, u32 msr, u64 val)
{
	u64 efer;
	int r;

	preempt_disable();
	r = vtx_vcpu_load(v);
	/* EFER from user space: only reserved bits refused, LMA kept. */
	if (!r && msr == MSR_EFER) {
		r = vtx_efer_from_user(vtx_vmread(VTX_GUEST_IA32_EFER), val,
				       &efer);
		if (!r)
			vtx_vmwrite(VTX_GUEST_IA32_EFER, efer);
	} else if (!r) {
		r = vtx_msr_set(v, msr, val, true);
	}
	preempt_enable();
	return r;
}

/*
 * KVM_GET_FPU / KVM_SET_FPU through the FXSAVE image that starts both the
 * FXSAVE and the XSAVE area (SDM Vol. 1 Table 10-2).
 */
struct vtx_fxsave {
	u16 fcw, fsw;
	u8 ftw, reserved;
	u16 fop;
	u64 fip, fdp;
	u32 mxcsr, mxcsr_mask;
	u8 st[8][16];
	u8 xmm[16][16];
};

void vtx_vmx_get_fpu(struct vtx_vmx_vcpu *v, struct kvm_fpu *fpu)
{
	const struct vtx_fxsave *fx = v->xsave;

	BUILD_BUG_ON(sizeof(*fx) != 416);
	memset(fpu, 0, sizeof(*fpu));
	memcpy(fpu->fpr, fx->st, sizeof(fpu->fpr));
	fpu->fcw = fx->fcw;
	fpu->fsw = fx->fsw;
	fpu->ftwx = fx->ftw;
	fpu->last_opcode = fx->fop;
	fpu->last_ip = fx->fip;
	fpu->last_dp = fx->fdp;
	memcpy(fpu->xmm, fx->xmm, sizeof(fpu->xmm));
	fpu->mxcsr = fx->mxcsr;
}

int vtx_vmx_set_fpu(struct vtx_vmx_vcpu *v, const struct kvm_fpu *fpu)
{
	struct vtx_fxsave *fx = v->xsave;

	/* kvm-intel takes any MXCSR, and its next FPU restore then
	 * faults (a WARN in the host's log): vtx refuses it instead.
	 */
	if (!vtx_fpu_mxcsr_valid(fpu->mxcsr, 0xffff))
		return -EINVAL;
	memcpy(fx->st, fpu->fpr, sizeof(fx->st));
	fx->fcw = fpu->fcw;
	fx->fsw = fpu->fsw;
	fx->ftw = fpu->ftwx;
	fx->fop = fpu->last_opcode;
	fx->fip = fpu->last_ip;
	fx->fdp = fpu->last_dp;
	memcpy(fx->xmm, fpu->xmm, sizeof(fx->xmm));
	fx->mxcsr = fpu->mxcsr;
	/* XSAVE header: x87 and SSE are no longer in their init state. */
	if (vtx_host_xcr0)
		*(u64 *)(v->xsave + 512) |= XFEATURE_MASK_FP | XFEATURE_MASK_SSE;
	return 0;
}

/* KVM_GET_VCPU_EVENTS / KVM_SET_VCPU_EVENTS (vmx/events.c). */
void vtx_vmx_get_vcpu_events(struct vtx_vmx_vcpu *v, struct kvm_vcpu_events *e)
{
	memset(e, 0, sizeof(*e));
	preempt_disable();
	if (!vtx_vcpu_load(v))
		vtx_events_get(v, e);
	preempt_enable();
}

int vtx_vmx_set_vcpu_events(struct vtx_vmx_vcpu *v,
			    const struct kvm_vcpu_events *e)
{
	int r;

	preempt_disable();
	r = vtx_vcpu_load(v);
	if (!r)
		r = vtx_events_set(v, e);
	preempt_enable();
	return r;
}

/*
 * KVM_GET_XSAVE / KVM_SET_XSAVE: the guest's XSAVE area in the standard
 * (non-compacted) format, 4 KiB (SDM Vol. 1 13.4).  Without XSAVE in the
 * host kernel, the legacy FXSAVE region with x87 and SSE marked in use,
 * as KVM fills it.
 */
void vtx_vmx_get_xsave(struct vtx_vmx_vcpu *v, struct kvm_xsave *x)
{
	memset(x, 0, sizeof(*x));
	memcpy(x->region, v->xsave, min_t(unsigned int, vtx_xsave_size,
					  sizeof(x->region)));
	if (!vtx_host_xcr0)
		*(u64 *)((u8 *)x->region + 512) = XFEATURE_MASK_FPSSE;
}

int vtx_vmx_set_xsave(struct vtx_vmx_vcpu *v, const struct kvm_xsave *x)
{
	const u8 *area = (const u8 *)x->region;
	u64 xstate_bv = *(const u64 *)(area + 512);
	u64 allowed = (vtx_host_xcr0 & VTX_XFEATURE_GUEST) ?: XFEATURE_MASK_FPSSE;
	u32 mxcsr = *(const u32 *)(area + 24);
	unsigned int i;

	/* What XRSTOR would #GP on (SDM Vol. 1 13.8): unknown components,
	 * a compacted header, reserved header or MXCSR bits.
	 */
	if ((xstate_bv & ~allowed) || mxcsr & ~0xffffu)
		return -EINVAL;
	for (i = 520; i < 576; i++)
		if (area[i])
			return -EINVAL;
	memcpy(v->xsave, area, min_t(unsigned int, vtx_xsave_size,
				     sizeof(x->region)));
	if (!vtx_host_xcr0)	/* FXSAVE layout: no header after 512 */
		memset(v->xsave + 512, 0, vtx_xsave_size - 512);
	return 0;
}

/* KVM_GET_XCRS / KVM_SET_XCRS: XCR0 only, as on KVM. */
void vtx_vmx_get_xcrs(struct vtx_vmx_vcpu *v, struct kvm_xcrs *x)
{
	memset(x, 0, sizeof(*x));
	if (!vtx_xsave_enabled())
		return;
	x->nr_xcrs = 1;
	x->xcrs[0].xcr = XCR_XFEATURE_ENABLED_MASK;
	x->xcrs[0].value = v->xcr0;
}

int vtx_vmx_set_xcrs(struct vtx_vmx_vcpu *v, const struct kvm_xcrs *x)
{
	u64 xcr0;
	u32 i;

	if (!vtx_xsave_enabled())
		return -EINVAL;
	if (x->nr_xcrs > KVM_MAX_XCRS || x->flags)
		return -EINVAL;
	for (i = 0; i < x->nr_xcrs; i++) {
		if (x->xcrs[i].xcr != XCR_XFEATURE_ENABLED_MASK)
			return -EINVAL;
		xcr0 = x->xcrs[i].value;
		/* The guest's own XSETBV rules (SDM Vol. 1 13.3). */
		if (!vtx_xcr0_valid(0, xcr0, vtx_vcpu_xcr0_supported(v)))
			return -EINVAL;
	}
	for (i = 0; i < x->nr_xcrs; i++)
		v->xcr0 = x->xcrs[i].value;
	return 0;
}

/* KVM_GET_DEBUGREGS / KVM_SET_DEBUGREGS: vtx's shadows (MOV DR exits). */
void vtx_vmx_get_debugregs(struct vtx_vmx_vcpu *v, struct kvm_debugregs *d)
{
	memset(d, 0, sizeof(*d));
	memcpy(d->db, v->dr, sizeof(d->db));
	d->dr6 = v->dr6;
	d->dr7 = v->dr7;
}

int vtx_vmx_set_debugregs(struct vtx_vmx_vcpu *v,
			  const struct kvm_debugregs *d)
{
	/* KVM: no flags, DR6 and DR7 are 32 bits wide. */
	if (d->flags || d->dr6 >> 32 || d->dr7 >> 32)
		return -EINVAL;
	memcpy(v->dr, d->db, sizeof(v->dr));
	v->dr6 = d->dr6 | DR6_RESERVED;
	v->dr7 = (d->dr7 & ~0x2000ULL) | VTX_DR7_FIXED_1;
	return 0;
}
