// SPDX-License-Identifier: GPL-2.0
/*
 * The start state of each CPU mode a guest image may need.  The segment
 * caches given to KVM_SET_SREGS and the descriptors written to the GDT are
 * made from the same kvm_segment, so a guest that reloads a selector gets
 * what it already had.
 */
#include <string.h>
#include "boot.h"

#define CR0_PE		(1ULL << 0)
#define CR0_MP		(1ULL << 1)
#define CR0_ET		(1ULL << 4)
#define CR0_NE		(1ULL << 5)
#define CR0_WP		(1ULL << 16)
#define CR0_PG		(1ULL << 31)
#define CR4_PAE		(1ULL << 5)
#define CR4_OSFXSR	(1ULL << 9)
#define CR4_OSXMMEXCPT	(1ULL << 10)
#define EFER_LME	(1ULL << 8)
#define EFER_LMA	(1ULL << 10)
#define PTE_P		(1ULL << 0)
#define PTE_RW		(1ULL << 1)
#define PTE_PS		(1ULL << 7)
#define RFLAGS_FIXED	(1ULL << 1)
#define RFLAGS_IF	(1ULL << 9)

/* Type 0xb: code execute/read, accessed; 0x3: data read/write, accessed. */
static struct kvm_segment seg(uint16_t sel, uint32_t limit, uint8_t type,
			      uint8_t s, uint8_t db, uint8_t l, uint8_t g)
{
	struct kvm_segment k = {
		.base = 0, .limit = limit, .selector = sel, .type = type,
		.present = 1, .s = s, .db = db, .l = l, .g = g,
	};
	return k;
}

static struct kvm_segment vtx_boot_seg(uint16_t sel)
{
	switch (sel) {
	case VTX_RUN_SEL_CODE32:
		return seg(sel, 0xffffffff, 0xb, 1, 1, 0, 1);
	case VTX_RUN_SEL_CODE64:
		return seg(sel, 0xffffffff, 0xb, 1, 0, 1, 1);
	case VTX_RUN_SEL_TSS: {
		/* A busy TSS (type 11): VM entry wants TR busy (SDM 26.3.1.2). */
		struct kvm_segment t = seg(sel, 0x67, 0xb, 0, 0, 0, 0);

		t.base = VTX_RUN_TSS_GPA;
		return t;
	}
	default:
		return seg(VTX_RUN_SEL_DATA, 0xffffffff, 0x3, 1, 1, 0, 1);
	}
}

uint64_t vtx_boot_descriptor(const struct kvm_segment *s)
{
	uint32_t limit = s->g ? s->limit >> 12 : s->limit;

	return (limit & 0xffffULL) | ((s->base & 0xffffffULL) << 16) |
	       ((uint64_t)(s->type & 0xf) << 40) | ((uint64_t)s->s << 44) |
	       ((uint64_t)(s->dpl & 3) << 45) | ((uint64_t)s->present << 47) |
	       ((uint64_t)((limit >> 16) & 0xf) << 48) |
	       ((uint64_t)s->avl << 52) | ((uint64_t)s->l << 53) |
	       ((uint64_t)s->db << 54) | ((uint64_t)s->g << 55) |
	       (((s->base >> 24) & 0xffULL) << 56);
}

static void put64(uint8_t *mem, uint64_t gpa, uint64_t val)
{
	memcpy(mem + gpa, &val, sizeof(val));
}

