// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the event rules (vmx/lib/events.c): interruption
 * information for exceptions, when interrupts and NMIs may be injected,
 * and KVM_{GET,SET}_VCPU_EVENTS round trips.
 */
#include <string.h>
#include "unit.h"
#include "vmx/lib/events.h"

static void test_exception_info(void)
{
	u32 gp = vtx_exception_info(13, true);

	CHECK_EQ(gp, 0x80000b0d, "#GP in protected mode: hardware exception with error code");
	CHECK_EQ(vtx_exception_info(13, false), 0x8000030d,
		 "#GP in real mode: no error code (VM entry would fail)");
	CHECK_EQ(vtx_exception_info(6, true), 0x80000306, "#UD: no error code");
	CHECK_EQ(vtx_exception_info(3, true), 0x80000603, "#BP: software exception");
	CHECK_EQ(vtx_exception_info(4, false), 0x80000604, "#OF: software exception");
	CHECK_EQ(vtx_exception_info(14, true), 0x80000b0e, "#PF: error code");
	CHECK_EQ(vtx_exception_info(8, true), 0x80000b08, "#DF: error code");
	CHECK_EQ(vtx_exception_info(17, true), 0x80000b11, "#AC: error code");
	CHECK_EQ(vtx_exception_info(21, true), 0x80000315,
		 "#CP: no error code (only CET CPUs check one; vtx guests have no CET)");
	CHECK(!vtx_exception_has_error_code(1) && !vtx_exception_has_error_code(18) &&
	      !vtx_exception_has_error_code(200), "#DB, #MC, vector 200: no error code");
}

static void test_entry_info_for_mode(void)
{
	CHECK_EQ(vtx_entry_info_for_mode(0x80000b0d, false), 0x8000030d,
		 "#GP set in protected mode, entry in real mode: the error code goes");
	CHECK_EQ(vtx_entry_info_for_mode(0x8000030d, true), 0x80000b0d,
		 "#GP set in real mode, entry in protected mode: the error code comes");
	CHECK_EQ(vtx_entry_info_for_mode(0x80000b0d, true), 0x80000b0d,
		 "#GP in protected mode: unchanged");
	CHECK_EQ(vtx_entry_info_for_mode(0x80000b00, true), 0x80000300,
		 "#DE with an error code in protected mode: none (VM entry would fail)");
	CHECK_EQ(vtx_entry_info_for_mode(0x80000b15, true), 0x80000315,
		 "#CP: no error code");
	CHECK_EQ(vtx_entry_info_for_mode(0x80000b08, false), 0x80000308,
		 "#DF in real mode: no error code");
	CHECK_EQ(vtx_entry_info_for_mode(0x80000603, true), 0x80000603,
		 "#BP (software exception): unchanged");
	CHECK_EQ(vtx_entry_info_for_mode(0x80000430, true), 0x80000430,
		 "INT 0x30 (software interrupt): unchanged");
	CHECK_EQ(vtx_entry_info_for_mode(0x80000202, false), 0x80000202, "NMI: unchanged");
	CHECK_EQ(vtx_entry_info_for_mode(0x00000b0d, false), 0x00000b0d,
		 "not valid: unchanged");
}

static void test_allowed(void)
{
	CHECK(vtx_interrupt_allowed(0x202, 0), "IF=1, no shadow: interrupt allowed");
	CHECK(!vtx_interrupt_allowed(0x2, 0), "IF=0: interrupt blocked");
	CHECK(!vtx_interrupt_allowed(0x202, VTX_INTERRUPTIBILITY_STI), "STI shadow blocks");
	CHECK(!vtx_interrupt_allowed(0x202, VTX_INTERRUPTIBILITY_MOV_SS), "MOV SS shadow blocks");
	CHECK(vtx_interrupt_allowed(0x202, VTX_INTERRUPTIBILITY_NMI),
	      "NMI blocking does not block interrupts");
	CHECK(vtx_nmi_allowed(0), "NMI allowed without blocking");
	CHECK(!vtx_nmi_allowed(VTX_INTERRUPTIBILITY_NMI), "NMI blocked by NMI");
	CHECK(!vtx_nmi_allowed(VTX_INTERRUPTIBILITY_MOV_SS), "NMI blocked by MOV SS");
	CHECK(!vtx_nmi_allowed(VTX_INTERRUPTIBILITY_STI), "NMI blocked by STI (as kvm-intel)");
}

