// SPDX-License-Identifier: GPL-2.0
/*
 * VMX capabilities: the pure half of bring-up (see caps.h).
 */
#include "caps.h"

struct vtx_bit_name {
	u8 bit;
	const char *name;
};

#define VTX_BIT_NAME(name, bit, text) { bit, text },

static const struct vtx_bit_name vtx_pin_names[] = {
	VTX_PIN_CONTROLS(VTX_BIT_NAME)
};
static const struct vtx_bit_name vtx_proc_names[] = {
	VTX_PROC_CONTROLS(VTX_BIT_NAME)
};
static const struct vtx_bit_name vtx_proc2_names[] = {
	VTX_PROC2_CONTROLS(VTX_BIT_NAME)
};
static const struct vtx_bit_name vtx_exit_names[] = {
	VTX_EXIT_CONTROLS(VTX_BIT_NAME)
};
static const struct vtx_bit_name vtx_entry_names[] = {
	VTX_ENTRY_CONTROLS(VTX_BIT_NAME)
};
static const struct vtx_bit_name vtx_ept_vpid_names[] = {
	VTX_EPT_VPID_CAPS(VTX_BIT_NAME)
};

static const struct {
	const char *name;
	const struct vtx_bit_name *bits;
	size_t nr_bits;
} vtx_words[VTX_NR_WORDS] = {
#define VTX_WORD(w, n, table) [w] = { n, table, ARRAY_SIZE(table) }
	VTX_WORD(VTX_WORD_PIN, "pin-based VM-execution controls",
		 vtx_pin_names),
	VTX_WORD(VTX_WORD_PROC,
		 "primary processor-based VM-execution controls",
		 vtx_proc_names),
	VTX_WORD(VTX_WORD_PROC2,
		 "secondary processor-based VM-execution controls",
		 vtx_proc2_names),
	VTX_WORD(VTX_WORD_EXIT, "VM-exit controls", vtx_exit_names),
	VTX_WORD(VTX_WORD_ENTRY, "VM-entry controls", vtx_entry_names),
	VTX_WORD(VTX_WORD_EPT_VPID_CAP, "EPT and VPID capabilities",
		 vtx_ept_vpid_names),
#undef VTX_WORD
};

const char *vtx_control_word_name(enum vtx_control_word word)
{
	return (unsigned int)word < VTX_NR_WORDS ? vtx_words[word].name : NULL;
}

const char *vtx_control_bit_name(enum vtx_control_word word, unsigned int bit)
{
	size_t i;

	if ((unsigned int)word >= VTX_NR_WORDS)
		return NULL;
	for (i = 0; i < vtx_words[word].nr_bits; i++)
		if (vtx_words[word].bits[i].bit == bit)
			return vtx_words[word].bits[i].name;
	return NULL;
}

/* The name of the lowest bit set in @bits of @word, for error messages. */
static const char *vtx_first_bit_name(enum vtx_control_word word, u64 bits)
{
	unsigned int bit;

	for (bit = 0; bit < 64; bit++)
		if (bits & (1ULL << bit))
			return vtx_control_bit_name(word, bit) ?: "unnamed control bit";
	return NULL;
}

u32 vtx_adjust_controls(u64 cap, u32 required, u32 optional, u32 *out)
{
	u32 must_be_one = (u32)cap;
	u32 may_be_one = (u32)(cap >> 32);

	/*
	 * A bit that must be 1 but may not be is a broken MSR (seen from
	 * nested hypervisors): as unusable as a missing required bit.
	 */
	if ((required | must_be_one) & ~may_be_one)
		return (required | must_be_one) & ~may_be_one;
	*out = ((required | optional) & may_be_one) | must_be_one;
	return 0;
}

u64 vtx_cr_fixed_violations(u64 value, u64 fixed0, u64 fixed1)
{
	return (fixed0 & ~value) | (value & ~fixed1);
}

