// SPDX-License-Identifier: GPL-2.0
/*
 * CR4 and XCR0 values a guest may load (see cregs.h).  A wrong answer
 * here is not a guest's problem only: vtx loads XCR0 itself with XSETBV
 * in the host, where a #GP is a host oops, and a CR4 bit it lets through
 * reaches host state (CET, PKS, FRED, PKRU) the guest must not touch.
 */
#include "cregs.h"

/* CPUID feature bits (SDM Vol. 2A, CPUID, Tables 3-8 to 3-10). */
#define CPUID1_ECX_PCID		BIT(17)
#define CPUID1_ECX_XSAVE	BIT(26)
#define CPUID7_EBX_FSGSBASE	BIT(0)
#define CPUID7_EBX_SMEP		BIT(7)
#define CPUID7_EBX_SMAP		BIT(20)
#define CPUID7_ECX_UMIP		BIT(2)

u64 vtx_cr4_guest_valid_bits(const struct vtx_cr4_cpuid *id, u64 host_fixed1)
{
	u64 valid = VTX_CR4_GUEST_ALLOWED;

	/* KVM's __cr4_reserved_bits(guest_cpuid_has, vcpu). */
	if (!(id->leaf1_ecx & CPUID1_ECX_XSAVE))
		valid &= ~VTX_CR4_OSXSAVE;
	if (!(id->leaf1_ecx & CPUID1_ECX_PCID))
		valid &= ~VTX_CR4_PCIDE;
	if (!(id->leaf7_ebx & CPUID7_EBX_FSGSBASE))
		valid &= ~VTX_CR4_FSGSBASE;
	if (!(id->leaf7_ebx & CPUID7_EBX_SMEP))
		valid &= ~VTX_CR4_SMEP;
	if (!(id->leaf7_ebx & CPUID7_EBX_SMAP))
		valid &= ~VTX_CR4_SMAP;
	if (!(id->leaf7_ecx & CPUID7_ECX_UMIP))
		valid &= ~VTX_CR4_UMIP;
	/* And what the CPU allows in VMX operation (SDM A.8). */
	return valid & host_fixed1;
}

bool vtx_cr4_write_valid(const struct vtx_cr4_ctx *c, u64 cr4)
{
	if (cr4 & ~c->valid_bits)
		return false;
	if (c->long_mode) {
		if (!(cr4 & VTX_CR4_PAE))
			return false;
		if ((cr4 ^ c->old_cr4) & VTX_CR4_LA57)
			return false;
	}
	/* SDM Vol. 3A 4.10.1: PCIDE=1 needs IA-32e mode and PCID 0. */
	if ((cr4 & VTX_CR4_PCIDE) && !(c->old_cr4 & VTX_CR4_PCIDE)) {
		if (!c->guest_pcid || !c->long_mode || (c->cr3 & 0xfff))
			return false;
	}
	return true;
}

u64 vtx_xcr0_guest_supported(u64 host_xcr0, bool has_table, u32 leaf_d_eax,
			     u32 leaf_d_edx)
{
	u64 supported = host_xcr0 & VTX_XFEATURE_GUEST;

	if (has_table)
		supported &= ((u64)leaf_d_edx << 32) | leaf_d_eax;
	return supported | VTX_XFEATURE_FP;
}

bool vtx_xcr0_valid(u32 index, u64 xcr0, u64 supported)
{
	if (index != 0)
		return false;
	if (!(xcr0 & VTX_XFEATURE_FP))
		return false;
	if ((xcr0 & VTX_XFEATURE_YMM) && !(xcr0 & VTX_XFEATURE_SSE))
		return false;
	if (xcr0 & ~(supported | VTX_XFEATURE_FP))
		return false;
	if (!(xcr0 & VTX_XFEATURE_BNDREGS) != !(xcr0 & VTX_XFEATURE_BNDCSR))
		return false;
	if (xcr0 & VTX_XFEATURE_AVX512) {
		if (!(xcr0 & VTX_XFEATURE_YMM))
			return false;
		if ((xcr0 & VTX_XFEATURE_AVX512) != VTX_XFEATURE_AVX512)
			return false;
	}
	if ((xcr0 & VTX_XFEATURE_XTILE) &&
	    (xcr0 & VTX_XFEATURE_XTILE) != VTX_XFEATURE_XTILE)
		return false;
	return true;
}

u64 vtx_dr6_after_db(u64 dr6, u64 payload)
{
	dr6 &= ~VTX_DR6_TRAP_BITS;
	dr6 |= VTX_DR6_ACTIVE_LOW;
	dr6 |= payload;
	/* RTM is active low in DR6, active high in the payload. */
	dr6 ^= payload & VTX_DR6_ACTIVE_LOW;
	return dr6 & ~BIT_ULL(12);
}
