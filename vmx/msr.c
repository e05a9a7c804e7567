// SPDX-License-Identifier: GPL-2.0
/*
 * The MSRs a guest of vtx has: one table, vtx_msrs[], with each MSR (or
 * range of MSRs) by its SDM name, how it is read and written, and the
 * CPUID bit that offers it to a guest.  RDMSR/WRMSR exits (exits.c),
 * KVM_GET_MSRS/KVM_SET_MSRS and KVM_GET_MSR_INDEX_LIST all go through it.
 * Every MSR not in the table is #GP for the guest and an error for user
 * space (the MSR bitmap makes every access exit: nothing reaches the CPU).
 *
 * A write by user space (@host) may set what the guest may not: read-only
 * MSRs (MCG_CAP), machine-check status, the TSC without TSC_ADJUST, as
 * KVM's host_initiated writes may (arch/x86/kvm/x86.c kvm_set_msr_common).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/nospec.h>
#include <linux/math64.h>
#include <linux/ktime.h>
#include <linux/timekeeping.h>
#include <asm/tsc.h>
#include <asm/msr.h>
#include <asm/msr-index.h>
#include <asm/mce.h>

#include "vmx.h"
#include "exits.h"
#include "vmx_ops.h"
#include "lib/vmcs_fields.h"

/* KVM's paravirtual clock MSRs (Documentation/virt/kvm/x86/msr.rst). */
#define VTX_MSR_KVM_WALL_CLOCK		0x11
#define VTX_MSR_KVM_SYSTEM_TIME		0x12

struct vtx_msr {
	u32 index, count;	/* the first MSR, and how many in the range */
	const char *name;	/* the SDM's (Vol. 4) */
	const char *cpuid;	/* what offers it to the guest */
	int (*get)(struct vtx_vmx_vcpu *v, u32 msr, u64 *val);
	int (*set)(struct vtx_vmx_vcpu *v, u32 msr, u64 val, bool host);
};

static bool vtx_canonical(u64 addr)
{
	return (u64)(((s64)addr << 16) >> 16) == addr;
}

/*
 * The guest's syscall MSRs and TSC_AUX live in the CPU while the run
 * loop is in the guest's state (vtx_vcpu_run_loaded()), else in @v.
 */
static bool vtx_msr_is_live(struct vtx_vmx_vcpu *v, u32 msr)
{
	return v->msrs_loaded && (msr != MSR_TSC_AUX || vtx_has_rdtscp());
}

/* Where the saved copy of a switched MSR lives in @v. */
static u64 *vtx_switched_msr(struct vtx_vmx_vcpu *v, u32 msr)
{
	switch (msr) {
	case MSR_STAR:		return &v->star;
	case MSR_LSTAR:		return &v->lstar;
	case MSR_CSTAR:		return &v->cstar;
	case MSR_SYSCALL_MASK:	return &v->sfmask;
	case MSR_KERNEL_GS_BASE: return &v->kernel_gs_base;
	default:		return &v->tsc_aux;
	}
}

static int vtx_get_switched(struct vtx_vmx_vcpu *v, u32 msr, u64 *val)
{
	if (vtx_msr_is_live(v, msr))
		rdmsrl(msr, *val);
	else
		*val = *vtx_switched_msr(v, msr);
	return 0;
}

static int vtx_set_switched(struct vtx_vmx_vcpu *v, u32 msr, u64 val, bool host)
{
	if ((msr == MSR_LSTAR || msr == MSR_CSTAR || msr == MSR_KERNEL_GS_BASE) &&
	    !vtx_canonical(val))
		return -EINVAL;
	if (msr == MSR_SYSCALL_MASK)
		val = (u32)val;
	if (msr == MSR_TSC_AUX && val >> 32)
		return -EINVAL;
	*vtx_switched_msr(v, msr) = val;
	if (vtx_msr_is_live(v, msr))
		wrmsrl(msr, val);
	return 0;
}

