// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of user/lib/boot.c, the launcher's start state: the GDT
 * descriptors must decode to the segment caches given to KVM_SET_SREGS,
 * and the long-mode page tables must translate (by vmx/lib/walk.c, vtx's
 * own page walker) every address of the first 4 GiB to itself.
 */
#include <string.h>
#include "unit.h"
#include "user/lib/boot.h"
#include "vmx/lib/walk.h"

#define MEM (1 << 20)
static uint8_t mem[MEM];

static int rd(void *ctx, u64 gpa, void *buf, unsigned int len)
{
	(void)ctx;
	if (gpa + len > MEM)
		return -EFAULT;
	memcpy(buf, mem + gpa, len);
	return 0;
}

static uint64_t get64(uint64_t gpa)
{
	uint64_t v;

	memcpy(&v, mem + gpa, 8);
	return v;
}

/* The descriptor in the GDT for @s->selector matches @s. */
static int gdt_matches(const struct kvm_segment *s)
{
	return get64(VTX_RUN_GDT_GPA + s->selector) == vtx_boot_descriptor(s);
}

static void test_long_mode(void)
{
	struct kvm_sregs s;
	struct vtx_paging p;
	u64 gpa, a;
	int ok = 1;

	memset(&s, 0, sizeof(s));
	memset(mem, 0xaa, sizeof(mem));
	CHECK(!vtx_boot_write_tables(mem, MEM, VTX_MODE_LONG64),
	      "long mode: tables written");
	vtx_boot_sregs(&s, VTX_MODE_LONG64, 0x100000);
	CHECK_EQ(s.cr0 & 0x80000031, 0x80000031, "long mode: CR0 PG, NE, ET, PE");
	CHECK_EQ(s.cr4 & 0x20, 0x20, "long mode: CR4.PAE");
	CHECK_EQ(s.efer, 0x500, "long mode: EFER LME and LMA");
	CHECK_EQ(s.cr3, VTX_RUN_PML4_GPA, "long mode: CR3 is the PML4");
	CHECK(s.cs.l == 1 && s.cs.db == 0 && s.cs.selector == VTX_RUN_SEL_CODE64,
	      "long mode: CS is 64-bit code");
	CHECK(gdt_matches(&s.cs) && gdt_matches(&s.ds) && gdt_matches(&s.tr),
	      "long mode: GDT descriptors match CS, DS and TR");
	CHECK(s.tr.type == 11 && s.tr.base == VTX_RUN_TSS_GPA,
	      "long mode: TR is a busy TSS at its page");
	CHECK_EQ(mem[VTX_RUN_TSS_GPA + 0x66], 0x68,
		 "TSS: I/O map base past the limit");
	CHECK_EQ(get64(VTX_RUN_GDT_GPA), 0, "GDT: null descriptor");
	CHECK_EQ(get64(VTX_RUN_GDT_GPA + VTX_RUN_SEL_TSS + 8), 0,
		 "GDT: TSS descriptor's upper half zero");

	p = (struct vtx_paging){ .cr0 = s.cr0, .cr3 = s.cr3, .cr4 = s.cr4,
				 .efer = s.efer };
	for (a = 0; a < (4ULL << 30); a += 0x1234567) {
		if (vtx_guest_translate(&p, a, rd, NULL, &gpa) || gpa != a) {
			ok = 0;
			printf("# 0x%llx -> 0x%llx\n", (unsigned long long)a,
			       (unsigned long long)gpa);
			break;
		}
	}
	CHECK(ok, "long mode: the first 4 GiB identity-mapped");
	CHECK(!vtx_guest_translate(&p, 0xfeb00010, rd, NULL, &gpa) &&
	      gpa == 0xfeb00010, "long mode: testdev's MMIO page mapped");
	CHECK(vtx_guest_translate(&p, 4ULL << 30, rd, NULL, &gpa) == -EFAULT,
	      "long mode: nothing mapped at 4 GiB");
	CHECK_EQ(mem[VTX_RUN_RESERVED_HI], 0xaa,
		 "nothing written above the reserved area");
	CHECK_EQ(mem[VTX_RUN_GDT_GPA - 1], 0xaa,
		 "nothing written below the reserved area");
}

static void test_prot32_and_real(void)
{
	struct kvm_sregs s;
	struct kvm_regs r;

	memset(&s, 0, sizeof(s));
	memset(mem, 0, sizeof(mem));
	CHECK(!vtx_boot_write_tables(mem, MEM, VTX_MODE_PROT32),
	      "prot32: tables written");
	vtx_boot_sregs(&s, VTX_MODE_PROT32, 0x100000);
	CHECK(s.cs.db == 1 && s.cs.l == 0 && s.cs.limit == 0xffffffff &&
	      s.cs.g == 1, "prot32: CS flat 32-bit");
	CHECK_EQ(s.cr0 & 0x80000001, 1, "prot32: PE without PG");
	CHECK_EQ(s.efer, 0, "prot32: EFER 0");
	CHECK(gdt_matches(&s.cs) && gdt_matches(&s.ss),
	      "prot32: GDT descriptors match CS and SS");
	CHECK_EQ(get64(VTX_RUN_PML4_GPA), 0, "prot32: no page tables");

	vtx_boot_regs(&r, VTX_MODE_PROT32, 0x100000, 3, 4);
	CHECK(r.rip == 0x100000 && r.rdi == 3 && r.rsi == 4 &&
	      r.rsp == VTX_RUN_STACK_TOP - 3 * VTX_RUN_STACK_SIZE &&
	      r.rsp - VTX_RUN_STACK_SIZE >= VTX_RUN_STACKS_LO,
	      "prot32: vCPU 3 of 4: its own stack, index and count");
	CHECK(r.rflags & 2, "RFLAGS bit 1 set");

	memset(&s, 0, sizeof(s));
	CHECK(!vtx_boot_write_tables(mem, 0x1000, VTX_MODE_REAL),
	      "real mode: nothing to write, any size");
	CHECK(vtx_boot_write_tables(mem, 0x1000, VTX_MODE_LONG64) == -1,
	      "long mode: too little memory refused");
	vtx_boot_sregs(&s, VTX_MODE_REAL, 0x7c00);
	vtx_boot_regs(&r, VTX_MODE_REAL, 0x7c00, 0, 1);
	CHECK(s.cs.selector == 0 && s.cs.base == 0 && r.rip == 0x7c00 &&
	      !(s.cr0 & 1), "real mode: 0000:7c00");
	vtx_boot_sregs(&s, VTX_MODE_REAL, 0x12345);
	vtx_boot_regs(&r, VTX_MODE_REAL, 0x12345, 0, 1);
	CHECK(s.cs.selector == 0x1000 && s.cs.base == 0x10000 &&
	      r.rip == 0x2345, "real mode: 1000:2345 for 0x12345");
	vtx_boot_sregs(&s, VTX_MODE_REAL, 0xfffff);
	vtx_boot_regs(&r, VTX_MODE_REAL, 0xfffff, 0, 1);
	CHECK(s.cs.base + r.rip == 0xfffff && r.rip <= 0xffff,
	      "real mode: the top byte below 1 MiB reachable");
}

int main(void)
{
	test_long_mode();
	test_prot32_and_real();
	return unit_done();
}
