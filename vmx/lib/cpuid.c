// SPDX-License-Identifier: GPL-2.0
/*
 * The CPUID a guest of vtx sees.  A bit stays only if the guest can use
 * what it announces under vtx's VMCS: an instruction vtx makes #UD (VMX,
 * INVPCID, XSAVES), an MSR it does not pass through (PDCM, x2APIC), a
 * device it does not model (TSC deadline timer) or state it does not
 * switch (XSAVE without vtx's XSAVE support, PKRU, AMX tiles) goes.
 * So do the MSRs a guest would read because CPUID names them and that
 * vtx answers with #GP (machine-check architecture, speculation control,
 * IA32_ARCH_CAPABILITIES), and the host's APIC IDs, which name the host
 * CPU the vCPU happens to run on (the caller puts the vCPU's own there).
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
		r[VTX_CPUID_EBX] &= ~VTX_CPUID1_EBX_APIC_ID;
		r[VTX_CPUID_EDX] &= ~VTX_CPUID1_EDX_MCA;
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
		r[VTX_CPUID_EDX] &= ~(VTX_CPUID7_EDX_AMX | VTX_CPUID7_EDX_SPEC_MSRS);
		if (!xsave)
			r[VTX_CPUID_EBX] &= ~(VTX_CPUID7_EBX_AVX2 |
					      VTX_CPUID7_EBX_AVX512);
		break;
	case 0xb:	/* topology: EDX is the host CPU's x2APIC ID */
	case 0x1f:
		r[VTX_CPUID_EDX] = 0;
		break;
	case 0xd:
		if (!xsave)
			r[0] = r[1] = r[2] = r[3] = 0;
		else if (index == 0)	/* what vtx switches (lib/cregs.h) */
			r[VTX_CPUID_EAX] &= ~(VTX_CPUIDD0_EAX_PKRU |
					      VTX_CPUIDD0_EAX_XTILE);
		else if (index == 1) {	/* no XSAVES, no IA32_XSS */
			r[VTX_CPUID_EAX] &= ~VTX_CPUIDD1_EAX_XSAVES;
			r[VTX_CPUID_ECX] = r[VTX_CPUID_EDX] = 0;
		} else if (index == 9 || index == 17 || index == 18) {
			r[0] = r[1] = r[2] = r[3] = 0;
		}
		break;
	case 0x1d:	/* AMX tile information */
	case 0x1e:
		r[0] = r[1] = r[2] = r[3] = 0;
		break;
	case 0xa:	/* performance monitoring: RDPMC raises #GP */
		r[0] = r[1] = r[2] = r[3] = 0;
		break;
	}
}