u64 vtx_cr_apply_fixed(u64 value, u64 fixed0, u64 fixed1)
{
	return (value | fixed0) & fixed1;
}

int vtx_feature_control_plan(u64 msr, bool may_lock, u64 *write)
{
	*write = 0;
	if (msr & VTX_FEATURE_CONTROL_LOCKED)
		return (msr & VTX_FEATURE_CONTROL_VMX_OUTSIDE_SMX) ?
			0 : -EOPNOTSUPP;
	if (!may_lock)
		return -EPERM;
	*write = msr | VTX_FEATURE_CONTROL_LOCKED |
		 VTX_FEATURE_CONTROL_VMX_OUTSIDE_SMX;
	return 0;
}

/*
 * What vtx needs from each control word.  "toggled" bits are switched per
 * vCPU at run time: they must be allowed to be 1, and start clear.
 */
struct vtx_control_want {
	u32 required, optional, toggled;
};

static const struct vtx_control_want vtx_wants[VTX_WORD_EPT_VPID_CAP] = {
	/*
	 * External interrupts and NMIs belong to the host (SDM 25.6.1).
	 * The preemption timer is a backstop: it ends a guest's time slice
	 * even where no interrupt makes it exit (SDM 26.5.1).
	 */
	[VTX_WORD_PIN] = {
		.required = VTX_PIN_EXT_INTR_EXITING | VTX_PIN_NMI_EXITING,
		.optional = VTX_PIN_VIRTUAL_NMIS | VTX_PIN_PREEMPTION_TIMER,
	},
	/*
	 * HLT ends a run (KVM_EXIT_HLT); port I/O and MSRs are filtered
	 * through bitmaps; EPT and unrestricted guest live in the
	 * secondary word.  Interrupt-window exiting is how an interrupt
	 * waits for the guest to accept it.  The rest keep the guest off
	 * host hardware it could otherwise reach: the APIC's TPR through
	 * CR8, the debug registers, the performance counters, MONITOR and
	 * MWAIT (which would idle the host CPU).
	 */
	[VTX_WORD_PROC] = {
		.required = VTX_PROC_HLT_EXITING | VTX_PROC_USE_IO_BITMAPS |
			    VTX_PROC_USE_MSR_BITMAPS |
			    VTX_PROC_SECONDARY_CONTROLS |
			    VTX_PROC_CR8_LOAD_EXITING |
			    VTX_PROC_CR8_STORE_EXITING |
			    VTX_PROC_MOV_DR_EXITING | VTX_PROC_RDPMC_EXITING |
			    VTX_PROC_MWAIT_EXITING | VTX_PROC_MONITOR_EXITING |
			    VTX_PROC_USE_TSC_OFFSETTING,
		.toggled = VTX_PROC_INTR_WINDOW_EXITING,
	},
	/*
	 * EPT maps guest memory; unrestricted guest runs real mode and
	 * unpaged protected mode natively (SDM 26.2.1.1 lets CR0.PE and
	 * CR0.PG be 0 with it).  VPID spares TLB flushes on every entry.
	 */
	[VTX_WORD_PROC2] = {
		.required = VTX_PROC2_ENABLE_EPT |
			    VTX_PROC2_UNRESTRICTED_GUEST,
		.optional = VTX_PROC2_ENABLE_VPID | VTX_PROC2_WBINVD_EXITING |
			    VTX_PROC2_ENABLE_RDTSCP |
			    VTX_PROC2_PAUSE_LOOP_EXITING,
	},
	/*
	 * The host is 64-bit; EFER is switched by the CPU on entry and
	 * exit so that guests can own LME/LMA/NXE.  Interrupts are not
	 * acknowledged on exit: they stay pending and reach the host's own
	 * handlers as soon as vtx enables interrupts again.
	 */
	[VTX_WORD_EXIT] = {
		.required = VTX_EXIT_HOST_ADDR_SPACE_SIZE |
			    VTX_EXIT_SAVE_EFER | VTX_EXIT_LOAD_EFER |
			    VTX_EXIT_SAVE_DEBUG_CONTROLS,
		.optional = VTX_EXIT_SAVE_PAT | VTX_EXIT_LOAD_PAT,
	},
	[VTX_WORD_ENTRY] = {
		/* DR7 and DEBUGCTL are the guest's own while it runs. */
		.required = VTX_ENTRY_LOAD_EFER | VTX_ENTRY_LOAD_DEBUG_CONTROLS,
		.optional = VTX_ENTRY_LOAD_PAT,
		.toggled = VTX_ENTRY_IA32E_MODE_GUEST,
	},
};