/* MSRs the VMCS holds (SDM 25.4.1), by field. */
static unsigned long vtx_vmcs_msr_field(u32 msr)
{
	switch (msr) {
	case MSR_FS_BASE:		return VTX_GUEST_FS_BASE;
	case MSR_GS_BASE:		return VTX_GUEST_GS_BASE;
	case MSR_IA32_SYSENTER_CS:	return VTX_GUEST_SYSENTER_CS;
	case MSR_IA32_SYSENTER_ESP:	return VTX_GUEST_SYSENTER_ESP;
	case MSR_IA32_SYSENTER_EIP:	return VTX_GUEST_SYSENTER_EIP;
	default:			return VTX_GUEST_IA32_PAT;
	}
}

static int vtx_get_vmcs_msr(struct vtx_vmx_vcpu *v, u32 msr, u64 *val)
{
	*val = vtx_vmread(vtx_vmcs_msr_field(msr));
	return 0;
}

static bool vtx_pat_valid(u64 pat)
{
	int i;

	/* Memory types 2 and 3 are reserved, 8 and up do not exist. */
	for (i = 0; i < 8; i++, pat >>= 8)
		if ((pat & 0xff) > 7 || (pat & 0xff) == 2 || (pat & 0xff) == 3)
			return false;
	return true;
}

static int vtx_set_vmcs_msr(struct vtx_vmx_vcpu *v, u32 msr, u64 val, bool host)
{
	if ((msr == MSR_FS_BASE || msr == MSR_GS_BASE ||
	     msr == MSR_IA32_SYSENTER_ESP || msr == MSR_IA32_SYSENTER_EIP) &&
	    !vtx_canonical(val))
		return -EINVAL;
	if (msr == MSR_IA32_CR_PAT && !vtx_pat_valid(val))
		return -EINVAL;
	if (msr == MSR_IA32_SYSENTER_CS)
		val = (u32)val;
	vtx_vmwrite(vtx_vmcs_msr_field(msr), val);
	return 0;
}

static int vtx_get_efer(struct vtx_vmx_vcpu *v, u32 msr, u64 *val)
{
	*val = vtx_vmread(VTX_GUEST_IA32_EFER);
	return 0;
}

static int vtx_set_efer(struct vtx_vmx_vcpu *v, u32 msr, u64 val, bool host)
{
	/* LME cannot change while paging is on; LMA is the CPU's. */
	if (val & ~(u64)(EFER_SCE | EFER_LME | EFER_LMA | EFER_NX) ||
	    ((v->cr0 & X86_CR0_PG) &&
	     ((val ^ vtx_vmread(VTX_GUEST_IA32_EFER)) & EFER_LME)))
		return -EINVAL;
	vtx_vmwrite(VTX_GUEST_IA32_EFER, val);
	vtx_vcpu_set_cr0(v, v->cr0);	/* recomputes LMA */
	return 0;
}

/*
 * The guest's TSC is the host's plus the VMCS's TSC offset (SDM 26.6.5:
 * "use TSC offsetting"; RDTSC does not exit).  Writing IA32_TSC moves the
 * offset; a guest's write also moves IA32_TSC_ADJUST by the same amount
 * (SDM Vol. 3B 18.17.3), a write by user space does not (KVM's rule).
 */
static int vtx_get_tsc(struct vtx_vmx_vcpu *v, u32 msr, u64 *val)
{
	*val = rdtsc() + vtx_vmread(VTX_TSC_OFFSET);
	return 0;
}

static int vtx_set_tsc(struct vtx_vmx_vcpu *v, u32 msr, u64 val, bool host)
{
	struct vtx_tsc_sync *sync = v->tsc_sync;
	u64 offset = val - rdtsc();

	if (!host) {
		v->tsc_adjust += offset - vtx_vmread(VTX_TSC_OFFSET);
	} else if (sync) {
		u64 ns = ktime_get_boottime_ns(), hz = tsc_khz * 1000ULL, expect;
		unsigned long flags;

		/*
		 * KVM's rule: a write of 0, or of what the last write's TSC
		 * has become give or take a second, is user space lining the
		 * vCPUs up: it gets the last write's offset, so that every
		 * vCPU reads one TSC (Linux's TSC sync check would call it
		 * unstable otherwise).  The host's TSC is taken as constant.
		 */
		raw_spin_lock_irqsave(&sync->lock, flags);
		expect = sync->last_write +
			 mul_u64_u32_div(ns - sync->last_ns, tsc_khz, 1000000);
		if (sync->valid && (!val || (val < expect + hz && val + hz > expect)))
			offset = sync->offset;
		sync->valid = true;
		sync->last_write = val;
		sync->last_ns = ns;
		sync->offset = offset;
		raw_spin_unlock_irqrestore(&sync->lock, flags);
	}
	vtx_vmwrite(VTX_TSC_OFFSET, offset);
	return 0;
}

