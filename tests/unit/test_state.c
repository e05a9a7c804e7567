// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of vmx/lib/state.c (KVM_SET_SREGS and friends, as kvm-intel
 * checks them; the hypercalls) and vmx/lib/pio.c (string I/O split into
 * exits as kvm-intel's emulator does).
 */
#include "unit.h"
#include "vmx/lib/state.h"
#include "vmx/lib/pio.h"

#define PE	VTX_CR0_PE
#define PG	VTX_CR0_PG
#define LME	VTX_EFER_LME
#define LMA	VTX_EFER_LMA
#define PAE	VTX_CR4_PAE

static int sregs(u64 cr0, u64 cr4, u64 efer, bool l)
{
	struct vtx_sregs_state s = {
		.cr0 = cr0, .cr3 = 0x10000, .cr4 = cr4, .efer = efer,
		.apic_base = 0xfee00900, .cs_l = l,
	};

	return vtx_sregs_check(&s, true, 39);
}

static void test_sregs(void)
{
	struct vtx_sregs_state s = { .cr0 = 0x60000010 };

	CHECK_EQ(sregs(0x60000010, 0, 0, false), 0, "reset state (CD, NW, ET)");
	CHECK_EQ(sregs(PE, 0, 0, false), 0, "protected mode");
	CHECK_EQ(sregs(PE | PG, PAE, LME | LMA, true), 0, "long mode");
	CHECK_EQ(sregs(PE | PG, PAE, LME | LMA, false), 0,
		 "compatibility mode (CS.L clear in IA-32e mode)");
	CHECK_EQ(sregs(PE | PG, PAE, LME, true), -EINVAL,
		 "LME and PG without LMA");
	CHECK_EQ(sregs(PE | PG, 0, LME | LMA, true), -EINVAL,
		 "IA-32e mode without PAE");
	CHECK_EQ(sregs(PE, PAE, LME | LMA, false), -EINVAL,
		 "LMA without PG");
	CHECK_EQ(sregs(PE | PG, PAE, LMA, false), -EINVAL, "LMA without LME");
	CHECK_EQ(sregs(PE, 0, LME, false), 0, "LME alone, paging off");
	CHECK_EQ(sregs(PE, 0, 0, true), -EINVAL, "CS.L outside IA-32e mode");
	CHECK_EQ(sregs(PE | VTX_CR0_NW, 0, 0, false), -EINVAL,
		 "CR0.NW without CD");
	CHECK_EQ(sregs(PG, 0, 0, false), -EINVAL, "CR0.PG without PE");
	CHECK_EQ(sregs(PE | (1ULL << 32), 0, 0, false), -EINVAL,
		 "CR0 bit 32");
	CHECK_EQ(sregs(PE, 0, 1ULL << 3, false), -EINVAL,
		 "EFER bit 3 (reserved on Intel)");
	CHECK_EQ(sregs(PE, 0, VTX_EFER_SCE | VTX_EFER_NX, false), 0,
		 "EFER.SCE and NXE");
	s.cr3 = 1ULL << 39;
	s.cr0 = PE | PG;
	s.cr4 = PAE;
	s.efer = LME | LMA;
	CHECK_EQ(vtx_sregs_check(&s, true, 39), -EINVAL,
		 "IA-32e mode: CR3 above MAXPHYADDR");
	s.cr3 = 1ULL << 38;
	CHECK_EQ(vtx_sregs_check(&s, true, 39), 0, "CR3 just below MAXPHYADDR");
	CHECK_EQ(vtx_sregs_check(&s, false, 39), -EINVAL, "CR4 refused");
	s.apic_base = 0xfee00000 | (1ULL << 10) | (1ULL << 11);
	CHECK_EQ(vtx_sregs_check(&s, true, 39), -EINVAL, "APIC base: x2APIC");
	s.apic_base = 0xfee00000 | 1;
	CHECK_EQ(vtx_sregs_check(&s, true, 39), -EINVAL,
		 "APIC base: reserved bit 0");
	s.apic_base = 0;
	CHECK_EQ(vtx_sregs_check(&s, true, 39), 0, "APIC base 0");
}

static void test_efer_msr(void)
{
	u64 out = 0;

	CHECK(!vtx_efer_from_user(LME | LMA, LME | VTX_EFER_SCE, &out) &&
	      out == (LME | LMA | VTX_EFER_SCE),
	      "EFER from user: LMA stays the CPU's (set)");
	CHECK(!vtx_efer_from_user(0, LME | LMA, &out) && out == LME,
	      "EFER from user: LMA stays the CPU's (clear)");
	CHECK_EQ(vtx_efer_from_user(0, 1ULL << 3, &out), -EINVAL,
		 "EFER from user: a reserved bit");
	CHECK_EQ(vtx_efer_from_user(0, 1ULL << 12, &out), -EINVAL,
		 "EFER from user: SVME (AMD only)");
}

static void test_pdptes(void)
{
	u64 p[4] = { 0x1001, 0x2001, 0, 0x8000000000000000ULL };

	CHECK(vtx_pdptes_valid(p, 36), "PDPTEs: present ones clean, a not-present one with anything");
	p[1] |= 1ULL << 1;
	CHECK(!vtx_pdptes_valid(p, 36), "PDPTE bit 1 reserved");
	p[1] = 0x2001 | (1ULL << 7);
	CHECK(!vtx_pdptes_valid(p, 36), "PDPTE bit 7 reserved");
	p[1] = 0x2001 | (1ULL << 36);
	CHECK(!vtx_pdptes_valid(p, 36), "PDPTE bit at MAXPHYADDR reserved");
	CHECK(vtx_pdptes_valid(p, 40), "... not with a wider MAXPHYADDR");
	p[1] = 0x2001 | (1ULL << 63);
	CHECK(!vtx_pdptes_valid(p, 40), "PDPTE XD bit reserved");
	p[1] = 0x2001 | 0x18;
	CHECK(vtx_pdptes_valid(p, 40), "PDPTE PWT and PCD allowed");
}

static void test_misc(void)
{
	CHECK_EQ(vtx_rflags_from_user(0), 2, "RFLAGS: bit 1 set");
	CHECK_EQ(vtx_rflags_from_user(~0ULL), 0x3f7fd7,
		 "RFLAGS: reserved bits cleared");
	CHECK(vtx_fpu_mxcsr_valid(0x1f80, 0xffff), "MXCSR reset value");
	CHECK(!vtx_fpu_mxcsr_valid(0x10000, 0xffff), "MXCSR bit 16");
	CHECK(!vtx_cr0_valid(VTX_CR0_NW), "CR0 NW alone");
	CHECK(vtx_cr0_valid(VTX_CR0_NW | VTX_CR0_CD), "CR0 NW with CD");
}

static void test_hypercalls(void)
{
	u64 a[4] = { 0 };

	CHECK_EQ(vtx_hypercall(1, a, 0, true), 0, "VAPIC_POLL_IRQ: 0");
	CHECK_EQ(vtx_hypercall(0x1234, a, 0, true), (u64)-1000,
		 "unknown: -KVM_ENOSYS");
	CHECK_EQ(vtx_hypercall(0x1234, a, 0, false), 0xfffffc18,
		 "unknown, 32-bit caller: 32-bit -KVM_ENOSYS");
	CHECK_EQ(vtx_hypercall(0x100000001ULL, a, 0, false), 0,
		 "32-bit caller: the number's upper half ignored");
	CHECK_EQ(vtx_hypercall(0x100000001ULL, a, 0, true), (u64)-1000,
		 "64-bit caller: the whole number counts");
	CHECK_EQ(vtx_hypercall(1, a, 3, true), (u64)-1, "CPL 3: -KVM_EPERM");
	CHECK_EQ(vtx_hypercall(5, a, 0, true), 0, "KICK_CPU: 0");
	CHECK_EQ(vtx_hypercall(11, a, 0, true), 0, "SCHED_YIELD: 0");
	CHECK_EQ(vtx_hypercall(10, a, 0, true), (u64)-95,
		 "SEND_IPI: -EOPNOTSUPP");
	a[3] = 0x800;
	CHECK_EQ(vtx_hypercall(10, a, 0, true), (u64)-22,
		 "SEND_IPI, logical destination: -KVM_EINVAL");
	CHECK_EQ(vtx_hypercall(12, a, 0, true), (u64)-1000,
		 "MAP_GPA_RANGE: -KVM_ENOSYS");
}

static void test_string_io(void)
{
	CHECK_EQ(vtx_string_io_count(false, true, false, 1, 4, 0, 0), 0,
		 "rep outsb, ECX 0: nothing");
	CHECK_EQ(vtx_string_io_count(true, true, false, 1, 4, 0, 0), 0,
		 "rep insb, ECX 0: nothing");
	CHECK_EQ(vtx_string_io_count(false, true, false, 2, 2,
				     0xffff0000ULL, 0), 0,
		 "rep outsw, 16-bit CX 0 (ECX not): nothing");
	CHECK_EQ(vtx_string_io_count(false, true, false, 2, 4,
				     0xffff0000ULL, 0), 1,
		 "rep outsw, 32-bit ECX: one element per exit");
	CHECK_EQ(vtx_string_io_count(false, false, false, 1, 4, 0, 0), 1,
		 "outsb without REP: one, whatever ECX");
	CHECK_EQ(vtx_string_io_count(true, false, false, 4, 4, 0, 0xffe), 1,
		 "insd without REP: one");
	CHECK_EQ(vtx_string_io_count(true, true, false, 1, 4, 2000, 0x20f00),
		 256, "rep insb 2000 at 256 below a page end: 256");
	CHECK_EQ(vtx_string_io_count(true, true, false, 1, 4, 1744, 0x21000),
		 1024, "... then 1024");
	CHECK_EQ(vtx_string_io_count(true, true, false, 2, 4, 3, 0x7200), 3,
		 "rep insw of 3: 3");
	CHECK_EQ(vtx_string_io_count(true, true, true, 2, 4, 3, 0x7204), 3,
		 "rep insw of 3, DF = 1: 3");
	CHECK_EQ(vtx_string_io_count(true, true, true, 2, 4, 3, 0x7002), 2,
		 "rep insw, DF = 1, 2 bytes above a page start: 2 (bytes, as KVM)");
	CHECK_EQ(vtx_string_io_count(true, true, true, 2, 4, 3, 0x7000), 1,
		 "rep insw, DF = 1 at a page start: 1");
	CHECK_EQ(vtx_string_io_count(true, true, false, 4, 4, 1000, 0x7f00),
		 256, "rep insd: 1 KiB = 256 (room counted in bytes, as KVM)");
	CHECK_EQ(vtx_string_reg_add(0x12340000, 2, -1), 0x1234ffff,
		 "16-bit address wraps, upper bits kept");
	CHECK_EQ(vtx_string_reg_add(0xffffffffULL | (1ULL << 40), 4, 1), 0,
		 "32-bit address wraps and zero-extends");
	CHECK_EQ(vtx_string_reg_add(5, 8, -6), ~0ULL, "64-bit");
	CHECK_EQ(vtx_string_reg_val(0x123456789ULL, 2), 0x6789, "CX");
}

int main(void)
{
	test_sregs();
	test_efer_msr();
	test_pdptes();
	test_misc();
	test_hypercalls();
	test_string_io();
	return unit_done();
}
