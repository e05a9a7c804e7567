// SPDX-License-Identifier: GPL-2.0
/*
 * Events for the guest, as KVM's userspace-irqchip protocol asks for them
 * (Documentation/virt/kvm/api.rst: KVM_INTERRUPT, KVM_NMI,
 * request_interrupt_window, KVM_EXIT_IRQ_WINDOW_OPEN):
 *
 *  - KVM_INTERRUPT and KVM_NMI queue an event (v->irq_queued, nmi_queued);
 *  - before each entry, a queued event the guest can take goes into the
 *    VM-entry interruption-information field (SDM 26.6); one it cannot
 *    take yet arms interrupt-window or NMI-window exiting (SDM 26.7.5,
 *    26.7.6), and the window's exit brings it back here;
 *  - after each exit, an event whose delivery the exit cut short (the
 *    IDT-vectoring information, SDM 27.2.4: an EPT violation on the first
 *    touch of the IDT, a handler or its stack) goes back into the
 *    VM-entry fields, so that the next entry delivers it again;
 *  - before each entry, an exception waiting there gets its error code
 *    exactly if CR0.PE is set then and its vector pushes one (lib/events.c
 *    vtx_entry_info_for_mode(): it may have been put there in the other
 *    mode, or reported by the CPU with one in real mode).
 *
 * The event the next entry injects lives in the VMCS only: VM exits clear
 * its valid bit (SDM 27.2.3), and everything that injects checks it first.
 */
#include <linux/kvm.h>
#include <asm/processor-flags.h>
#include <asm/trapnr.h>
#include <asm/irq_vectors.h>

#include "vmx.h"
#include "exits.h"
#include "vmx_ops.h"
#include "lib/vmcs_fields.h"
#include "lib/events.h"

static const struct vtx_vmcs_config *cfg(void)
{
	return vtx_vmx_config();
}

static void vtx_set_proc_ctl(struct vtx_vmx_vcpu *v, u32 bits, bool on)
{
	u32 ctl = on ? v->proc_ctl | bits : v->proc_ctl & ~bits;

	if (ctl != v->proc_ctl) {
		v->proc_ctl = ctl;
		vtx_vmwrite(VTX_CPU_BASED_VM_EXEC_CONTROL, ctl);
	}
}

static void vtx_inject_info(u32 info, u32 error, u32 len)
{
	/*
	 * VM entry takes an error code of 16 bits only (SDM 26.2.1.3).  A
	 * hardware exception keeps its code even where it delivers none
	 * now: vtx_events_prepare_entry() may add it for protected mode.
	 */
	if (vtx_intr_info_type(info) == VTX_INTR_TYPE_HARD_EXCEPTION)
		vtx_vmwrite(VTX_VM_ENTRY_EXCEPTION_ERROR_CODE, error & 0xffff);
	if (vtx_intr_type_is_soft(vtx_intr_info_type(info)))
		vtx_vmwrite(VTX_VM_ENTRY_INSTRUCTION_LEN, len);
	vtx_vmwrite(VTX_VM_ENTRY_INTR_INFO, info);
}

/*
 * Right before an entry (preemption off, VMCS loaded): NMIs first, then
 * interrupts, each only when nothing else is being injected and the
 * guest can take it (else a window exit tells when it can).
 */
void vtx_events_prepare_entry(struct vtx_vmx_vcpu *v)
{
	u32 info = vtx_vmread(VTX_VM_ENTRY_INTR_INFO), fit;
	bool busy = info & VTX_INTR_INFO_VALID;
	bool want_irq_window;
	u32 intr;

	/* KVM_SET_SREGS may have changed CR0.PE since it was put there. */
	if (busy) {
		fit = vtx_entry_info_for_mode(info, vtx_vmread(VTX_GUEST_CR0) &
						    X86_CR0_PE);
		if (fit != info)
			vtx_vmwrite(VTX_VM_ENTRY_INTR_INFO, fit);
	}

	if (!busy && (v->nmi_queued || v->irq_queued)) {
		intr = vtx_vmread(VTX_GUEST_INTERRUPTIBILITY_INFO);
		if (v->nmi_queued && vtx_nmi_allowed(intr)) {
			vtx_inject_info(VTX_INTR_INFO_VALID | NMI_VECTOR |
					VTX_INTR_TYPE_NMI << VTX_INTR_INFO_TYPE_SHIFT,
					0, 0);
			v->nmi_queued--;
			busy = true;
		} else if (v->irq_queued &&
			   vtx_interrupt_allowed(vtx_vmread(VTX_GUEST_RFLAGS),
						 intr)) {
			vtx_inject_info(VTX_INTR_INFO_VALID | v->irq_vector |
					VTX_INTR_TYPE_EXT_INTR << VTX_INTR_INFO_TYPE_SHIFT,
					0, 0);
			v->irq_queued = false;
			busy = true;
		}
	}
	/* Without virtual NMIs there is no NMI window: the next exit of
	 * any kind tries again.
	 */
	if (cfg()->nmi_window)
		vtx_set_proc_ctl(v, VTX_PROC_NMI_WINDOW_EXITING,
				 v->nmi_queued != 0);
	want_irq_window = v->irq_queued ||
			  READ_ONCE(v->run->request_interrupt_window);
	vtx_set_proc_ctl(v, VTX_PROC_INTR_WINDOW_EXITING, want_irq_window);
}