static int vtx_get_tsc_adjust(struct vtx_vmx_vcpu *v, u32 msr, u64 *val)
{
	*val = v->tsc_adjust;
	return 0;
}

static int vtx_set_tsc_adjust(struct vtx_vmx_vcpu *v, u32 msr, u64 val, bool host)
{
	if (!host)
		vtx_vmwrite(VTX_TSC_OFFSET, vtx_vmread(VTX_TSC_OFFSET) +
			    (val - v->tsc_adjust));
	v->tsc_adjust = val;
	return 0;
}

/* Plain values the guest reads back, kept in @v. */
static u64 *vtx_kept_msr(struct vtx_vmx_vcpu *v, u32 msr)
{
	switch (msr) {
	case MSR_IA32_APICBASE:		return &v->apic_base;
	case MSR_IA32_MISC_ENABLE:	return &v->misc_enable;
	case MSR_IA32_FEAT_CTL:		return &v->feature_control;
	case VTX_MSR_KVM_WALL_CLOCK:	return &v->kvm_wall_clock;
	default:			return &v->kvm_system_time;
	}
}

static int vtx_get_kept(struct vtx_vmx_vcpu *v, u32 msr, u64 *val)
{
	*val = *vtx_kept_msr(v, msr);
	return 0;
}

static int vtx_set_kept(struct vtx_vmx_vcpu *v, u32 msr, u64 val, bool host)
{
	/*
	 * VMX and SMX are hidden, so FEATURE_CONTROL has only its lock bit;
	 * once locked, only user space may write it (SDM Vol. 4 Table 2-2).
	 */
	if (msr == MSR_IA32_FEAT_CTL &&
	    ((val & ~FEAT_CTL_LOCKED) ||
	     (!host && (v->feature_control & FEAT_CTL_LOCKED))))
		return -EINVAL;
	*vtx_kept_msr(v, msr) = val;
	return 0;
}

/*
 * IA32_BIOS_SIGN_ID, the microcode revision (SDM Vol. 3A 10.11.7): Linux
 * writes 0, runs CPUID and reads it back.  As on KVM, the guest's write
 * loads no microcode and changes nothing; user space sets the revision
 * the guest reads (KVM's default: 0x100000000).
 */
static int vtx_get_ucode_rev(struct vtx_vmx_vcpu *v, u32 msr, u64 *val)
{
	*val = v->microcode_version;
	return 0;
}

static int vtx_set_ucode_rev(struct vtx_vmx_vcpu *v, u32 msr, u64 val, bool host)
{
	if (host)
		v->microcode_version = val;
	return 0;
}

/*
 * MTRRs (SDM Vol. 3A 12.11): kept, and read back, as KVM keeps them.  They
 * do not change the EPT memory type: vtx maps guest RAM write-back and
 * ignores the guest's PAT and MTRRs (IPAT), as KVM does without
 * non-coherent DMA.  Eight variable ranges, fixed ranges, WC.
 */
#define VTX_MTRR_NR_VAR		8
#define VTX_MTRR_CAP		(0x500 | VTX_MTRR_NR_VAR)

static bool vtx_mtrr_type_valid(u64 t)
{
	return t < 8 && ((1u << t) & 0x73);	/* UC WC WT WP WB */
}

