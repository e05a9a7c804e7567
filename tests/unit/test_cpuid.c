// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the CPUID filter: what a guest of vtx learns of the host
 * CPU, with and without vtx's XSAVE support.
 */
#include <string.h>
#include "unit.h"
#include "vmx/lib/cpuid.h"

/* CPUID.1 of a Skylake-X as Bochs presents it (corei7_skylake_x). */
static const u32 skx_leaf1[4] = { 0x00050654, 0x00010800, 0xfffaf3ff, 0xbfebfbff };
static const u32 skx_leaf7[4] = { 0, 0xd19f47ab, 0x0000001c, 0 };

static void test_leaf1(void)
{
	u32 r[4];

	memcpy(r, skx_leaf1, sizeof(r));
	vtx_cpuid_filter(1, 0, true, r);
	CHECK_EQ(r[0], skx_leaf1[0], "leaf 1: EAX (signature) passes");
	CHECK_EQ(r[3], skx_leaf1[3] & ~VTX_CPUID1_EDX_MCA, "leaf 1: EDX passes, less MCA");
	CHECK(!(r[2] & VTX_CPUID1_ECX_VMX), "leaf 1: VMX hidden");
	CHECK(!(r[2] & VTX_CPUID1_ECX_SMX), "leaf 1: SMX hidden");
	CHECK(r[2] & VTX_CPUID1_ECX_HYPERVISOR, "leaf 1: hypervisor bit set");
	CHECK(!(r[2] & VTX_CPUID1_ECX_OSXSAVE), "leaf 1: OSXSAVE left to CR4");
	CHECK(!(r[2] & VTX_CPUID1_ECX_X2APIC), "leaf 1: no x2APIC (no APIC model)");
	CHECK(!(r[2] & VTX_CPUID1_ECX_MONITOR), "leaf 1: no MONITOR (it raises #UD)");
	CHECK(r[2] & VTX_CPUID1_ECX_XSAVE, "leaf 1: XSAVE kept with XSAVE support");
	CHECK(r[2] & VTX_CPUID1_ECX_AVX, "leaf 1: AVX kept with XSAVE support");

	memcpy(r, skx_leaf1, sizeof(r));
	vtx_cpuid_filter(1, 0, false, r);
	CHECK(!(r[2] & (VTX_CPUID1_ECX_XSAVE | VTX_CPUID1_ECX_AVX |
			VTX_CPUID1_ECX_FMA | VTX_CPUID1_ECX_F16C)),
	      "leaf 1 without XSAVE support: no XSAVE, AVX, FMA, F16C");
	CHECK(r[2] & (1U << 0), "leaf 1 without XSAVE support: SSE3 kept");
}

static void test_osxsave(void)
{
	u32 ecx = VTX_CPUID1_ECX_XSAVE;

	CHECK_EQ(vtx_cpuid_osxsave(ecx, true), ecx | VTX_CPUID1_ECX_OSXSAVE,
		 "OSXSAVE: set when CR4.OSXSAVE is");
	CHECK_EQ(vtx_cpuid_osxsave(ecx | VTX_CPUID1_ECX_OSXSAVE, false), ecx,
		 "OSXSAVE: clear when CR4.OSXSAVE is");
	CHECK_EQ(vtx_cpuid_osxsave(0, true), 0,
		 "OSXSAVE: never without XSAVE in the table");
}

static void test_leaf7_and_xsave_leaves(void)
{
	u32 r[4];

	memcpy(r, skx_leaf7, sizeof(r));
	vtx_cpuid_filter(7, 0, true, r);
	CHECK(!(r[1] & VTX_CPUID7_EBX_INVPCID), "leaf 7: no INVPCID (#UD under vtx)");
	CHECK(!(r[2] & (VTX_CPUID7_ECX_PKU | VTX_CPUID7_ECX_OSPKE)),
	      "leaf 7: no PKU (PKRU is not switched)");
	CHECK(r[1] & VTX_CPUID7_EBX_AVX2, "leaf 7: AVX2 kept with XSAVE support");

	memcpy(r, skx_leaf7, sizeof(r));
	vtx_cpuid_filter(7, 0, false, r);
	CHECK(!(r[1] & (VTX_CPUID7_EBX_AVX2 | VTX_CPUID7_EBX_AVX512)),
	      "leaf 7 without XSAVE support: no AVX2, no AVX-512");
	CHECK(r[1] & (1U << 0), "leaf 7 without XSAVE support: FSGSBASE kept");

	r[0] = r[1] = r[2] = r[3] = 0x1234;
	vtx_cpuid_filter(7, 1, true, r);
	CHECK(!(r[0] | r[1] | r[2] | r[3]), "leaf 7.1: empty");

	r[0] = 0xf; r[1] = 0; r[2] = 0; r[3] = 0;
	vtx_cpuid_filter(0xd, 1, true, r);
	CHECK_EQ(r[0], 0x7, "leaf 0xd.1: XSAVEOPT/XSAVEC/XGETBV1 kept, XSAVES gone");

	r[0] = 0x7; r[1] = 0x340; r[2] = 0x340; r[3] = 0;
	vtx_cpuid_filter(0xd, 0, false, r);
	CHECK(!(r[0] | r[1] | r[2] | r[3]), "leaf 0xd without XSAVE support: empty");
}

/* What names an MSR vtx answers with #GP, or the host CPU, goes. */
static void test_msrs_and_ids(void)
{
	u32 r[4];

	memcpy(r, skx_leaf1, sizeof(r));
	r[1] |= 0x05000000;	/* host APIC ID 5 */
	vtx_cpuid_filter(1, 0, true, r);
	CHECK(!(r[1] & VTX_CPUID1_EBX_APIC_ID), "leaf 1: host APIC ID cleared");
	CHECK(!(r[3] & VTX_CPUID1_EDX_MCA), "leaf 1: no MCA (MCG_* MSRs #GP)");
	CHECK(r[3] & (1U << 4), "leaf 1: TSC kept");

	r[0] = 0; r[1] = 0; r[2] = 0;
	r[3] = 0xfc000000U | (1U << 10) | VTX_CPUID7_EDX_AMX;
	vtx_cpuid_filter(7, 0, true, r);
	CHECK(!(r[3] & VTX_CPUID7_EDX_SPEC_MSRS),
	      "leaf 7: no IBRS/STIBP/L1D_FLUSH/ARCH_CAPABILITIES/SSBD (their MSRs #GP)");
	CHECK(!(r[3] & VTX_CPUID7_EDX_AMX), "leaf 7: no AMX (tiles not switched)");
	CHECK(r[3] & (1U << 10), "leaf 7: MD_CLEAR kept (VERW, no MSR)");

	r[0] = 1; r[1] = 2; r[2] = 0x100; r[3] = 7;
	vtx_cpuid_filter(0xb, 0, true, r);
	CHECK_EQ(r[3], 0, "leaf 0xb: host x2APIC ID cleared");

	r[0] = 0x602e7; r[1] = 0x2b00; r[2] = 0x2b00; r[3] = 0;
	vtx_cpuid_filter(0xd, 0, true, r);
	CHECK_EQ(r[0], 0xe7, "leaf 0xd.0: PKRU and AMX components hidden");
	r[0] = 0x2000; r[1] = 0x340; r[2] = 0; r[3] = 0;
	vtx_cpuid_filter(0xd, 18, true, r);
	CHECK(!(r[0] | r[1] | r[2] | r[3]), "leaf 0xd.18 (XTILEDATA): empty");
}

int main(void)
{
	test_msrs_and_ids();
	test_leaf1();
	test_osxsave();
	test_leaf7_and_xsave_leaves();
	return unit_done();
}