static void test_get(void)
{
	struct vtx_event_state s = { 0 };
	struct kvm_vcpu_events e;

	s.irq_queued = true;
	s.irq_vector = 0x30;
	s.interruptibility = VTX_INTERRUPTIBILITY_STI | VTX_INTERRUPTIBILITY_NMI;
	vtx_events_to_kvm(&s, &e);
	CHECK(e.interrupt.injected && e.interrupt.nr == 0x30,
	      "a queued KVM_INTERRUPT reads as interrupt.injected");
	CHECK_EQ(e.interrupt.shadow, KVM_X86_SHADOW_INT_STI, "STI blocking is KVM's SHADOW_INT_STI");
	CHECK(e.nmi.masked && !e.nmi.pending && !e.nmi.injected, "NMI blocking reads as masked");
	CHECK_EQ(e.flags, KVM_VCPUEVENT_VALID_NMI_PENDING | KVM_VCPUEVENT_VALID_SHADOW |
		 KVM_VCPUEVENT_VALID_SMM, "flags as kvm-intel reports them");

	memset(&s, 0, sizeof(s));
	s.entry_info = 0x80000b0e;
	s.entry_error = 6;
	s.nmi_queued = 1;
	s.protected = true;
	vtx_events_to_kvm(&s, &e);
	CHECK(e.exception.injected && e.exception.nr == 14 && e.exception.has_error_code &&
	      e.exception.error_code == 6, "a #PF being re-injected reads as exception.injected");
	CHECK(e.nmi.pending && !e.interrupt.injected, "a queued NMI reads as nmi.pending");
	s.protected = false;		/* KVM_SET_SREGS went to real mode */
	vtx_events_to_kvm(&s, &e);
	CHECK(e.exception.injected && e.exception.nr == 14 && !e.exception.has_error_code,
	      "... in real mode since: no error code, as the next entry delivers it");

	memset(&s, 0, sizeof(s));
	s.entry_info = 0x80000480;	/* INT 0x80 cut short */
	vtx_events_to_kvm(&s, &e);
	CHECK(!e.interrupt.injected && e.interrupt.nr == 0x80,
	      "an INT n cut short is not reported injected (it runs again)");
	s.entry_info = 0x80000020;
	vtx_events_to_kvm(&s, &e);
	CHECK(e.interrupt.injected && e.interrupt.nr == 0x20, "an external interrupt being re-injected");
	s.entry_info = 0x80000202;
	vtx_events_to_kvm(&s, &e);
	CHECK(e.nmi.injected && !e.interrupt.injected, "an NMI being re-injected");
}

static void test_set(void)
{
	struct vtx_event_state s = { .protected = true }, before;
	struct kvm_vcpu_events e;

	memset(&e, 0, sizeof(e));
	e.flags = 1u << 4;		/* KVM_VCPUEVENT_VALID_PAYLOAD: not enabled */
	before = s;
	CHECK(vtx_events_from_kvm(&s, &e) == -EINVAL && !memcmp(&s, &before, sizeof(s)),
	      "payload flag without the capability: EINVAL, nothing changed");
	e.flags = 0;
	e.exception.injected = 1;
	e.exception.nr = 2;
	CHECK(vtx_events_from_kvm(&s, &e) == -EINVAL, "NMI as an exception: EINVAL");
	e.exception.nr = 32;
	CHECK(vtx_events_from_kvm(&s, &e) == -EINVAL, "exception 32: EINVAL");
	memset(&e, 0, sizeof(e));
	e.flags = KVM_VCPUEVENT_VALID_SMM;
	e.smi.smm = 1;
	CHECK(vtx_events_from_kvm(&s, &e) == -EINVAL, "entering SMM: EINVAL (no SMM)");

	memset(&e, 0, sizeof(e));
	e.flags = KVM_VCPUEVENT_VALID_SHADOW | KVM_VCPUEVENT_VALID_NMI_PENDING |
		  KVM_VCPUEVENT_VALID_SMM;
	e.exception.injected = 1;
	e.exception.nr = 13;
	e.exception.has_error_code = 0;	/* wrong: #GP has one */
	e.exception.error_code = 0x18;
	e.interrupt.injected = 1;
	e.interrupt.nr = 0x41;
	e.interrupt.shadow = KVM_X86_SHADOW_INT_MOV_SS;
	e.nmi.pending = 1;
	e.nmi.masked = 1;
	CHECK(vtx_events_from_kvm(&s, &e) == 0, "a full state is taken");
	CHECK_EQ(s.entry_info, 0x80000b0d, "the exception goes in first, error code as the CPU pushes it");
	CHECK_EQ(s.entry_error, 0x18, "with its error code");
	CHECK(s.irq_queued && s.irq_vector == 0x41, "the interrupt waits, queued");
	CHECK_EQ(s.interruptibility, VTX_INTERRUPTIBILITY_MOV_SS | VTX_INTERRUPTIBILITY_NMI,
		 "MOV SS shadow and NMI blocking");
	CHECK_EQ(s.nmi_queued, 1, "the NMI is pending");

	/* Round trip: what GET reports, SET takes back unchanged. */
	{
		struct kvm_vcpu_events e2;
		struct vtx_event_state s2 = { .protected = true };

		vtx_events_to_kvm(&s, &e2);
		CHECK(vtx_events_from_kvm(&s2, &e2) == 0 &&
		      s2.entry_info == s.entry_info && s2.entry_error == s.entry_error &&
		      s2.irq_queued && s2.irq_vector == 0x41 &&
		      s2.interruptibility == s.interruptibility && s2.nmi_queued == 1,
		      "GET then SET gives the same state");
	}
	memset(&e, 0, sizeof(e));
	e.nmi.injected = 1;
	CHECK(vtx_events_from_kvm(&s, &e) == 0 && s.entry_info == 0x80000202,
	      "an injected NMI goes into the entry information");
	CHECK(!s.irq_queued && !(s.interruptibility & VTX_INTERRUPTIBILITY_NMI),
	      "... no interrupt, NMI unmasked");
}

int main(void)
{
	test_exception_info();
	test_entry_info_for_mode();
	test_allowed();
	test_get();
	test_set();
	return unit_done();
}