static u64 *vtx_mtrr_slot(struct vtx_vmx_vcpu *v, u32 msr)
{
	static const u32 fixed[11] = {
		0x250, 0x258, 0x259, 0x268, 0x269, 0x26a, 0x26b, 0x26c,
		0x26d, 0x26e, 0x26f,
	};
	unsigned int i;

	if (msr == MSR_MTRRdefType)
		return &v->mtrr_def_type;
	if (msr >= 0x200 && msr < 0x200 + 2 * VTX_MTRR_NR_VAR)
		return &v->mtrr_var[array_index_nospec(msr - 0x200,
						       2 * VTX_MTRR_NR_VAR)];
	for (i = 0; i < ARRAY_SIZE(fixed); i++)
		if (msr == fixed[i])
			return &v->mtrr_fixed[i];
	return NULL;
}

static int vtx_get_mtrr(struct vtx_vmx_vcpu *v, u32 msr, u64 *val)
{
	u64 *slot = vtx_mtrr_slot(v, msr);

	if (msr == MSR_MTRRcap) {
		*val = VTX_MTRR_CAP;
		return 0;
	}
	if (!slot)
		return -EINVAL;
	*val = *slot;
	return 0;
}

static int vtx_set_mtrr(struct vtx_vmx_vcpu *v, u32 msr, u64 val, bool host)
{
	u64 *slot = vtx_mtrr_slot(v, msr);
	u64 phys_mask = GENMASK_ULL(boot_cpu_data.x86_phys_bits - 1, 12);
	int i;

	/*
	 * MTRRcap is read-only; being in KVM_GET_MSR_INDEX_LIST, it takes
	 * its own value back from user space (a VMM restoring every listed
	 * MSR), nothing else.  KVM does not list it.
	 */
	if (msr == MSR_MTRRcap)
		return host && val == VTX_MTRR_CAP ? 0 : -EINVAL;
	if (!slot)	/* gaps in the ranges */
		return -EINVAL;
	if (msr == MSR_MTRRdefType) {
		if ((val & ~0xcffULL) || !vtx_mtrr_type_valid(val & 0xff))
			return -EINVAL;
	} else if (msr >= 0x200 && msr < 0x200 + 2 * VTX_MTRR_NR_VAR) {
		if (!(msr & 1) && (!vtx_mtrr_type_valid(val & 0xff) ||
				   (val & ~(phys_mask | 0xff))))
			return -EINVAL;	/* PHYSBASE: type, base */
		if ((msr & 1) && (val & ~(phys_mask | 0x800)))
			return -EINVAL;	/* PHYSMASK: mask, valid */
	} else {
		for (i = 0; i < 64; i += 8)
			if (!vtx_mtrr_type_valid((val >> i) & 0xff))
				return -EINVAL;
	}
	*slot = val;
	return 0;
}

/*
 * Machine-check architecture (SDM Vol. 3B 16.3): the registers exist and
 * keep what is written, as on KVM; no machine check is ever raised in
 * the guest by vtx.  MCG_CAP is set by user space (KVM_X86_SETUP_MCE or
 * KVM_SET_MSRS); each bank is CTL, STATUS, ADDR, MISC.
 */
static int vtx_get_mce(struct vtx_vmx_vcpu *v, u32 msr, u64 *val)
{
	u32 banks = v->mcg_cap & 0xff;

	switch (msr) {
	case MSR_IA32_MCG_CAP:
		*val = v->mcg_cap;
		return 0;
	case MSR_IA32_MCG_STATUS:
		*val = v->mcg_status;
		return 0;
	case MSR_IA32_MCG_CTL:
		if (!(v->mcg_cap & MCG_CTL_P))
			return -EINVAL;
		*val = v->mcg_ctl;
		return 0;
	}
	if (msr - MSR_IA32_MC0_CTL >= 4 * banks)
		return -EINVAL;
	*val = v->mce_banks[array_index_nospec(msr - MSR_IA32_MC0_CTL,
					       4 * banks)];
	return 0;
}

