// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of vmx/lib/walk.c: page tables built in a fake guest memory,
 * one per paging mode, translated as the SDM says.
 */
#include <string.h>
#include "unit.h"
#include "vmx/lib/walk.h"

#define MEM (1 << 20)
static u8 mem[MEM];

static int rd(void *ctx, u64 gpa, void *buf, unsigned int len)
{
	(void)ctx;
	if (gpa + len > MEM)
		return -EFAULT;
	memcpy(buf, mem + gpa, len);
	return 0;
}

static void put32(u64 gpa, u32 v) { memcpy(mem + gpa, &v, 4); }
static void put64(u64 gpa, u64 v) { memcpy(mem + gpa, &v, 8); }

static void test_modes(void)
{
	struct vtx_paging p = { 0 };
	u64 gpa = 0;

	CHECK(!vtx_guest_translate(&p, 0x12345, rd, NULL, &gpa) &&
	      gpa == 0x12345, "no paging: identity");
	CHECK(!vtx_guest_translate(&p, 0x100012345ULL, rd, NULL, &gpa) &&
	      gpa == 0x12345, "no paging outside long mode: 32-bit wrap");

	/* 32-bit paging: CR3 0x1000, PDE[1] -> PT 0x2000, PTE[2] -> 0x5000. */
	memset(mem, 0, sizeof(mem));
	p = (struct vtx_paging){ .cr0 = 0x80000001, .cr3 = 0x1000 };
	put32(0x1000 + 1 * 4, 0x2000 | 1);
	put32(0x2000 + 2 * 4, 0x5000 | 1);
	CHECK(!vtx_guest_translate(&p, 0x00402abc, rd, NULL, &gpa) &&
	      gpa == 0x5abc, "32-bit paging: 4 KiB page (0x%llx)",
	      (unsigned long long)gpa);
	CHECK(vtx_guest_translate(&p, 0x00403abc, rd, NULL, &gpa) == -EFAULT,
	      "32-bit paging: not-present PTE faults");
	/* PDE[2] 4 MiB page with PSE */
	put32(0x1000 + 2 * 4, 0x00c00000 | 0x80 | 1);
	p.cr4 = 0x10;
	CHECK(!vtx_guest_translate(&p, 0x00812345, rd, NULL, &gpa) &&
	      gpa == 0xc12345, "32-bit paging: 4 MiB page with PSE");

	/* PAE: CR3 0x3000 (32-byte aligned), PDPTE[0] -> PD 0x4000,
	 * PDE[0] -> PT 0x6000, PTE[5] -> 0x7000; PDE[1] 2 MiB -> 0x800000. */
	memset(mem, 0, sizeof(mem));
	p = (struct vtx_paging){ .cr0 = 0x80000001, .cr3 = 0x3000, .cr4 = 0x20 };
	put64(0x3000, 0x4000 | 1);
	put64(0x4000, 0x6000 | 1);
	put64(0x6000 + 5 * 8, 0x7000 | 1);
	put64(0x4000 + 8, 0x800000 | 0x80 | 1);
	CHECK(!vtx_guest_translate(&p, 0x5123, rd, NULL, &gpa) && gpa == 0x7123,
	      "PAE paging: 4 KiB page");
	CHECK(!vtx_guest_translate(&p, 0x212345, rd, NULL, &gpa) &&
	      gpa == 0x812345, "PAE paging: 2 MiB page");
	CHECK(vtx_guest_translate(&p, 0x40000000, rd, NULL, &gpa) == -EFAULT,
	      "PAE paging: not-present PDPTE faults");

	/* 4-level: PML4 0x10000, [511] -> PDPT 0x11000, [510] -> PD 0x12000,
	 * [0] -> PT 0x13000, [1] -> 0x9000; and PDPT[0] 1 GiB page. */
	memset(mem, 0, sizeof(mem));
	p = (struct vtx_paging){ .cr0 = 0x80000001, .cr3 = 0x10000,
				 .cr4 = 0x20, .efer = 0x500 };
	put64(0x10000 + 511 * 8, 0x11000 | 1);
	put64(0x11000 + 510 * 8, 0x12000 | 1);
	put64(0x12000, 0x13000 | 1);
	put64(0x13000 + 8, 0x9000 | 1);
	CHECK(!vtx_guest_translate(&p, 0xffffffff80001234ULL, rd, NULL, &gpa) &&
	      gpa == 0x9234, "4-level paging: kernel-half 4 KiB page (0x%llx)",
	      (unsigned long long)gpa);
	put64(0x10000, 0x14000 | 1);
	put64(0x14000, 0x40000000ULL | 0x80 | 1);
	CHECK(!vtx_guest_translate(&p, 0x3456789, rd, NULL, &gpa) &&
	      gpa == 0x43456789, "4-level paging: 1 GiB page");
	CHECK(vtx_guest_translate(&p, 0x8000000000ULL, rd, NULL, &gpa) == -EFAULT,
	      "4-level paging: not-present PML4E faults");
	/* a table pointing outside guest memory */
	put64(0x10000 + 8 * 2, 0x7fff0000000ULL | 1);
	CHECK(vtx_guest_translate(&p, 0x10000000000ULL, rd, NULL, &gpa) == -EFAULT,
	      "4-level paging: a table outside memory faults");
}

int main(void)
{
	printf("TAP version 13\n");
	test_modes();
	return unit_done();
}
