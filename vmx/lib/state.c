// SPDX-License-Identifier: GPL-2.0
/*
 * The checks of vCPU state loaded through the KVM API, and the guest's
 * hypercalls, as kvm-intel makes them (state.h says where from).
 */
#include "state.h"

/* Bits @from and up of a physical address: reserved above MAXPHYADDR. */
static u64 vtx_above(unsigned int from)
{
	return from >= 64 ? 0 : ~0ULL << from;
}

bool vtx_cr0_valid(u64 cr0)
{
	if (cr0 >> 32)
		return false;
	if ((cr0 & VTX_CR0_NW) && !(cr0 & VTX_CR0_CD))
		return false;
	return !((cr0 & VTX_CR0_PG) && !(cr0 & VTX_CR0_PE));
}

int vtx_sregs_check(const struct vtx_sregs_state *s, bool cr4_ok,
		    unsigned int maxphyaddr)
{
	/*
	 * vtx keeps EFER in the VMCS, where a reserved bit fails VM entry
	 * (SDM 26.3.1.1): refused here.  kvm-intel keeps it in software
	 * and takes any value (see the README's table).
	 */
	if (s->efer & ~VTX_EFER_VALID)
		return -EINVAL;
	if ((s->efer & VTX_EFER_LME) && (s->cr0 & VTX_CR0_PG)) {
		/* IA-32e mode (SDM Vol. 3A 9.8.5): PAE on, LMA set, and a
		 * CR3 within the guest's physical address width.
		 */
		if (!(s->cr4 & VTX_CR4_PAE) || !(s->efer & VTX_EFER_LMA) ||
		    (s->cr3 & vtx_above(maxphyaddr)))
			return -EINVAL;
	} else if ((s->efer & VTX_EFER_LMA) || s->cs_l) {
		/* Not IA-32e mode: no LMA, no 64-bit code segment. */
		return -EINVAL;
	}
	if (!cr4_ok || !vtx_cr0_valid(s->cr0))
		return -EINVAL;
	return vtx_apic_base_valid(s->apic_base, maxphyaddr) ? 0 : -EINVAL;
}

int vtx_efer_from_user(u64 old, u64 val, u64 *out)
{
	if (val & ~VTX_EFER_VALID)
		return -EINVAL;
	*out = (val & ~VTX_EFER_LMA) | (old & VTX_EFER_LMA);
	return 0;
}

bool vtx_apic_base_valid(u64 val, unsigned int maxphyaddr)
{
	return !(val & (vtx_above(maxphyaddr) | 0x2ffULL | BIT_ULL(10)));
}

bool vtx_pdptes_valid(const u64 pdpte[4], unsigned int maxphyaddr)
{
	u64 rsvd = vtx_above(maxphyaddr) | (0xfULL << 5) | (3ULL << 1);
	int i;

	for (i = 0; i < 4; i++)
		if ((pdpte[i] & 1) && (pdpte[i] & rsvd))
			return false;
	return true;
}

u64 vtx_rflags_from_user(u64 rflags)
{
	return (rflags & 0x3f7fd5ULL) | BIT_ULL(1);
}

bool vtx_fpu_mxcsr_valid(u32 mxcsr, u32 mask)
{
	return !(mxcsr & ~mask);
}

/*
 * The hypercalls of KVM's ABI as kvm-intel answers them for a VM without
 * an in-kernel irqchip and without enforced PV CPUID (its default), so
 * that a guest sees the same numbers on both:
 *  - VAPIC_POLL_IRQ: 0 (nothing to poll);
 *  - KICK_CPU, SCHED_YIELD: 0 (hints: a vCPU that HLTs is in user space
 *    under vtx, so there is nothing to wake or yield to);
 *  - SEND_IPI: -KVM_EINVAL for an ICR (@a[3]) with a destination mode
 *    or shorthand, else -EOPNOTSUPP (95: kvm-intel has no local APICs
 *    to send to);
 *  - CLOCK_PAIRING: -KVM_EOPNOTSUPP (vtx offers no kvmclock);
 *  - every other number, MAP_GPA_RANGE included: -KVM_ENOSYS.
 * A caller above CPL 0 gets -KVM_EPERM.
 */
u64 vtx_hypercall(u64 nr, const u64 a[4], unsigned int cpl, bool op64)
{
	s64 ret;

	if (!op64)
		nr = (u32)nr;
	if (cpl != 0)
		ret = -VTX_KVM_EPERM;
	else if (nr == VTX_HC_VAPIC_POLL_IRQ || nr == VTX_HC_KICK_CPU ||
		 nr == VTX_HC_SCHED_YIELD)
		ret = 0;
	else if (nr == VTX_HC_SEND_IPI && (a[3] & (0x800 | 0xc0000)))
		ret = -VTX_KVM_EINVAL;
	else if (nr == VTX_HC_SEND_IPI || nr == VTX_HC_CLOCK_PAIRING)
		ret = -VTX_KVM_EOPNOTSUPP;
	else
		ret = -VTX_KVM_ENOSYS;
	return op64 ? (u64)ret : (u32)ret;
}