static int vtx_set_mce(struct vtx_vmx_vcpu *v, u32 msr, u64 val, bool host)
{
	u32 banks = v->mcg_cap & 0xff, i;

	switch (msr) {
	case MSR_IA32_MCG_CAP:
		return host ? vtx_vmx_setup_mce(v, val) : -EINVAL;
	case MSR_IA32_MCG_STATUS:
		v->mcg_status = val;
		return 0;
	case MSR_IA32_MCG_CTL:
		if (!(v->mcg_cap & MCG_CTL_P) || (val && ~val))
			return -EINVAL;
		v->mcg_ctl = val;
		return 0;
	}
	if (msr - MSR_IA32_MC0_CTL >= 4 * banks)
		return -EINVAL;
	i = array_index_nospec(msr - MSR_IA32_MC0_CTL, 4 * banks);
	/* MCi_CTL: 0 or all ones (bit 10 and bit 0 may be clear, as KVM
	 * lets old guests do); MCi_STATUS: only user space sets an error.
	 */
	if ((i & 3) == 0 && val && (val | BIT_ULL(10) | 1) != ~0ULL)
		return -EINVAL;
	if ((i & 3) == 1 && val && !host)
		return -EINVAL;
	v->mce_banks[i] = val;
	return 0;
}

static const struct vtx_msr vtx_msrs[] = {
	{ VTX_MSR_KVM_WALL_CLOCK, 1, "MSR_KVM_WALL_CLOCK",
	  "KVM leaf 0x40000001 EAX[0] (never offered: kept, no clock)",
	  vtx_get_kept, vtx_set_kept },
	{ VTX_MSR_KVM_SYSTEM_TIME, 1, "MSR_KVM_SYSTEM_TIME",
	  "KVM leaf 0x40000001 EAX[0] (never offered: kept, no clock)",
	  vtx_get_kept, vtx_set_kept },
	{ MSR_IA32_TSC, 1, "IA32_TIME_STAMP_COUNTER", "1.EDX.TSC[4]",
	  vtx_get_tsc, vtx_set_tsc },
	{ MSR_IA32_FEAT_CTL, 1, "IA32_FEATURE_CONTROL", "1.ECX.VMX[5] (hidden)",
	  vtx_get_kept, vtx_set_kept },
	{ MSR_IA32_UCODE_REV, 1, "IA32_BIOS_SIGN_ID", "(always, family 6)",
	  vtx_get_ucode_rev, vtx_set_ucode_rev },
	{ MSR_IA32_TSC_ADJUST, 1, "IA32_TSC_ADJUST", "7.0.EBX.TSC_ADJUST[1]",
	  vtx_get_tsc_adjust, vtx_set_tsc_adjust },
	{ MSR_IA32_APICBASE, 1, "IA32_APIC_BASE", "1.EDX.APIC[9]",
	  vtx_get_kept, vtx_set_kept },
	{ MSR_MTRRcap, 1, "IA32_MTRRCAP", "1.EDX.MTRR[12]",
	  vtx_get_mtrr, vtx_set_mtrr },
	{ MSR_IA32_SYSENTER_CS, 3, "IA32_SYSENTER_CS/ESP/EIP", "1.EDX.SEP[11]",
	  vtx_get_vmcs_msr, vtx_set_vmcs_msr },
	{ MSR_IA32_MCG_CAP, 3, "IA32_MCG_CAP/STATUS/CTL", "1.EDX.MCA[14]",
	  vtx_get_mce, vtx_set_mce },
	{ MSR_IA32_MISC_ENABLE, 1, "IA32_MISC_ENABLE", "(always)",
	  vtx_get_kept, vtx_set_kept },
	{ 0x200, 2 * VTX_MTRR_NR_VAR, "IA32_MTRR_PHYSBASE0..PHYSMASK7",
	  "1.EDX.MTRR[12]", vtx_get_mtrr, vtx_set_mtrr },
	{ MSR_MTRRfix64K_00000, 1, "IA32_MTRR_FIX64K_00000", "1.EDX.MTRR[12]",
	  vtx_get_mtrr, vtx_set_mtrr },
	{ MSR_MTRRfix16K_80000, 2, "IA32_MTRR_FIX16K_*", "1.EDX.MTRR[12]",
	  vtx_get_mtrr, vtx_set_mtrr },
	{ MSR_MTRRfix4K_C0000, 8, "IA32_MTRR_FIX4K_*", "1.EDX.MTRR[12]",
	  vtx_get_mtrr, vtx_set_mtrr },
	{ MSR_IA32_CR_PAT, 1, "IA32_PAT", "1.EDX.PAT[16]",
	  vtx_get_vmcs_msr, vtx_set_vmcs_msr },
	{ MSR_MTRRdefType, 1, "IA32_MTRR_DEF_TYPE", "1.EDX.MTRR[12]",
	  vtx_get_mtrr, vtx_set_mtrr },
	{ MSR_IA32_MC0_CTL, 4 * VTX_MCE_BANKS, "IA32_MC0_CTL..MC31_MISC",
	  "1.EDX.MCA[14]", vtx_get_mce, vtx_set_mce },
	{ MSR_EFER, 1, "IA32_EFER", "0x80000001.EDX.LM[29]/NX[20]/SYSCALL[11]",
	  vtx_get_efer, vtx_set_efer },
	{ MSR_STAR, 4, "IA32_STAR/LSTAR/CSTAR/FMASK", "0x80000001.EDX.SYSCALL[11]",
	  vtx_get_switched, vtx_set_switched },
	{ MSR_FS_BASE, 2, "IA32_FS_BASE/GS_BASE", "0x80000001.EDX.LM[29]",
	  vtx_get_vmcs_msr, vtx_set_vmcs_msr },
	{ MSR_KERNEL_GS_BASE, 1, "IA32_KERNEL_GS_BASE", "0x80000001.EDX.LM[29]",
	  vtx_get_switched, vtx_set_switched },
	{ MSR_TSC_AUX, 1, "IA32_TSC_AUX", "0x80000001.EDX.RDTSCP[27]",
	  vtx_get_switched, vtx_set_switched },
};