/* SDM 27.2.4: re-inject what the exit cut short, before any handler. */
void vtx_events_after_exit(struct vtx_vmx_vcpu *v)
{
	u32 idt = vtx_vmread(VTX_IDT_VECTORING_INFO);
	u32 type = vtx_intr_info_type(idt);

	if (!(idt & VTX_INTR_INFO_VALID))
		return;
	/* Its NMI blocking came with the delivery: it comes again. */
	if (type == VTX_INTR_TYPE_NMI)
		vtx_vmwrite(VTX_GUEST_INTERRUPTIBILITY_INFO,
			    vtx_vmread(VTX_GUEST_INTERRUPTIBILITY_INFO) &
			    ~VTX_INTERRUPTIBILITY_NMI);
	/* The error-code field is undefined where none was delivered. */
	vtx_inject_info(idt & (VTX_INTR_INFO_VALID | VTX_INTR_INFO_DELIVER_CODE |
			       VTX_INTR_INFO_TYPE_MASK | VTX_INTR_INFO_VECTOR_MASK),
			idt & VTX_INTR_INFO_DELIVER_CODE ?
			vtx_vmread(VTX_IDT_VECTORING_ERROR_CODE) : 0,
			vtx_vmread(VTX_VM_EXIT_INSTRUCTION_LEN));
}

/* Contributory exceptions (SDM Vol. 3A Table 6-4): #DE, #TS, #NP, #SS, #GP. */
static bool vtx_contributory(u8 vector)
{
	return vector == 0 || (vector >= 10 && vector <= 13);
}

/*
 * An exception for the guest from an exit handler.  If another event is
 * already waiting for the next entry (re-injected after the exit), the
 * two combine as on the CPU (SDM Vol. 3A 6.15, Table 6-5): #DF for two
 * contributory ones or a #PF with a contributory or #PF, a triple fault
 * (KVM_EXIT_SHUTDOWN) after #DF; an interrupt or NMI that was being
 * delivered is queued again behind the exception, as kvm-intel keeps it.
 */
int vtx_event_inject_exception(struct vtx_vmx_vcpu *v, u8 vector, u32 error)
{
	u32 prev = vtx_vmread(VTX_VM_ENTRY_INTR_INFO);
	u8 first = prev & VTX_INTR_INFO_VECTOR_MASK;

	if (prev & VTX_INTR_INFO_VALID) {
		switch (vtx_intr_info_type(prev)) {
		case VTX_INTR_TYPE_EXT_INTR:
			v->irq_queued = true;
			v->irq_vector = first;
			break;
		case VTX_INTR_TYPE_NMI:
			if (v->nmi_queued < 2)
				v->nmi_queued++;
			break;
		case VTX_INTR_TYPE_HARD_EXCEPTION:
			if (first == DF_VECTOR &&
			    (vtx_contributory(vector) || vector == PF_VECTOR)) {
				vtx_vmwrite(VTX_VM_ENTRY_INTR_INFO, 0);
				v->run->exit_reason = KVM_EXIT_SHUTDOWN;
				return 0;
			}
			if ((vtx_contributory(first) && vtx_contributory(vector)) ||
			    (first == PF_VECTOR &&
			     (vtx_contributory(vector) || vector == PF_VECTOR))) {
				vector = DF_VECTOR;
				error = 0;
			}
			break;
		}
	}
	vtx_inject_info(vtx_exception_info(vector, v->cr0 & X86_CR0_PE),
			error, 1);
	return 1;
}

