/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VMX capabilities: from the raw capability MSRs to the one snapshot of
 * controls that every vCPU of vtx will use (struct vtx_vmcs_config), plus
 * the rules for IA32_FEATURE_CONTROL and the CR0/CR4 fixed bits.
 *
 * Pure logic: the kernel reads the MSRs and hands the values in, the unit
 * tests hand in values seen on real and emulated CPUs.
 */
#ifndef _VTX_VMX_CAPS_H
#define _VTX_VMX_CAPS_H

#include <vtx/types.h>
#include "arch.h"

/* The control words, in the order of the tables in arch.h. */
enum vtx_control_word {
	VTX_WORD_PIN,
	VTX_WORD_PROC,
	VTX_WORD_PROC2,
	VTX_WORD_EXIT,
	VTX_WORD_ENTRY,
	VTX_WORD_EPT_VPID_CAP,
	VTX_NR_WORDS
};

/*
 * The capability MSRs as read, on one CPU.  A field whose MSR does not
 * exist on this CPU (per SDM Appendix A) is 0: the TRUE_* controls unless
 * BASIC[55], PROCBASED2 unless "activate secondary controls" may be 1,
 * EPT_VPID_CAP unless "enable EPT" or "enable VPID" may be 1.
 */
struct vtx_vmx_msrs {
	u64 basic;
	u64 pinbased, procbased, exit, entry;
	u64 true_pinbased, true_procbased, true_exit, true_entry;
	u64 procbased2;
	u64 misc;
	u64 cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
	u64 ept_vpid_cap;
};

/* What vtx asks of the CPU beyond its fixed requirements. */
struct vtx_vmx_wishes {
	bool vpid;		/* tag guest TLB entries with a VPID */
};

/*
 * The controls vtx programs into every VMCS, decided once at load.
 * Bits that the run loop flips per vCPU (e.g. "IA-32e mode guest") are
 * checked to be allowed but left clear here.
 */
struct vtx_vmcs_config {
	u32 revision_id;
	u32 vmcs_size;
	bool true_controls;
	bool inout_info;		/* IA32_VMX_BASIC[54] */
	u8 preemption_timer_rate;	/* IA32_VMX_MISC[4:0] */
	bool nmi_window;		/* virtual NMIs and NMI-window exiting */
	u32 ctl[VTX_NR_WORDS - 1];	/* indexed by enum vtx_control_word */
	u64 ept_vpid_cap;
	u64 cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
};

/**
 * vtx_adjust_controls() - fit a wanted control word to a capability MSR
 * @cap:	IA32_VMX_*_CTLS value: bits 31:0 are the allowed-0 settings
 *		(1 = the bit must be 1), bits 63:32 the allowed-1 settings
 *		(0 = the bit must be 0), SDM A.3.
 * @required:	bits vtx cannot work without
 * @optional:	bits vtx uses when the CPU allows them
 * @out:	the adjusted word: wanted bits the CPU allows, plus every bit
 *		the CPU insists on
 *
 * Return: 0, or the bits that cannot be satisfied (@out untouched): required
 * bits the CPU does not allow, and bits it both forces and forbids.
 */
u32 vtx_adjust_controls(u64 cap, u32 required, u32 optional, u32 *out);

/*
 * SDM A.7, A.8: may a CR0/CR4 hold @value in VMX operation?  0 if so,
 * else the offending bits (fixed-1 bits clear or fixed-0 bits set).
 */
u64 vtx_cr_fixed_violations(u64 value, u64 fixed0, u64 fixed1);

/* The closest value to @value that satisfies the fixed bits. */
u64 vtx_cr_apply_fixed(u64 value, u64 fixed0, u64 fixed1);

/**
 * vtx_feature_control_plan() - what to do with IA32_FEATURE_CONTROL
 * @msr:	the value read on this CPU
 * @may_lock:	vtx may set and lock the enable bit when firmware left it
 *		unlocked (SDM 24.7: once locked, only a reset unlocks it)
 * @write:	out: the value to write, or 0 when no write is needed
 *
 * Return: 0, -EOPNOTSUPP when locked with VMX outside SMX disabled
 * (firmware turned VMX off), -EPERM when unlocked and !@may_lock.
 */
int vtx_feature_control_plan(u64 msr, bool may_lock, u64 *write);

/**
 * vtx_vmcs_config_setup() - decide every control vtx uses, once
 * @cfg:	out: the snapshot
 * @msrs:	the capability MSRs of the boot CPU
 * @wishes:	optional features the module parameters ask for
 * @missing:	out on failure: the SDM name of the first missing feature
 *
 * Return: 0, or -EOPNOTSUPP with @missing set.
 */
int vtx_vmcs_config_setup(struct vtx_vmcs_config *cfg,
			  const struct vtx_vmx_msrs *msrs,
			  const struct vtx_vmx_wishes *wishes,
			  const char **missing);

/* Do two CPUs' snapshots agree on everything vtx programs? */
bool vtx_vmcs_config_same(const struct vtx_vmcs_config *a,
			  const struct vtx_vmcs_config *b);

/* The SDM name of a bit of a control word, or NULL if it has none here. */
const char *vtx_control_bit_name(enum vtx_control_word word, unsigned int bit);

/* The name of a control word ("pin-based VM-execution controls", ...). */
const char *vtx_control_word_name(enum vtx_control_word word);

/* Predicates on the snapshot, one per feature the rest of vtx asks about. */
static inline bool vtx_cfg_has_vpid(const struct vtx_vmcs_config *cfg)
{
	return cfg->ctl[VTX_WORD_PROC2] & VTX_PROC2_ENABLE_VPID;
}

static inline bool vtx_cfg_has_ept_2m(const struct vtx_vmcs_config *cfg)
{
	return cfg->ept_vpid_cap & VTX_EPT_CAP_PAGE_2M;
}

static inline bool vtx_cfg_has_invept_single(const struct vtx_vmcs_config *cfg)
{
	return cfg->ept_vpid_cap & VTX_EPT_CAP_INVEPT_SINGLE;
}

#endif /* _VTX_VMX_CAPS_H */