static const struct vtx_msr *vtx_find_msr(u32 msr)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(vtx_msrs); i++)
		if (msr - vtx_msrs[i].index < vtx_msrs[i].count)
			return &vtx_msrs[i];
	return NULL;
}

/* The VMCS is loaded; 0 or -EINVAL (the guest gets #GP). */
int vtx_msr_get(struct vtx_vmx_vcpu *v, u32 msr, u64 *val)
{
	const struct vtx_msr *m = vtx_find_msr(msr);

	return m ? m->get(v, msr, val) : -EINVAL;
}

int vtx_msr_set(struct vtx_vmx_vcpu *v, u32 msr, u64 val, bool host)
{
	const struct vtx_msr *m = vtx_find_msr(msr);

	return m ? m->set(v, msr, val, host) : -EINVAL;
}

/* KVM_GET_MSR_INDEX_LIST: every MSR of the table, ranges spelt out. */
unsigned int vtx_msr_index_list(u32 *out, unsigned int max)
{
	unsigned int i, j, n = 0;

	for (i = 0; i < ARRAY_SIZE(vtx_msrs); i++)
		for (j = 0; j < vtx_msrs[i].count; j++, n++)
			if (out && n < max)
				out[n] = vtx_msrs[i].index + j;
	return n;
}

/* KVM_X86_SETUP_MCE, as KVM checks it: 1..32 banks, known bits only. */
int vtx_vmx_setup_mce(struct vtx_vmx_vcpu *v, u64 mcg_cap)
{
	u32 banks = mcg_cap & 0xff, i;

	if (!banks || banks > VTX_MCE_BANKS ||
	    (mcg_cap & ~(VTX_MCE_CAP_SUPPORTED | 0xff | 0xff0000)))
		return -EINVAL;
	v->mcg_cap = mcg_cap;
	if (mcg_cap & MCG_CTL_P)
		v->mcg_ctl = ~0ULL;
	for (i = 0; i < banks; i++)
		v->mce_banks[i * 4] = ~0ULL;
	return 0;
}

/* The state a new vCPU's MSRs start in, as KVM's vCPU reset. */
void vtx_msr_reset(struct vtx_vmx_vcpu *v)
{
	v->misc_enable = MSR_IA32_MISC_ENABLE_PEBS_UNAVAIL |
			 MSR_IA32_MISC_ENABLE_BTS_UNAVAIL;
	v->mcg_cap = VTX_MCE_BANKS;
	v->microcode_version = 0x100000000ULL;
}