/*
 * EPT as vtx builds it: 4-level tables in write-back memory, flushed with
 * INVEPT of either kind (SDM 25.6.11 EPTP, 29.3.2 EPT walk, 31.3 INVEPT).
 */
#define VTX_EPT_REQUIRED (VTX_EPT_CAP_WALK_LENGTH_4 | VTX_EPT_CAP_MEMTYPE_WB | \
			  VTX_EPT_CAP_INVEPT)
#define VTX_INVEPT_TYPES (VTX_EPT_CAP_INVEPT_SINGLE | VTX_EPT_CAP_INVEPT_ALL)
#define VTX_INVVPID_TYPES (VTX_VPID_CAP_INVVPID_SINGLE | VTX_VPID_CAP_INVVPID_ALL)

/* The capability MSR that governs @word (SDM A.3-A.5). */
static u64 vtx_control_cap(const struct vtx_vmx_msrs *m, bool true_ctls,
			   enum vtx_control_word word)
{
	switch (word) {
	case VTX_WORD_PIN:
		return true_ctls ? m->true_pinbased : m->pinbased;
	case VTX_WORD_PROC:
		return true_ctls ? m->true_procbased : m->procbased;
	case VTX_WORD_PROC2:
		return m->procbased2;
	case VTX_WORD_EXIT:
		return true_ctls ? m->true_exit : m->exit;
	case VTX_WORD_ENTRY:
		return true_ctls ? m->true_entry : m->entry;
	default:
		return 0;
	}
}

static int vtx_check_basic(struct vtx_vmcs_config *cfg, u64 basic,
			   const char **missing)
{
	u64 memtype = (basic >> VTX_BASIC_MEM_TYPE_SHIFT) &
		      VTX_BASIC_MEM_TYPE_MASK;

	cfg->revision_id = basic & VTX_BASIC_REVISION_MASK;
	cfg->vmcs_size = (basic >> VTX_BASIC_VMCS_SIZE_SHIFT) &
			 VTX_BASIC_VMCS_SIZE_MASK;
	cfg->true_controls = basic & VTX_BASIC_TRUE_CONTROLS;
	cfg->inout_info = basic & VTX_BASIC_INOUT_INFO;

	/* SDM A.1: a VMCS region is at most 4 KiB; vtx gives it one page. */
	if (cfg->vmcs_size == 0 || cfg->vmcs_size > 4096)
		*missing = "VMCS region of at most 4096 bytes (IA32_VMX_BASIC[44:32])";
	/* vtx's VMCS, VMXON and bitmap pages may lie anywhere in memory. */
	else if (basic & VTX_BASIC_32BIT_PHYS_ADDR_ONLY)
		*missing = "VMX structures above 4 GiB (IA32_VMX_BASIC[48] clear)";
	/* vtx maps its VMCS pages write-back, like all kernel memory. */
	else if (memtype != VTX_MEMTYPE_WB)
		*missing = "write-back VMCS memory type (IA32_VMX_BASIC[53:50])";
	else
		return 0;
	return -EOPNOTSUPP;
}

