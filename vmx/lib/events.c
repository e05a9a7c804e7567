// SPDX-License-Identifier: GPL-2.0
/*
 * Events for the guest: the pure half (see events.h).
 */
#include "events.h"

/* SDM Vol. 3A Table 6-1: 8 #DF, 10 #TS, 11 #NP, 12 #SS, 13 #GP, 14 #PF
 * and 17 #AC push an error code (21 #CP only with CET: see events.h).
 */
bool vtx_exception_has_error_code(u8 vector)
{
	return vector < 32 && ((1u << vector) & 0x27d00u);
}

u32 vtx_entry_info_for_mode(u32 info, bool protected)
{
	if (!(info & VTX_INTR_INFO_VALID) ||
	    vtx_intr_info_type(info) != VTX_INTR_TYPE_HARD_EXCEPTION)
		return info;
	info &= ~VTX_INTR_INFO_DELIVER_CODE;
	if (protected &&
	    vtx_exception_has_error_code(info & VTX_INTR_INFO_VECTOR_MASK))
		info |= VTX_INTR_INFO_DELIVER_CODE;
	return info;
}

u32 vtx_exception_info(u8 vector, bool protected)
{
	u32 type = (vector == 3 || vector == 4) ? VTX_INTR_TYPE_SOFT_EXCEPTION :
		   VTX_INTR_TYPE_HARD_EXCEPTION;
	u32 info = VTX_INTR_INFO_VALID | type << VTX_INTR_INFO_TYPE_SHIFT |
		   (vector & 31);

	/* Real mode pushes no error code; VM entry checks that (26.2.1.3). */
	return vtx_entry_info_for_mode(info, protected);
}

bool vtx_interrupt_allowed(u64 rflags, u32 interruptibility)
{
	return (rflags & VTX_RFLAGS_IF) &&
	       !(interruptibility & (VTX_INTERRUPTIBILITY_STI |
				     VTX_INTERRUPTIBILITY_MOV_SS));
}

/*
 * As kvm-intel (vmx_nmi_blocked): blocking by NMI, by MOV SS, and by STI
 * too, which the SDM lets a CPU treat as blocking NMIs (SDM 25.4.2).
 */
bool vtx_nmi_allowed(u32 interruptibility)
{
	return !(interruptibility & (VTX_INTERRUPTIBILITY_STI |
				     VTX_INTERRUPTIBILITY_MOV_SS |
				     VTX_INTERRUPTIBILITY_NMI));
}

void vtx_events_to_kvm(const struct vtx_event_state *s,
		       struct kvm_vcpu_events *e)
{
	/* What the next entry delivers, in the mode the guest is in now. */
	u32 info = vtx_entry_info_for_mode(s->entry_info, s->protected);
	u32 type = vtx_intr_info_type(info);
	bool valid = info & VTX_INTR_INFO_VALID;

	*e = (struct kvm_vcpu_events){ 0 };
	if (valid && (type == VTX_INTR_TYPE_HARD_EXCEPTION ||
		      type == VTX_INTR_TYPE_SOFT_EXCEPTION ||
		      type == VTX_INTR_TYPE_PRIV_SOFT_EXC)) {
		e->exception.injected = 1;
		e->exception.nr = info & VTX_INTR_INFO_VECTOR_MASK;
		e->exception.has_error_code =
			!!(info & VTX_INTR_INFO_DELIVER_CODE);
		e->exception.error_code = s->entry_error;
	}
	/*
	 * kvm-intel reports an INT n cut short as not injected: the guest's
	 * RIP is still at the instruction, which runs again.
	 */
	if (valid && (type == VTX_INTR_TYPE_EXT_INTR ||
		      type == VTX_INTR_TYPE_SOFT_INTR)) {
		e->interrupt.injected = type == VTX_INTR_TYPE_EXT_INTR;
		e->interrupt.nr = info & VTX_INTR_INFO_VECTOR_MASK;
	} else if (s->irq_queued) {
		e->interrupt.injected = 1;
		e->interrupt.nr = s->irq_vector;
	}
	/* KVM's shadow bits are the other way round from VMX's. */
	if (s->interruptibility & VTX_INTERRUPTIBILITY_STI)
		e->interrupt.shadow |= KVM_X86_SHADOW_INT_STI;
	if (s->interruptibility & VTX_INTERRUPTIBILITY_MOV_SS)
		e->interrupt.shadow |= KVM_X86_SHADOW_INT_MOV_SS;
	e->nmi.injected = valid && type == VTX_INTR_TYPE_NMI;
	e->nmi.pending = s->nmi_queued != 0;
	e->nmi.masked = !!(s->interruptibility & VTX_INTERRUPTIBILITY_NMI);
	e->flags = KVM_VCPUEVENT_VALID_NMI_PENDING | KVM_VCPUEVENT_VALID_SHADOW |
		   KVM_VCPUEVENT_VALID_SMM;
}

