// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the CR4 and XCR0 checks (vmx/lib/cregs.c): every value
 * the CPU itself rejects with #GP is rejected, as KVM's kvm_set_cr4()
 * and __kvm_set_xcr() do, and what vtx does not switch stays out.
 */
#include "unit.h"
#include "vmx/lib/arch.h"
#include "vmx/lib/cregs.h"

/* A Skylake-X host with AVX-512 and MPX, PKU and AMX bits as a newer CPU. */
#define HOST_XCR0 (VTX_XFEATURE_FP | VTX_XFEATURE_SSE | VTX_XFEATURE_YMM | \
		   VTX_XFEATURE_BNDREGS | VTX_XFEATURE_BNDCSR | \
		   VTX_XFEATURE_AVX512 | VTX_XFEATURE_PKRU | VTX_XFEATURE_XTILE)

static void test_xcr0(void)
{
	u64 s = vtx_xcr0_guest_supported(HOST_XCR0, false, 0, 0);
	const u64 x87 = VTX_XFEATURE_FP, sse = VTX_XFEATURE_SSE;
	const u64 ymm = VTX_XFEATURE_YMM;

	CHECK(!(s & VTX_XFEATURE_PKRU), "XCR0: PKRU never offered (not switched)");
	CHECK(!(s & VTX_XFEATURE_XTILE), "XCR0: AMX tiles never offered (XFD)");
	CHECK(s & VTX_XFEATURE_AVX512, "XCR0: AVX-512 offered on an AVX-512 host");

	CHECK(vtx_xcr0_valid(0, x87, s), "XCR0 = x87: valid");
	CHECK(vtx_xcr0_valid(0, x87 | sse | ymm, s), "XCR0 = x87|SSE|AVX: valid");
	CHECK(!vtx_xcr0_valid(1, x87, s), "XCR1: #GP (only XCR0 exists)");
	CHECK(!vtx_xcr0_valid(0, sse, s), "XCR0 without x87: #GP");
	CHECK(!vtx_xcr0_valid(0, 0, s), "XCR0 = 0: #GP");
	CHECK(!vtx_xcr0_valid(0, x87 | ymm, s), "AVX without SSE: #GP");
	CHECK(!vtx_xcr0_valid(0, x87 | sse | VTX_XFEATURE_BNDREGS, s),
	      "BNDREGS without BNDCSR: #GP");
	CHECK(!vtx_xcr0_valid(0, x87 | sse | VTX_XFEATURE_BNDCSR, s),
	      "BNDCSR without BNDREGS: #GP");
	CHECK(vtx_xcr0_valid(0, x87 | VTX_XFEATURE_BNDREGS | VTX_XFEATURE_BNDCSR, s),
	      "BNDREGS|BNDCSR together: valid");
	CHECK(!vtx_xcr0_valid(0, x87 | sse | ymm | VTX_XFEATURE_OPMASK, s),
	      "opmask alone: #GP (AVX-512 is all or none)");
	CHECK(!vtx_xcr0_valid(0, x87 | sse | ymm | VTX_XFEATURE_OPMASK |
				 VTX_XFEATURE_ZMM_HI256, s),
	      "AVX-512 without Hi16_ZMM: #GP");
	CHECK(!vtx_xcr0_valid(0, x87 | sse | VTX_XFEATURE_AVX512, s),
	      "AVX-512 without YMM: #GP");
	CHECK(vtx_xcr0_valid(0, x87 | sse | ymm | VTX_XFEATURE_AVX512, s),
	      "AVX-512 with YMM: valid");
	CHECK(!vtx_xcr0_valid(0, x87 | VTX_XFEATURE_PKRU, s),
	      "PKRU: #GP (not supported for guests)");
	CHECK(!vtx_xcr0_valid(0, x87 | sse | VTX_XFEATURE_XTILE, s),
	      "XTILE: #GP (not supported for guests)");
	CHECK(!vtx_xcr0_valid(0, x87 | (1ULL << 63), s), "bit 63: #GP");

	/* The pair rules hold whatever is supported (silicon checks them). */
	CHECK(!vtx_xcr0_valid(0, x87 | sse | VTX_XFEATURE_XTILECFG, ~0ULL),
	      "XTILECFG without XTILEDATA: #GP");
	CHECK(!vtx_xcr0_valid(0, x87 | sse | VTX_XFEATURE_XTILEDATA, ~0ULL),
	      "XTILEDATA without XTILECFG: #GP");
	CHECK(vtx_xcr0_valid(0, x87 | sse | VTX_XFEATURE_XTILE, ~0ULL),
	      "XTILECFG|XTILEDATA together: valid where supported");

	/* A host without AVX: nothing beyond what it has. */
	s = vtx_xcr0_guest_supported(x87 | sse, false, 0, 0);
	CHECK(!vtx_xcr0_valid(0, x87 | sse | ymm, s), "AVX on an SSE-only host: #GP");

	/* A CPUID table limits the guest to its leaf 0xD. */
	s = vtx_xcr0_guest_supported(HOST_XCR0, true, 0x3, 0);
	CHECK_EQ(s, x87 | sse, "CPUID 0xD.0 EAX=3: x87|SSE only");
	CHECK(!vtx_xcr0_valid(0, x87 | sse | ymm, s),
	      "AVX not in the guest's CPUID: #GP");
	s = vtx_xcr0_guest_supported(HOST_XCR0, true, 0, 0);
	CHECK_EQ(s, x87, "a table without leaf 0xD: x87 only (KVM)");
	s = vtx_xcr0_guest_supported(HOST_XCR0, true, 0xffffffff, 0xffffffff);
	CHECK_EQ(s, HOST_XCR0 & VTX_XFEATURE_GUEST,
		 "a table that offers everything: the host's, less PKRU/AMX");
}