int vtx_vmcs_config_setup(struct vtx_vmcs_config *cfg,
			  const struct vtx_vmx_msrs *msrs,
			  const struct vtx_vmx_wishes *wishes,
			  const char **missing)
{
	struct vtx_vmcs_config c = { 0 };
	enum vtx_control_word w;
	u64 caps;

	if (vtx_check_basic(&c, msrs->basic, missing))
		return -EOPNOTSUPP;

	for (w = VTX_WORD_PIN; w < VTX_WORD_EPT_VPID_CAP; w++) {
		const struct vtx_control_want *want = &vtx_wants[w];
		u32 optional = want->optional;
		u32 lacking;

		if (w == VTX_WORD_PROC2 && !wishes->vpid)
			optional &= ~VTX_PROC2_ENABLE_VPID;
		lacking = vtx_adjust_controls(vtx_control_cap(msrs, c.true_controls, w),
					      want->required | want->toggled,
					      optional, &c.ctl[w]);
		if (lacking) {
			*missing = vtx_first_bit_name(w, lacking);
			return -EOPNOTSUPP;
		}
		/* Toggled bits start clear, unless the CPU forces them on. */
		c.ctl[w] &= ~(want->toggled &
			      ~(u32)vtx_control_cap(msrs, c.true_controls, w));
	}

	/*
	 * An NMI waits for the guest's NMI blocking to end with NMI-window
	 * exiting, which needs virtual NMIs (SDM 26.2.1.1); it starts clear.
	 */
	c.nmi_window = (c.ctl[VTX_WORD_PIN] & VTX_PIN_VIRTUAL_NMIS) &&
		       ((vtx_control_cap(msrs, c.true_controls, VTX_WORD_PROC) >> 32) &
			VTX_PROC_NMI_WINDOW_EXITING) &&
		       !(c.ctl[VTX_WORD_PROC] & VTX_PROC_NMI_WINDOW_EXITING);

	caps = msrs->ept_vpid_cap;
	if ((caps & VTX_EPT_REQUIRED) != VTX_EPT_REQUIRED) {
		*missing = vtx_first_bit_name(VTX_WORD_EPT_VPID_CAP,
					      VTX_EPT_REQUIRED & ~caps);
		return -EOPNOTSUPP;
	}
	if (!(caps & VTX_INVEPT_TYPES)) {
		*missing = "single-context or all-context INVEPT";
		return -EOPNOTSUPP;
	}
	/* VPID is only worth it when its TLB entries can be flushed. */
	if (!(caps & VTX_VPID_CAP_INVVPID) || !(caps & VTX_INVVPID_TYPES))
		c.ctl[VTX_WORD_PROC2] &= ~(VTX_PROC2_ENABLE_VPID &
					   ~(u32)msrs->procbased2);
	c.ept_vpid_cap = caps;

	/* SDM A.6: the timer counts down as TSC bit IA32_VMX_MISC[4:0] flips. */
	c.preemption_timer_rate = msrs->misc & 0x1f;

	c.cr0_fixed0 = msrs->cr0_fixed0;
	c.cr0_fixed1 = msrs->cr0_fixed1;
	c.cr4_fixed0 = msrs->cr4_fixed0;
	c.cr4_fixed1 = msrs->cr4_fixed1;
	*cfg = c;
	return 0;
}

bool vtx_vmcs_config_same(const struct vtx_vmcs_config *a,
			  const struct vtx_vmcs_config *b)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(a->ctl); i++)
		if (a->ctl[i] != b->ctl[i])
			return false;
	return a->revision_id == b->revision_id &&
	       a->vmcs_size == b->vmcs_size &&
	       a->true_controls == b->true_controls &&
	       a->inout_info == b->inout_info &&
	       a->preemption_timer_rate == b->preemption_timer_rate &&
	       a->nmi_window == b->nmi_window &&
	       a->ept_vpid_cap == b->ept_vpid_cap &&
	       a->cr0_fixed0 == b->cr0_fixed0 &&
	       a->cr0_fixed1 == b->cr0_fixed1 &&
	       a->cr4_fixed0 == b->cr4_fixed0 &&
	       a->cr4_fixed1 == b->cr4_fixed1;
}