#define VTX_EVENTS_FLAGS (KVM_VCPUEVENT_VALID_NMI_PENDING |		\
			  KVM_VCPUEVENT_VALID_SIPI_VECTOR |		\
			  KVM_VCPUEVENT_VALID_SHADOW |			\
			  KVM_VCPUEVENT_VALID_SMM)

int vtx_events_from_kvm(struct vtx_event_state *s,
			const struct kvm_vcpu_events *e)
{
	struct vtx_event_state n = *s;

	/* Exception payloads and triple-fault events are capabilities
	 * vtx does not offer: KVM refuses their flags until enabled.
	 */
	if (e->flags & ~VTX_EVENTS_FLAGS)
		return -EINVAL;
	if (e->exception.injected && (e->exception.nr > 31 || e->exception.nr == 2))
		return -EINVAL;
	/* No SMM in vtx: only "not in SMM, nothing pending" is a state. */
	if ((e->flags & KVM_VCPUEVENT_VALID_SMM) &&
	    (e->smi.smm || e->smi.pending || e->smi.smm_inside_nmi ||
	     e->smi.latched_init))
		return -EINVAL;

	n.entry_info = n.entry_error = n.entry_len = 0;
	n.irq_queued = false;
	if (e->exception.injected) {
		n.entry_info = vtx_exception_info(e->exception.nr, n.protected);
		n.entry_error = e->exception.error_code;
		n.entry_len = 1;	/* INT3 or INTO */
	}
	if (e->flags & KVM_VCPUEVENT_VALID_NMI_PENDING)
		n.nmi_queued = !!e->nmi.pending;
	if (e->nmi.injected) {
		if (n.entry_info)	/* it goes in after the exception */
			n.nmi_queued = n.nmi_queued ? 2 : 1;
		else
			n.entry_info = VTX_INTR_INFO_VALID | 2 |
				VTX_INTR_TYPE_NMI << VTX_INTR_INFO_TYPE_SHIFT;
	}
	if (e->interrupt.injected && e->interrupt.soft && !n.entry_info) {
		n.entry_info = VTX_INTR_INFO_VALID | e->interrupt.nr |
			VTX_INTR_TYPE_SOFT_INTR << VTX_INTR_INFO_TYPE_SHIFT;
		n.entry_len = 2;	/* INT n */
	} else if (e->interrupt.injected) {
		/* Injected as soon as the guest can take it. */
		n.irq_queued = true;
		n.irq_vector = e->interrupt.nr;
	}
	if (e->flags & KVM_VCPUEVENT_VALID_SHADOW) {
		n.interruptibility &= ~(VTX_INTERRUPTIBILITY_STI |
					VTX_INTERRUPTIBILITY_MOV_SS);
		/* Never both (SDM 26.3.1.5): MOV SS wins, as on kvm-intel. */
		if (e->interrupt.shadow & KVM_X86_SHADOW_INT_MOV_SS)
			n.interruptibility |= VTX_INTERRUPTIBILITY_MOV_SS;
		else if (e->interrupt.shadow & KVM_X86_SHADOW_INT_STI)
			n.interruptibility |= VTX_INTERRUPTIBILITY_STI;
	}
	if (e->nmi.masked)
		n.interruptibility |= VTX_INTERRUPTIBILITY_NMI;
	else
		n.interruptibility &= ~VTX_INTERRUPTIBILITY_NMI;
	*s = n;
	return 0;
}
