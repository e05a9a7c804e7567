/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Events for the guest: the interruption-information format that VM entry
 * injects and VM exits report (SDM 25.8.3, 27.2.2-27.2.4), when the guest
 * can take an interrupt or an NMI, and the translation between that and
 * KVM's struct kvm_vcpu_events.  Pure logic, unit-tested in userspace.
 */
#ifndef _VTX_VMX_EVENTS_H
#define _VTX_VMX_EVENTS_H

#include <vtx/types.h>
#include <linux/kvm.h>

/* Interruption-information fields (SDM Table 25-17, 27-16, 27-17). */
#define VTX_INTR_INFO_VECTOR_MASK	0xffu
#define VTX_INTR_INFO_TYPE_SHIFT	8
#define VTX_INTR_INFO_TYPE_MASK		(7u << 8)
#define VTX_INTR_INFO_DELIVER_CODE	(1u << 11)
#define VTX_INTR_INFO_NMI_UNBLOCK	(1u << 12)	/* exits only */
#define VTX_INTR_INFO_VALID		(1u << 31)

enum vtx_intr_type {
	VTX_INTR_TYPE_EXT_INTR		= 0,
	VTX_INTR_TYPE_NMI		= 2,
	VTX_INTR_TYPE_HARD_EXCEPTION	= 3,
	VTX_INTR_TYPE_SOFT_INTR		= 4,	/* INT n */
	VTX_INTR_TYPE_PRIV_SOFT_EXC	= 5,	/* INT1 (ICEBP) */
	VTX_INTR_TYPE_SOFT_EXCEPTION	= 6,	/* INT3, INTO */
};

/* Guest interruptibility state (SDM Table 25-3). */
#define VTX_INTERRUPTIBILITY_STI	(1u << 0)
#define VTX_INTERRUPTIBILITY_MOV_SS	(1u << 1)
#define VTX_INTERRUPTIBILITY_SMI	(1u << 2)
#define VTX_INTERRUPTIBILITY_NMI	(1u << 3)

#define VTX_RFLAGS_IF			(1u << 9)

static inline u32 vtx_intr_info_type(u32 info)
{
	return (info & VTX_INTR_INFO_TYPE_MASK) >> VTX_INTR_INFO_TYPE_SHIFT;
}

/* Do types 4, 5 and 6 need the VM-entry instruction length (SDM 26.6.1.3)? */
static inline bool vtx_intr_type_is_soft(u32 type)
{
	return type >= VTX_INTR_TYPE_SOFT_INTR;
}

/**
 * vtx_exception_info() - the VM-entry interruption information for an
 * exception the guest is to receive
 * @vector:	0..31
 * @protected:	CR0.PE of the guest
 *
 * #BP and #OF are software exceptions (they need an instruction length),
 * every other vector a hardware exception.  The error code is delivered
 * exactly where the CPU would push one: in protected mode, for #DF, #TS,
 * #NP, #SS, #GP, #PF, #AC and #CP (SDM Vol. 3A 6.13); VM entry fails
 * otherwise (SDM 26.2.1.3), so a caller's has-error-code is not trusted.
 */
u32 vtx_exception_info(u8 vector, bool protected);

/*
 * Does VM entry deliver an error code for @vector (SDM Vol. 3A Table 6-1,
 * Vol. 3C 26.2.1.3)?  #CP is left out: its error code is checked only on
 * CPUs with CET, which vtx's guests cannot enable (and KVM 6.1's list,
 * x86_exception_has_error_code(), leaves it out too).
 */
bool vtx_exception_has_error_code(u8 vector);

/**
 * vtx_entry_info_for_mode() - the VM-entry interruption information of
 * an event, made valid for the guest's mode at this entry
 * @info:	VM-entry interruption information, valid or not
 * @protected:	guest CR0.PE at this entry
 *
 * VM entry checks a hardware exception's deliver-error-code bit against
 * CR0.PE at that entry (SDM 26.2.1.3, unrestricted guest): set exactly in
 * protected mode for the vectors that push one.  An event may have been
 * put there in the other mode (KVM_SET_VCPU_EVENTS, an exception vtx
 * raised, a delivery an exit cut short) and KVM_SET_SREGS have switched
 * modes since: kvm-intel drops the error code in real mode when it
 * injects (kvm_inject_exception()); vtx decides it here, either way.
 * Everything but a valid hardware exception comes back unchanged.
 */
u32 vtx_entry_info_for_mode(u32 info, bool protected);

/* Can an external interrupt be delivered now (SDM 26.3.1.5, 6.8.1)? */
bool vtx_interrupt_allowed(u64 rflags, u32 interruptibility);

/* Can an NMI be delivered now (virtual NMIs, SDM 25.3, 26.3.1.5)? */
bool vtx_nmi_allowed(u32 interruptibility);

/*
 * The event state a vCPU holds between two entries: what the next entry
 * injects (entry_info/entry_error/entry_len, as in the VMCS: an event
 * vtx or an interrupted delivery put there), what user space queued with
 * KVM_INTERRUPT and KVM_NMI that is not injected yet, and the blocking
 * state that goes with them.
 */
struct vtx_event_state {
	u32 entry_info;		/* VM-entry interruption information */
	u32 entry_error;	/* its error code */
	u32 entry_len;		/* its instruction length (soft events) */
	u32 interruptibility;	/* guest interruptibility state */
	bool irq_queued;	/* KVM_INTERRUPT, not injected yet */
	u8 irq_vector;
	u8 nmi_queued;		/* KVM_NMI, not injected yet (0..2) */
	bool protected;		/* CR0.PE, for the error-code rule */
};

/* KVM_GET_VCPU_EVENTS, as kvm-intel fills it with a userspace irqchip. */
void vtx_events_to_kvm(const struct vtx_event_state *s,
		       struct kvm_vcpu_events *e);

/*
 * KVM_SET_VCPU_EVENTS: check @e as KVM does (unknown flags, an exception
 * vector above 31 or NMI as an exception, SMM that vtx lacks: -EINVAL,
 * @s untouched) and apply it to @s.
 */
int vtx_events_from_kvm(struct vtx_event_state *s,
			const struct kvm_vcpu_events *e);

#endif /* _VTX_VMX_EVENTS_H */
