// SPDX-License-Identifier: GPL-2.0
/*
 * nested: exceptions inside an interrupt handler (64-bit long mode).
 * The PIT (counter 0, mode 3, 1 kHz) interrupts through the PIC at vector
 * 0x20 while the guest spins with IF=1, without HLT, so the interrupts
 * must reach a vCPU that is running guest code (vtx-run's timer signal
 * takes it out of KVM_RUN).  The IRQ0 handler raises #UD (UD2) and then
 * #DE (DIV by zero), both faults: their handlers step over the 2-byte
 * instruction and return while the IRQ0 is in service; then the IRQ0
 * handler finishes (EOI, IRETQ); the N-th masks IRQ0 first, so exactly
 * N are taken however late the loop sees the count.  Every handler checks its frame (RIP on
 * the faulting instruction, CS, SS, RFLAGS.IF clear inside the interrupt
 * gate) and the IRQ0 handler its RSP after the nested returns.  Prints the
 * counts; status 1 (exit port 0) if every check held, 3 if not.
 */
#include "rt.h"

#define N		5
#define IRQ0_VECTOR	0x20
#define VEC_DE		0
#define VEC_UD		6
#define DIVISOR		1193	/* 1 kHz */
#define RFLAGS_IF	0x200

/* SDM Vol. 3A 6.14.1: a 64-bit interrupt gate. */
struct gate64 {
	u16 off_lo, sel;
	u8 ist, type;
	u16 off_mid;
	u32 off_hi, zero;
} __attribute__((packed));

static struct gate64 idt[256] __attribute__((aligned(16)));

/* What the entry stubs push: the caller-saved registers, the CPU's frame. */
struct frame {
	u64 r11, r10, r9, r8, rdi, rsi, rdx, rcx, rax;
	u64 rip, cs, rflags, rsp, ss;
};

static volatile u32 irqs, irqs_done, uds, des, uds_in_irq, des_in_irq, bad;
static volatile int in_irq;
static u16 code_sel, stack_sel;

void irq0_handler(void);
void ud_handler(struct frame *f);
void de_handler(struct frame *f);
extern char irq0_entry[], ud_entry[], de_entry[], ud_insn[], de_insn[];

/*
 * The stubs: caller-saved registers saved (9 pushes after the CPU's 5
 * keep RSP 16-byte aligned at the call), the C handler with the frame.
 */
#define SAVE	"push %rax; push %rcx; push %rdx; push %rsi; push %rdi;" \
		"push %r8; push %r9; push %r10; push %r11; cld;"
#define RESTORE	"pop %r11; pop %r10; pop %r9; pop %r8; pop %rdi;" \
		"pop %rsi; pop %rdx; pop %rcx; pop %rax; iretq\n"
asm(".text\n"
	"irq0_entry:\n" SAVE "call irq0_handler;" RESTORE
	"ud_entry:\n" SAVE "mov %rsp, %rdi; call ud_handler;" RESTORE
	"de_entry:\n" SAVE "mov %rsp, %rdi; call de_handler;" RESTORE);

static void check_frame(const struct frame *f)
{
	/* Taken inside IRQ0's interrupt gate: IF was clear. */
	if (f->cs != code_sel || f->ss != stack_sel ||
	    (f->rflags & RFLAGS_IF))
		bad++;
}

void ud_handler(struct frame *f)
{
	uds++;
	if (in_irq)
		uds_in_irq++;
	/* A fault: RIP is the UD2 itself (0f 0b); step over it. */
	if (f->rip != (u64)ud_insn || *(u16 *)f->rip != 0x0b0f)
		bad++;
	check_frame(f);
	f->rip += 2;
}

void de_handler(struct frame *f)
{
	des++;
	if (in_irq)
		des_in_irq++;
	/* A fault: RIP is the DIV (f7 f1, by ECX = 0); step over it. */
	if (f->rip != (u64)de_insn || *(u16 *)f->rip != 0xf1f7)
		bad++;
	check_frame(f);
	f->rip += 2;
}

void irq0_handler(void)
{
	u64 sp0, sp1;

	irqs++;
	in_irq = 1;
	asm volatile("mov %%rsp, %0\n"
		     "ud_insn: ud2\n"
		     "xor %%ecx, %%ecx\n"
		     "mov $1, %%eax\n"
		     "xor %%edx, %%edx\n"
		     "de_insn: div %%ecx\n"
		     "mov %%rsp, %1"
		     : "=r"(sp0), "=r"(sp1) : : "rax", "rcx", "rdx", "memory");
	if (sp0 != sp1)
		bad++;
	in_irq = 0;
	/*
	 * The N-th masks IRQ0 before its EOI: the main loop sees irqs_done
	 * only after IRETQ sets IF again, and a tick already pending (a
	 * slow vCPU, a loaded host) would be taken first, an IRQ0 too many.
	 */
	if (++irqs_done == N)
		outb(0x21, 0xff);
	outb(0x20, 0x20);	/* non-specific EOI */
}

static void set_gate(int vec, void *handler)
{
	u64 a = (u64)handler;

	idt[vec].off_lo = a & 0xffff;
	idt[vec].sel = code_sel;
	idt[vec].ist = 0;
	idt[vec].type = 0x8e;	/* present, DPL 0, 64-bit interrupt gate */
	idt[vec].off_mid = a >> 16;
	idt[vec].off_hi = a >> 32;
	idt[vec].zero = 0;
}

int main(int index, int count)
{
	struct {
		u16 limit;
		u64 base;
	} __attribute__((packed)) idtr = { sizeof(idt) - 1, (u64)idt };
	u32 spins;
	u8 isr;

	(void)index, (void)count;
	asm volatile("cli; mov %%cs, %0; mov %%ss, %1"
		     : "=r"(code_sel), "=r"(stack_sel));
	set_gate(VEC_DE, de_entry);
	set_gate(VEC_UD, ud_entry);
	set_gate(IRQ0_VECTOR, irq0_entry);
	asm volatile("lidt %0" : : "m"(idtr));

	/* The PIC pair as Linux sets it up; only IRQ0 unmasked. */
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
	/* Counter 0: LSB then MSB, mode 3 (square wave). */
	outb(0x43, 0x36);
	outb(0x40, DIVISOR & 0xff);
	outb(0x40, DIVISOR >> 8);

	/*
	 * Spin with IF=1, no HLT, no exit: each interrupt must reach a vCPU
	 * that is running guest code (vtx-run's timer signal takes it out
	 * of KVM_RUN to inject).
	 */
	asm volatile("sti" : : : "memory");
	for (spins = 0; irqs_done < N; spins++) {
		cpu_relax();
		/*
		 * Now and then an exit (a read of the IMR): under kvm-intel
		 * in a two-CPU Bochs PC an exit-free guest on CPU 1 was seen
		 * to keep that CPU for good (README, "Known gaps").
		 */
		if (!(spins & 0xfffff))
			inb(0x21);
	}
	asm volatile("cli" : : : "memory");
	outb(0x21, 0xff);
	outb(0x20, 0x0b);	/* OCW3: read ISR */
	isr = inb(0x20);
	if (isr || irqs != N || uds_in_irq != N || des_in_irq != N)
		bad++;
	printf("nested: %u IRQ0s handled, each with a #UD and a #DE inside: "
	       "%u #UD (%u in IRQ0), %u #DE (%u in IRQ0); ISR 0x%x; "
	       "bad frames or checks: %u\n", irqs_done, uds, uds_in_irq, des,
	       des_in_irq, isr, bad);
	exit(bad ? 1 : 0);
}
