/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What CPUID tells a guest of vtx: the host's answer, less what vtx does
 * not virtualize.  Used for KVM_GET_SUPPORTED_CPUID and for a vCPU that
 * has no KVM_SET_CPUID2 table.  Pure logic, unit-tested in userspace.
 */
#ifndef _VTX_VMX_CPUID_H
#define _VTX_VMX_CPUID_H

#include <vtx/types.h>

enum { VTX_CPUID_EAX, VTX_CPUID_EBX, VTX_CPUID_ECX, VTX_CPUID_EDX };

/* Bits named here and in the tests (SDM Vol. 2A, CPUID, Tables 3-10/3-8). */
#define VTX_CPUID1_ECX_MONITOR		(1U << 3)
#define VTX_CPUID1_ECX_VMX		(1U << 5)
#define VTX_CPUID1_ECX_SMX		(1U << 6)
#define VTX_CPUID1_ECX_FMA		(1U << 12)
#define VTX_CPUID1_ECX_PDCM		(1U << 15)
#define VTX_CPUID1_ECX_X2APIC		(1U << 21)
#define VTX_CPUID1_ECX_TSC_DEADLINE	(1U << 24)
#define VTX_CPUID1_ECX_XSAVE		(1U << 26)
#define VTX_CPUID1_ECX_OSXSAVE		(1U << 27)
#define VTX_CPUID1_ECX_AVX		(1U << 28)
#define VTX_CPUID1_ECX_F16C		(1U << 29)
#define VTX_CPUID1_ECX_HYPERVISOR	(1U << 31)
#define VTX_CPUID7_EBX_AVX2		(1U << 5)
#define VTX_CPUID7_EBX_INVPCID		(1U << 10)
#define VTX_CPUID7_EBX_MPX		(1U << 14)
#define VTX_CPUID7_EBX_AVX512		0xdc230000U	/* F DQ IFMA PF ER CD BW VL */
#define VTX_CPUID7_ECX_PKU		(1U << 3)
#define VTX_CPUID7_ECX_OSPKE		(1U << 4)
#define VTX_CPUID7_ECX_WAITPKG		(1U << 5)
#define VTX_CPUIDD1_EAX_XSAVES		(1U << 3)
#define VTX_CPUID1_EBX_APIC_ID		0xff000000U
#define VTX_CPUID1_EDX_MCA		(1U << 14)
/* CPUID.7.0:EDX: AMX (22, 24, 25) and the speculation-control MSRs:
 * IBRS/IBPB (IA32_SPEC_CTRL, IA32_PRED_CMD), STIBP, L1D_FLUSH,
 * IA32_ARCH_CAPABILITIES, IA32_CORE_CAPABILITIES, SSBD (26-31).
 */
#define VTX_CPUID7_EDX_AMX		((1U << 22) | (1U << 24) | (1U << 25))
#define VTX_CPUID7_EDX_SPEC_MSRS	0xfc000000U
/* XCR0 components in CPUID.0xD.0:EAX that vtx does not switch. */
#define VTX_CPUIDD0_EAX_PKRU		(1U << 9)
#define VTX_CPUIDD0_EAX_XTILE		((1U << 17) | (1U << 18))

/*
 * Filter the host's answer @r to CPUID(@leaf, @index) for a guest.
 * @xsave: vtx switches XCR0 and the XSAVE state (else the guest gets
 * neither XSAVE nor what needs it).  OSXSAVE is left clear: it mirrors the
 * guest's CR4 when the guest asks (vtx_cpuid_osxsave()).
 */
void vtx_cpuid_filter(u32 leaf, u32 index, bool xsave, u32 r[4]);

/* CPUID.1:ECX.OSXSAVE follows the guest's CR4.OSXSAVE (SDM Vol. 2A). */
static inline u32 vtx_cpuid_osxsave(u32 ecx, bool cr4_osxsave)
{
	ecx &= ~VTX_CPUID1_ECX_OSXSAVE;
	if (cr4_osxsave && (ecx & VTX_CPUID1_ECX_XSAVE))
		ecx |= VTX_CPUID1_ECX_OSXSAVE;
	return ecx;
}

#endif