static void test_cr4(void)
{
	struct vtx_cr4_cpuid all = { ~0u, ~0u, ~0u }, none = { 0, 0, 0 };
	u64 fixed1 = 0x3727ff;		/* Bochs Skylake-X: up to PKE, LA57 */
	u64 valid = vtx_cr4_guest_valid_bits(&all, ~0ULL);
	struct vtx_cr4_ctx c = { .valid_bits = valid };

	CHECK(!(valid & (VTX_CR4_VMXE | VTX_CR4_SMXE)), "CR4: no VMXE, SMXE");
	CHECK(!(valid & (VTX_CR4_CET | VTX_CR4_PKS | VTX_CR4_FRED | VTX_CR4_KL)),
	      "CR4: no CET, PKS, FRED, KL (host state vtx does not switch)");
	CHECK(!(valid & VTX_CR4_PKE), "CR4: no PKE (PKRU is not switched)");
	CHECK(!(valid & VTX_CR4_LA57), "CR4: no LA57 (4-level walker)");
	CHECK(valid & VTX_CR4_OSXSAVE, "CR4: OSXSAVE with CPUID.XSAVE");

	valid = vtx_cr4_guest_valid_bits(&none, ~0ULL);
	CHECK(!(valid & (VTX_CR4_OSXSAVE | VTX_CR4_PCIDE | VTX_CR4_FSGSBASE |
			 VTX_CR4_SMEP | VTX_CR4_SMAP | VTX_CR4_UMIP)),
	      "CR4: CPUID-dependent bits reserved when CPUID lacks them");
	CHECK(valid & VTX_CR4_PAE, "CR4: PAE always allowed");

	valid = vtx_cr4_guest_valid_bits(&all, fixed1 & ~VTX_CR4_SMAP);
	CHECK(!(valid & VTX_CR4_SMAP), "CR4: not beyond IA32_VMX_CR4_FIXED1");

	/* MOV to CR4. */
	c.long_mode = false;
	c.guest_pcid = true;
	CHECK(vtx_cr4_write_valid(&c, VTX_CR4_PAE | VTX_CR4_PSE), "MOV CR4: PAE|PSE");
	CHECK(!vtx_cr4_write_valid(&c, VTX_CR4_CET), "MOV CR4: CET is #GP");
	CHECK(!vtx_cr4_write_valid(&c, VTX_CR4_PCIDE | VTX_CR4_PAE),
	      "MOV CR4: PCIDE outside long mode is #GP");
	c.long_mode = true;
	c.old_cr4 = VTX_CR4_PAE;
	CHECK(!vtx_cr4_write_valid(&c, 0), "MOV CR4: clearing PAE in long mode is #GP");
	CHECK(vtx_cr4_write_valid(&c, VTX_CR4_PAE | VTX_CR4_PCIDE),
	      "MOV CR4: PCIDE in long mode with CR3[11:0] = 0");
	c.cr3 = 0x1001;
	CHECK(!vtx_cr4_write_valid(&c, VTX_CR4_PAE | VTX_CR4_PCIDE),
	      "MOV CR4: PCIDE with CR3[11:0] != 0 is #GP");
	c.cr3 = 0;
	c.guest_pcid = false;
	CHECK(!vtx_cr4_write_valid(&c, VTX_CR4_PAE | VTX_CR4_PCIDE),
	      "MOV CR4: PCIDE without CPUID.PCID is #GP");
	c.old_cr4 = VTX_CR4_PAE | VTX_CR4_PCIDE;
	CHECK(vtx_cr4_write_valid(&c, VTX_CR4_PAE | VTX_CR4_PCIDE),
	      "MOV CR4: PCIDE staying 1 is not re-checked");
	c.valid_bits |= VTX_CR4_LA57;
	c.old_cr4 = VTX_CR4_PAE;
	CHECK(!vtx_cr4_write_valid(&c, VTX_CR4_PAE | VTX_CR4_LA57),
	      "MOV CR4: LA57 cannot change in long mode");
}

static void test_dr6(void)
{
	CHECK_EQ(vtx_dr6_after_db(0xffff0ff0, 1u << 14), 0xffff4ff0,
		 "DR6 after a single-step #DB: BS set (0xffff4ff0)");
	CHECK_EQ(vtx_dr6_after_db(0xffff0ff1, 1u << 14), 0xffff4ff0,
		 "DR6: B0-B3 of an earlier #DB are replaced");
	CHECK_EQ(vtx_dr6_after_db(0xffff4ff0, 0x2), 0xffff4ff2,
		 "DR6: BS of an earlier #DB stays (never cleared by the CPU)");
	CHECK_EQ(vtx_dr6_after_db(0xffff0ff0, 1u << 16), 0xfffe0ff0,
		 "DR6: RTM is active low");
	CHECK_EQ(vtx_dr6_after_db(0xffff0ff0, 1u << 12), 0xffff0ff0,
		 "DR6: bit 12 (enabled breakpoint) stays clear");
	CHECK_EQ(vtx_dr6_after_db(0xffff0ff0, 0), 0xffff0ff0,
		 "DR6 after ICEBP: unchanged (no cause bit)");
}

int main(void)
{
	test_dr6();
	test_xcr0();
	test_cr4();
	return unit_done();
}
