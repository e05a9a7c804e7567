// SPDX-License-Identifier: GPL-2.0
/*
 * idt-cold: an interrupt whose delivery is the guest's first touch of the
 * IDT, of the handler's stack and of the handler (long mode).
 *
 * The launcher (and the hypervisor under it) maps guest RAM lazily, at
 * its first touch.  Here the IDT (16 MiB), the stack the interrupt is
 * taken on (20 MiB) and the handler (24 MiB) each lie in a 2 MiB region
 * of their own (idt-cold.ld), filled in by the loader and never read or
 * written by the guest before the interrupt: the IDT entry is built at
 * link time, and the guest switches RSP to the cold stack just before
 * STI; HLT.  So the delivery of IRQ0 itself faults on the IDT read and
 * on the stack push (an EPT violation during event delivery, which the
 * hypervisor must answer by mapping the page and delivering the event
 * again: SDM Vol. 3C 27.2.4, "IDT-vectoring information"), and the
 * handler's first fetch faults too.  The PIT runs in mode 0 (one shot)
 * for each interrupt.  A second interrupt is taken with all of it warm.
 * The handler records its frame; main checks it: RIP after the HLT, CS,
 * RFLAGS.IF, RSP and SS.  Status 1 (exit port 0) if all held, 3 if not.
 */
#include "rt.h"

#define IRQ0_VECTOR	0x20
#define SEL_CODE64	0x18	/* vtx-run's 64-bit code segment (user/lib/boot.h) */
#define COUNT		11932	/* 10 ms */

/* In cold.S's sections: see idt-cold.ld. */
extern char cold_idt[], cold_stack_top[], cold_handler[];
/* Written by the handler (in warm memory). */
volatile u64 cold_count, seen_rip, seen_cs, seen_rflags, seen_rsp, seen_ss;

/*
 * The IDT: vector 0x20's gate, its handler address split by the linker
 * (idt-cold.ld); nothing else is present.  SDM Vol. 3A 6.14.1.
 */
asm(".globl cold_idt, cold_stack_top, cold_handler\n"
	".section .cold.idt, \"a\"\n"
	"cold_idt:\n"
	"	.fill " "0x20 * 16" ", 1, 0\n"
	"	.word cold_handler_lo\n"
	"	.word 0x18\n"
	"	.byte 0, 0x8e\n"		/* present, DPL 0, interrupt gate */
	"	.word cold_handler_mid\n"
	"	.long cold_handler_hi\n"
	"	.long 0\n"
	"	.balign 4096\n"
	".section .cold.stack, \"aw\", @nobits\n"
	"	.balign 4096\n"
	"	.skip 4096\n"
	"cold_stack_top:\n"
	".section .cold.text, \"ax\"\n"
	"cold_handler:\n"
	"	push %rax\n"
	"	incq cold_count\n"
	"	mov 8(%rsp), %rax\n"
	"	mov %rax, seen_rip\n"
	"	mov 16(%rsp), %rax\n"
	"	mov %rax, seen_cs\n"
	"	mov 24(%rsp), %rax\n"
	"	mov %rax, seen_rflags\n"
	"	mov 32(%rsp), %rax\n"
	"	mov %rax, seen_rsp\n"
	"	mov 40(%rsp), %rax\n"
	"	mov %rax, seen_ss\n"
	"	mov $0x20, %al\n"
	"	out %al, $0x20\n"		/* non-specific EOI */
	"	pop %rax\n"
	"	iretq\n"
	".text\n");

/* One interrupt, taken on the cold stack at STI; HLT; the RIP after HLT. */
static u64 one_interrupt(u64 want)
{
	u64 after_hlt;

	/* Counter 0: LSB then MSB, mode 0: one rising edge, after COUNT. */
	outb(0x43, 0x30);
	outb(0x40, COUNT & 0xff);
	outb(0x40, COUNT >> 8);
	asm volatile("mov %%rsp, %%rbx\n"
		     "lea 2f(%%rip), %0\n"
		     "mov %2, %%rsp\n"
		     "1: sti\n"
		     "hlt\n"
		     "2: cli\n"
		     "cmp %1, cold_count\n"
		     "jb 1b\n"
		     "mov %%rbx, %%rsp\n"
		     : "=&r"(after_hlt)
		     : "r"(want), "r"(cold_stack_top)
		     : "rbx", "memory", "cc");
	return after_hlt;
}

static int check(int n, u64 after_hlt, u16 ss)
{
	int bad = seen_rip != after_hlt || seen_cs != SEL_CODE64 ||
		  !(seen_rflags & 0x200) ||
		  seen_rsp != (u64)cold_stack_top || seen_ss != ss;

	printf("idt-cold: interrupt %d: vector 0x%x taken, frame %s\n", n,
	       IRQ0_VECTOR, bad ? "WRONG" : "ok (RIP after HLT, CS, IF, RSP, SS)");
	if (bad)
		printf("idt-cold: RIP 0x%llx (want 0x%llx) CS 0x%llx RFLAGS "
		       "0x%llx RSP 0x%llx (want 0x%llx) SS 0x%llx\n", seen_rip,
		       after_hlt, seen_cs, seen_rflags, seen_rsp,
		       (u64)cold_stack_top, seen_ss);
	return bad;
}

int main(int index, int count)
{
	struct {
		u16 limit;
		u64 base;
	} __attribute__((packed)) idtr = { IRQ0_VECTOR * 16 + 15,
					   (u64)cold_idt };
	u16 cs, ss;
	int bad = 0;
	u64 rip;

	(void)index, (void)count;
	asm volatile("cli; mov %%cs, %0; mov %%ss, %1" : "=r"(cs), "=r"(ss));
	if (cs != SEL_CODE64) {
		printf("idt-cold: CS is 0x%x, not 0x%x: the IDT's gate is "
		       "wrong\n", cs, SEL_CODE64);
		exit(1);
	}
	/* LIDT reads the operand, not the table. */
	asm volatile("lidt %0" : : "m"(idtr));
	outb(0x20, 0x11);
	outb(0x21, IRQ0_VECTOR);
	outb(0x21, 0x04);
	outb(0x21, 0x01);
	outb(0xa0, 0x11);
	outb(0xa1, 0x28);
	outb(0xa1, 0x02);
	outb(0xa1, 0x01);
	outb(0x21, 0xfe);
	outb(0xa1, 0xff);

	printf("idt-cold: IDT at 0x%llx, stack top 0x%llx, handler 0x%llx, "
	       "none touched yet\n", (u64)cold_idt, (u64)cold_stack_top,
	       (u64)cold_handler);
	rip = one_interrupt(1);
	bad |= check(1, rip, ss);
	rip = one_interrupt(2);
	bad |= check(2, rip, ss);
	outb(0x21, 0xff);
	printf("idt-cold: %llu interrupts, %s\n", cold_count,
	       bad ? "FAILED" : "all frames right");
	exit(bad ? 1 : 0);
}
