// SPDX-License-Identifier: GPL-2.0
/*
 * The CPUID a guest of vtx sees.  A bit stays only if the guest can use
 * what it announces under vtx's VMCS: an instruction vtx makes #UD (VMX,
 * INVPCID, XSAVES), an MSR it does not pass through (PDCM, x2APIC), a
 * device it does not model (TSC deadline timer) or state it does not
 * switch (XSAVE without vtx's XSAVE support, PKRU) goes.
 */
#include "cpuid.h"

void vtx_cpuid_filter(u32 leaf, u32 index, bool xsave, u32 r[4])
{
	switch (leaf) {
	case 1:
		r[VTX_CPUID_ECX] &= ~(VTX_CPUID1_ECX_MONITOR | VTX_CPUID1_ECX_VMX |
				      VTX_CPUID1_ECX_SMX | VTX_CPUID1_ECX_PDCM |
				      VTX_CPUID1_ECX_X2APIC |
				      VTX_CPUID1_ECX_TSC_DEADLINE |
				      VTX_CPUID1_ECX_OSXSAVE);
		if (!xsave)
			r[VTX_CPUID_ECX] &= ~(VTX_CPUID1_ECX_XSAVE |
					      VTX_CPUID1_ECX_AVX |
					      VTX_CPUID1_ECX_FMA |
					      VTX_CPUID1_ECX_F16C);
		r[VTX_CPUID_ECX] |= VTX_CPUID1_ECX_HYPERVISOR;
		break;
	case 5:		/* MONITOR/MWAIT: they exit and raise #UD */
		r[0] = r[1] = r[2] = r[3] = 0;
		break;
	case 7:
		if (index != 0) {
			r[0] = r[1] = r[2] = r[3] = 0;
			break;
		}
		r[VTX_CPUID_EAX] = 0;	/* no subleaf 1 and beyond */
		r[VTX_CPUID_EBX] &= ~(VTX_CPUID7_EBX_INVPCID | VTX_CPUID7_EBX_MPX);
		r[VTX_CPUID_ECX] &= ~(VTX_CPUID7_ECX_PKU | VTX_CPUID7_ECX_OSPKE |
				      VTX_CPUID7_ECX_WAITPKG);
		if (!xsave)
			r[VTX_CPUID_EBX] &= ~(VTX_CPUID7_EBX_AVX2 |
					      VTX_CPUID7_EBX_AVX512);
		break;
	case 0xd:
		if (!xsave)
			r[0] = r[1] = r[2] = r[3] = 0;
		else if (index == 1) {	/* no XSAVES, no IA32_XSS */
			r[VTX_CPUID_EAX] &= ~VTX_CPUIDD1_EAX_XSAVES;
			r[VTX_CPUID_ECX] = r[VTX_CPUID_EDX] = 0;
		}
		break;
	case 0xa:	/* performance monitoring: RDPMC raises #GP */
		r[0] = r[1] = r[2] = r[3] = 0;
		break;
	}
}