int vtx_boot_write_tables(uint8_t *mem, uint64_t mem_size, enum vtx_mode mode)
{
	static const uint16_t sels[] = {
		VTX_RUN_SEL_CODE32, VTX_RUN_SEL_DATA, VTX_RUN_SEL_CODE64,
		VTX_RUN_SEL_TSS,
	};
	struct kvm_segment s;
	unsigned int i, j;

	if (mode == VTX_MODE_REAL)
		return 0;
	if (mem_size < VTX_RUN_RESERVED_HI)
		return -1;
	memset(mem + VTX_RUN_GDT_GPA, 0, VTX_RUN_RESERVED_HI - VTX_RUN_GDT_GPA);
	for (i = 0; i < sizeof(sels) / sizeof(sels[0]); i++) {
		s = vtx_boot_seg(sels[i]);
		put64(mem, VTX_RUN_GDT_GPA + sels[i], vtx_boot_descriptor(&s));
	}
	/* The TSS descriptor's upper half (base 63:32) stays 0.  The TSS
	 * itself is all zero but its I/O map base, set past its limit: no
	 * I/O permission bitmap.
	 */
	mem[VTX_RUN_TSS_GPA + 0x66] = 0x68;
	if (mode != VTX_MODE_LONG64)
		return 0;
	/* SDM Vol. 3A 4.5: PML4E -> PDPT, 4 PDPTEs -> PDs of 2 MiB pages. */
	put64(mem, VTX_RUN_PML4_GPA, VTX_RUN_PDPT_GPA | PTE_P | PTE_RW);
	for (i = 0; i < 4; i++) {
		uint64_t pd = VTX_RUN_PD_GPA + i * 0x1000ULL;

		put64(mem, VTX_RUN_PDPT_GPA + i * 8, pd | PTE_P | PTE_RW);
		for (j = 0; j < 512; j++)
			put64(mem, pd + j * 8,
			      ((uint64_t)i << 30 | (uint64_t)j << 21) |
			      PTE_P | PTE_RW | PTE_PS);
	}
	return 0;
}

/* Real mode: CS:IP for @entry, with IP below 64 KiB. */
static uint16_t vtx_boot_real_cs(uint64_t entry)
{
	return (entry >> 4) & 0xf000;
}

void vtx_boot_sregs(struct kvm_sregs *s, enum vtx_mode mode, uint64_t entry)
{
	struct kvm_segment data = vtx_boot_seg(VTX_RUN_SEL_DATA);

	s->cr0 = CR0_ET | CR0_NE;
	s->cr3 = 0;
	s->cr4 = 0;
	s->efer = 0;
	if (mode == VTX_MODE_REAL) {
		/* Real mode as after reset, but CS:IP at the entry. */
		s->cs = seg(vtx_boot_real_cs(entry), 0xffff, 0xb, 1, 0, 0, 0);
		s->cs.base = (uint64_t)s->cs.selector << 4;
		data = seg(0, 0xffff, 0x3, 1, 0, 0, 0);
		s->idt.base = 0;
		s->idt.limit = 0x3ff;
		s->gdt.base = 0;
		s->gdt.limit = 0xffff;
		s->cr0 = CR0_ET;
	} else {
		s->cr0 |= CR0_PE | CR0_MP;
		s->cr4 = CR4_OSFXSR | CR4_OSXMMEXCPT;
		s->cs = vtx_boot_seg(mode == VTX_MODE_LONG64 ?
				     VTX_RUN_SEL_CODE64 : VTX_RUN_SEL_CODE32);
		s->tr = vtx_boot_seg(VTX_RUN_SEL_TSS);
		s->gdt.base = VTX_RUN_GDT_GPA;
		s->gdt.limit = VTX_RUN_GDT_LIMIT;
		/* No IDT: an exception is a triple fault, reported as a crash. */
		s->idt.base = 0;
		s->idt.limit = 0;
	}
	if (mode == VTX_MODE_LONG64) {
		s->cr0 |= CR0_PG | CR0_WP;
		s->cr3 = VTX_RUN_PML4_GPA;
		s->cr4 |= CR4_PAE;
		s->efer = EFER_LME | EFER_LMA;
	}
	s->ds = s->es = s->fs = s->gs = s->ss = data;
}

/*
 * RFLAGS.IF is set although nothing injects interrupts (no irqchip): a
 * guest spinning with IF = 0 takes no external-interrupt exit on some
 * emulated CPUs (Bochs 2.7), so it could never be stopped by a signal.
 */
void vtx_boot_regs(struct kvm_regs *r, enum vtx_mode mode, uint64_t entry,
		   unsigned int index, unsigned int count)
{
	memset(r, 0, sizeof(*r));
	r->rip = entry;
	if (mode == VTX_MODE_REAL)
		r->rip = entry - ((uint64_t)vtx_boot_real_cs(entry) << 4);
	r->rflags = RFLAGS_FIXED | RFLAGS_IF;
	r->rdi = index;
	r->rsi = count;
	if (mode == VTX_MODE_REAL)
		r->rsp = VTX_FLAT_REAL_LOAD;
	else
		r->rsp = VTX_RUN_STACK_TOP - (uint64_t)index * VTX_RUN_STACK_SIZE;
}
