/* SPDX-License-Identifier: GPL-2.0 */
/*
 * timer: a flat real-mode guest that takes the PIT's interrupts through
 * the PIC, as a PC BIOS sets them up: the master's vectors at 0x08, the
 * slave's at 0x70, only IRQ0 unmasked, counter 0 in mode 2 at 100 Hz.
 * Between interrupts it halts with IF=1 (STI; HLT: the STI's shadow
 * covers the HLT, so no interrupt slips in between the check and the
 * HLT); the IRQ0 handler counts and sends a non-specific EOI.  After
 * N interrupts it masks IRQ0, reads the master's ISR (0 after the last
 * EOI) and latches the counter (within its count), prints the count and
 * what it checked, and ends through the exit port: 0 (status 1) if all
 * held, 1 (status 3) if not.
 */
#define COM1		0x3f8
#define COM1_LSR	(COM1 + 5)
#define LSR_THRE	0x20
#define EXIT_PORT	0xf4
#define N		10
#define DIVISOR		11932	/* 1193182 Hz / 11932: 100 Hz */
#define IRQ0_VECTOR	0x08

	.code16
	.section .text.start, "ax"
	.globl	_start
_start:
	cli
	cld
	xorw	%ax, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movw	$0x7c00, %sp
	/* The real-mode IVT at 0: IRQ0's vector -> irq0 (CS = 0). */
	movw	$irq0, IRQ0_VECTOR * 4
	movw	$0, IRQ0_VECTOR * 4 + 2

	/* ICW1-4 for both, as a PC BIOS: edge, cascade on IR2, 8086 mode. */
	movb	$0x11, %al
	outb	%al, $0x20
	outb	%al, $0xa0
	movb	$IRQ0_VECTOR, %al
	outb	%al, $0x21
	movb	$0x70, %al
	outb	%al, $0xa1
	movb	$0x04, %al
	outb	%al, $0x21
	movb	$0x02, %al
	outb	%al, $0xa1
	movb	$0x01, %al
	outb	%al, $0x21
	outb	%al, $0xa1
	/* OCW1: only IRQ0. */
	movb	$0xfe, %al
	outb	%al, $0x21
	movb	$0xff, %al
	outb	%al, $0xa1

	/* PIT counter 0: LSB then MSB, mode 2, binary. */
	rdtsc
	movl	%eax, t0
	movl	%edx, t0 + 4
	movb	$0x34, %al
	outb	%al, $0x43
	movb	$(DIVISOR & 0xff), %al
	outb	%al, $0x40
	movb	$(DIVISOR >> 8), %al
	outb	%al, $0x40

wait:
	cli
	cmpw	$N, count
	jae	done
	sti
	hlt
	jmp	wait

done:
	rdtsc
	subl	t0, %eax
	sbbl	t0 + 4, %edx
	movl	%eax, t0
	movl	%edx, t0 + 4
	/* Mask IRQ0, then read the ISR (OCW3: read ISR). */
	movb	$0xff, %al
	outb	%al, $0x21
	movb	$0x0b, %al
	outb	%al, $0x20
	inb	$0x20, %al
	movb	%al, isr
	/* Counter latch of counter 0: LSB, MSB. */
	movb	$0x00, %al
	outb	%al, $0x43
	inb	$0x40, %al
	movb	%al, %bl
	inb	$0x40, %al
	movb	%al, %bh
	movb	$0, ok
	cmpw	$1, %bx
	jb	1f
	cmpw	$DIVISOR, %bx
	ja	1f
	cmpb	$0, isr
	jne	1f
	cmpw	$N, count
	jne	1f
	movb	$1, ok
1:
	movw	$msg1, %si
	call	puts
	movzwl	count, %eax
	call	putdec
	movw	$msg2, %si
	call	puts
	movzbl	isr, %eax
	call	putdec
	movw	$msg3, %si
	call	puts
	movw	$yes, %si
	cmpb	$1, ok
	je	2f
	movw	$no, %si
2:	call	puts
	/* A line the test harness drops: it has the word "ticks". */
	movw	$msg4, %si
	call	puts
	movl	t0, %eax
	call	putdec
	movw	$msg5, %si
	call	puts

	movzbl	ok, %eax
	xorb	$1, %al			/* 0 when all held, else 1 */
	outb	%al, $EXIT_PORT
3:	cli
	hlt
	jmp	3b

/* IRQ0: count, non-specific EOI (OCW2 0x20), return. */
irq0:
	pushw	%ax
	incw	%cs:count
	movb	$0x20, %al
	outb	%al, $0x20
	popw	%ax
	iret

/* The string at SI to the UART, polling LSR.THRE. */
puts:
	pushw	%dx
	pushw	%ax
1:	lodsb
	testb	%al, %al
	jz	3f
	movb	%al, %ah
	movw	$COM1_LSR, %dx
2:	inb	%dx, %al
	testb	$LSR_THRE, %al
	jz	2b
	movw	$COM1, %dx
	movb	%ah, %al
	outb	%al, %dx
	jmp	1b
3:	popw	%ax
	popw	%dx
	ret

/* EAX in decimal (32-bit DIV works in real mode with its prefix). */
putdec:
	pushl	%ebx
	pushl	%ecx
	pushl	%edx
	movw	$decbuf + 11, %si
	movb	$0, (%si)
	movl	$10, %ebx
1:	xorl	%edx, %edx
	divl	%ebx
	addb	$'0', %dl
	decw	%si
	movb	%dl, (%si)
	testl	%eax, %eax
	jnz	1b
	call	puts
	popl	%edx
	popl	%ecx
	popl	%ebx
	ret

msg1:	.asciz	"timer: "
msg2:	.asciz	" interrupts on IRQ0 (vector 0x08, real mode), PIT mode 2 at 100 Hz; ISR after the last EOI "
msg3:	.asciz	"; counter latch within its count: "
yes:	.asciz	"yes\n"
no:	.asciz	"no\n"
msg4:	.asciz	"timer: they took "
msg5:	.asciz	" TSC ticks\n"

	.balign	4
count:	.word	0
isr:	.byte	0
ok:	.byte	0
t0:	.long	0, 0
decbuf:	.fill	12, 1, 0

	.section .note.GNU-stack, "", @progbits