/* SDM 26.7.5: the guest can take an interrupt now. */
int vtx_handle_interrupt_window(struct vtx_vmx_vcpu *v)
{
	if (!v->irq_queued && READ_ONCE(v->run->request_interrupt_window)) {
		v->run->exit_reason = KVM_EXIT_IRQ_WINDOW_OPEN;
		return 0;
	}
	return 1;	/* vtx_events_prepare_entry() injects it */
}

/* SDM 26.7.6: virtual-NMI blocking is gone. */
int vtx_handle_nmi_window(struct vtx_vmx_vcpu *v)
{
	return 1;
}

/* KVM_INTERRUPT with a userspace irqchip: @irq is the vector. */
int vtx_vmx_queue_interrupt(struct vtx_vmx_vcpu *v, u32 irq)
{
	if (irq >= 256)
		return -EINVAL;
	v->irq_queued = true;
	v->irq_vector = irq;
	return 0;
}

/* KVM_NMI: at most two wait, as on KVM (one in service, one latched). */
int vtx_vmx_queue_nmi(struct vtx_vmx_vcpu *v)
{
	if (v->nmi_queued < 2)
		v->nmi_queued++;
	return 0;
}

static void vtx_read_event_state(struct vtx_vmx_vcpu *v,
				 struct vtx_event_state *s)
{
	s->entry_info = vtx_vmread(VTX_VM_ENTRY_INTR_INFO);
	s->entry_error = vtx_vmread(VTX_VM_ENTRY_EXCEPTION_ERROR_CODE);
	s->entry_len = vtx_vmread(VTX_VM_ENTRY_INSTRUCTION_LEN);
	s->interruptibility = vtx_vmread(VTX_GUEST_INTERRUPTIBILITY_INFO);
	s->irq_queued = v->irq_queued;
	s->irq_vector = v->irq_vector;
	s->nmi_queued = v->nmi_queued;
	s->protected = v->cr0 & X86_CR0_PE;
}

/* KVM_GET_VCPU_EVENTS; the VMCS is loaded. */
void vtx_events_get(struct vtx_vmx_vcpu *v, struct kvm_vcpu_events *e)
{
	struct vtx_event_state s;

	vtx_read_event_state(v, &s);
	vtx_events_to_kvm(&s, e);
}

/* KVM_SET_VCPU_EVENTS; the VMCS is loaded.  -EINVAL changes nothing. */
int vtx_events_set(struct vtx_vmx_vcpu *v, const struct kvm_vcpu_events *e)
{
	struct vtx_event_state s;
	int r;

	vtx_read_event_state(v, &s);
	r = vtx_events_from_kvm(&s, e);
	if (r)
		return r;
	/* An NMI being injected sets its own blocking (SDM 26.3.1.5). */
	if (vtx_intr_info_type(s.entry_info) == VTX_INTR_TYPE_NMI)
		s.interruptibility &= ~VTX_INTERRUPTIBILITY_NMI;
	/* STI blocking needs IF = 1 at VM entry (SDM 26.3.1.5). */
	if (!(vtx_vmread(VTX_GUEST_RFLAGS) & X86_EFLAGS_IF))
		s.interruptibility &= ~VTX_INTERRUPTIBILITY_STI;
	vtx_vmwrite(VTX_GUEST_INTERRUPTIBILITY_INFO, s.interruptibility);
	vtx_inject_info(s.entry_info, s.entry_error, s.entry_len);
	v->irq_queued = s.irq_queued;
	v->irq_vector = s.irq_vector;
	v->nmi_queued = s.nmi_queued;
	return 0;
}

/*
 * What KVM_RUN leaves in kvm_run for a userspace irqchip, on every
 * return (api.rst): IF, whether KVM_INTERRUPT may be called now, CR8
 * (the TPR) and APIC_BASE.  The VMCS is loaded.
 */
void vtx_events_save_run(struct vtx_vmx_vcpu *v)
{
	struct kvm_run *run = v->run;
	u64 rflags = vtx_vmread(VTX_GUEST_RFLAGS);
	u32 intr = vtx_vmread(VTX_GUEST_INTERRUPTIBILITY_INFO);

	run->if_flag = !!(rflags & X86_EFLAGS_IF);
	run->ready_for_interrupt_injection =
		vtx_interrupt_allowed(rflags, intr) && !v->irq_queued &&
		!(vtx_vmread(VTX_VM_ENTRY_INTR_INFO) & VTX_INTR_INFO_VALID);
	run->cr8 = v->cr8;
	run->apic_base = v->apic_base;
}
