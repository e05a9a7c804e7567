// SPDX-License-Identifier: GPL-2.0
/*
 * kvm_irq: interrupts and NMIs with a userspace irqchip, KVM's protocol
 * (Documentation/virt/kvm/api.rst: KVM_INTERRUPT, KVM_NMI,
 * request_interrupt_window, KVM_EXIT_IRQ_WINDOW_OPEN, the kvm_run fields
 * if_flag, ready_for_interrupt_injection, cr8, apic_base), as QEMU with
 * kernel-irqchip=off uses it.
 *
 *   kvm_irq [DEVICE]	(default $VTX_DEVICE, else /dev/vtx)
 *
 * A 32-bit flat guest with IDT gates:
 * - it halts with IF = 1: KVM_EXIT_HLT, if_flag and ready set; an
 *   interrupt from KVM_INTERRUPT runs its handler (an OUT reports it);
 * - KVM_NMI runs the NMI handler;
 * - with IF = 0 and request_interrupt_window, the window opens (exit
 *   KVM_EXIT_IRQ_WINDOW_OPEN) only after STI and its one-instruction
 *   shadow (with IF = 1 already, it opens before the first instruction);
 * - KVM_GET/SET_VCPU_EVENTS show and take back a queued interrupt;
 *   KVM_GET/SET_MP_STATE: runnable only, with a userspace irqchip;
 * - a fresh VM takes an interrupt whose IDT and stack pages the guest
 *   never touched: the delivery itself faults in guest RAM (an EPT
 *   violation during event delivery), and the interrupt must still
 *   arrive (re-injection, SDM 27.2.4).
 */
#include "kvm_util.h"

#define HANDLER_GPA	0x40000		/* a page the guest never touched */
#define COLD_STACK_TOP	0x50000

asm(".pushsection .rodata\n"
	".code32\n"
	".global g_irq_start, g_irq_end, g_irq_main, g_irq_hlt, g_irq_h20\n"
	".global g_irq_nmi, g_irq_win, g_irq_win_open, g_irq_h21, g_irq_h21_end\n"
	"g_irq_start:\n"
	"g_irq_main:\n"
	"	sti\n"
	"g_irq_hlt:\n"
	"	hlt\n"
	"	jmp g_irq_hlt\n"
	/* Vector 0x20: count, report the count on port 0x20, return. */
	"g_irq_h20:\n"
	"	incl " XSTR(DATA_GPA) "\n"
	"	mov " XSTR(DATA_GPA) ", %eax\n"
	"	out %eax, $0x20\n"
	"	iret\n"
	/* NMI: report on port 0x22. */
	"g_irq_nmi:\n"
	"	mov $0x4e4d49, %eax\n"
	"	out %eax, $0x22\n"
	"	iret\n"
	/* The window: IF = 0 across an exit, then STI and its shadow. */
	"g_irq_win:\n"
	"	cli\n"
	"	out %al, $0x24\n"
	"	sti\n"
	"	nop\n"
	"g_irq_win_open:\n"
	"	nop\n"
	"	jmp g_irq_hlt\n"
	/* Vector 0x21, copied to HANDLER_GPA: report on port 0x21. */
	"g_irq_h21:\n"
	"	incl " XSTR(DATA_GPA) "\n"
	"	mov " XSTR(DATA_GPA) ", %eax\n"
	"	out %eax, $0x21\n"
	"	iret\n"
	"g_irq_h21_end:\n"
	"g_irq_end:\n"
	".code64\n"
	".popsection\n");
extern const unsigned char g_irq_start[], g_irq_end[], g_irq_main[];
extern const unsigned char g_irq_hlt[], g_irq_h20[], g_irq_nmi[];
extern const unsigned char g_irq_win[], g_irq_win_open[];
extern const unsigned char g_irq_h21[], g_irq_h21_end[];

#define IRQ_ADDR(label)	GUEST_ADDR(g_irq_start, label)

static struct vcpu *irq_vcpu(struct vm *vm)
{
	struct vcpu *v = vcpu_create(vm, 0);

	vm_load_code(vm, g_irq_start, g_irq_end);
	if (vcpu_setup_mode(v, MODE_PROT32) ||
	    vcpu_set_idt_gate(v, MODE_PROT32, 0x20, IRQ_ADDR(g_irq_h20)) ||
	    vcpu_set_idt_gate(v, MODE_PROT32, 0x21, HANDLER_GPA) ||
	    vcpu_set_idt_gate(v, MODE_PROT32, 2, IRQ_ADDR(g_irq_nmi)))
		tap_bail("cannot set up the guest: %s", strerror(errno));
	return v;
}

/* One result: an OUT of @val to @port is the exit. */
static int io_is(struct vcpu *v, int r, __u16 port, __u32 val)
{
	__u32 got = 0;

	if (!exit_is(v, r, KVM_EXIT_IO))
		return 0;
	memcpy(&got, (char *)v->run + v->run->io.data_offset, v->run->io.size);
	return check_u64("io.port", v->run->io.port, port) &
	       check_u64("io data", got, val);
}

static int inject(struct vcpu *v, __u32 irq)
{
	struct kvm_interrupt i = { .irq = irq };

	return ioctl(v->fd, KVM_INTERRUPT, &i);
}

static void test_basic(int kvm)
{
	struct vm *vm = vm_create(kvm);
	struct vcpu *v = irq_vcpu(vm);
	struct kvm_run *run = v->run;
	struct kvm_mp_state mp;
	int r;

	r = vcpu_run(v);
	ok(exit_is(v, r, KVM_EXIT_HLT) && run->if_flag &&
	   run->ready_for_interrupt_injection,
	   "STI; HLT: KVM_EXIT_HLT with if_flag and ready_for_interrupt_injection");
	ok_u64("apic_base", run->apic_base & ~0xfffULL, 0xfee00000,
	       "kvm_run.apic_base is the APIC's (0xfee00000)");
	ok_ioctl(inject(v, 0x20), 0, 0, "KVM_INTERRUPT 0x20");
	ok(io_is(v, vcpu_run(v), 0x20, 1),
	   "the guest takes vector 0x20: its handler reports 1");
	ok(!run->if_flag && !run->ready_for_interrupt_injection,
	   "inside the interrupt gate's handler: if_flag 0, not ready");
	ok(exit_is(v, vcpu_run(v), KVM_EXIT_HLT) && vcpu_rip(v) == IRQ_ADDR(g_irq_hlt) + 1,
	   "IRET: back to the halt loop, HLT again");

	ok_ioctl(ioctl(v->fd, KVM_NMI), 0, 0, "KVM_NMI");
	ok(io_is(v, vcpu_run(v), 0x22, 0x4e4d49), "the NMI handler runs");
	ok(exit_is(v, vcpu_run(v), KVM_EXIT_HLT), "and returns to the halt loop");

	/* The window, across STI's shadow. */
	vcpu_set_rip(v, IRQ_ADDR(g_irq_win));
	r = vcpu_run(v);
	ok(exit_is(v, r, KVM_EXIT_IO) && run->io.port == 0x24 && !run->if_flag &&
	   !run->ready_for_interrupt_injection,
	   "CLI; OUT: the OUT exits with IF = 0, not ready");
	run->request_interrupt_window = 1;
	r = vcpu_run(v);
	ok(exit_is(v, r, KVM_EXIT_IRQ_WINDOW_OPEN) && run->if_flag &&
	   run->ready_for_interrupt_injection,
	   "STI: KVM_EXIT_IRQ_WINDOW_OPEN, if_flag and ready set");
	ok_u64("rip", vcpu_rip(v), IRQ_ADDR(g_irq_win_open),
	       "the window opens after STI's shadow (one instruction)");
	run->request_interrupt_window = 0;
	inject(v, 0x20);
	ok(io_is(v, vcpu_run(v), 0x20, 2), "the interrupt injected in the window arrives");
	ok(exit_is(v, vcpu_run(v), KVM_EXIT_HLT), "and the guest halts again");

	/* A queued interrupt, seen and taken back through VCPU_EVENTS. */
	{
		struct kvm_vcpu_events ev;

		inject(v, 0x20);
		memset(&ev, 0, sizeof(ev));
		ok(!ioctl(v->fd, KVM_GET_VCPU_EVENTS, &ev) && ev.interrupt.injected &&
		   ev.interrupt.nr == 0x20 && !ev.nmi.pending && !ev.exception.injected,
		   "KVM_GET_VCPU_EVENTS: the queued interrupt, nr 0x20");
		ev.interrupt.injected = 0;
		ok_ioctl(ioctl(v->fd, KVM_SET_VCPU_EVENTS, &ev), 0, 0,
			 "KVM_SET_VCPU_EVENTS without it");
		ok(exit_is(v, vcpu_run(v), KVM_EXIT_HLT) && guest_read32(vm, DATA_GPA) == 2,
		   "the interrupt is gone: HLT, no handler ran");
		ev.interrupt.injected = 1;
		ev.interrupt.nr = 0x20;
		ok_ioctl(ioctl(v->fd, KVM_SET_VCPU_EVENTS, &ev), 0, 0,
			 "KVM_SET_VCPU_EVENTS with it again");
		ok(io_is(v, vcpu_run(v), 0x20, 3), "and it arrives");
		ev.flags = 1u << 4;	/* KVM_VCPUEVENT_VALID_PAYLOAD, not enabled */
		ok_ioctl(ioctl(v->fd, KVM_SET_VCPU_EVENTS, &ev), -1, EINVAL,
			 "KVM_SET_VCPU_EVENTS with the payload flag: EINVAL");
		memset(&ev, 0, sizeof(ev));
		ev.exception.injected = 1;
		ev.exception.nr = 2;
		ok_ioctl(ioctl(v->fd, KVM_SET_VCPU_EVENTS, &ev), -1, EINVAL,
			 "KVM_SET_VCPU_EVENTS with NMI as an exception: EINVAL");
	}
	ok_ioctl(inject(v, 256), -1, EINVAL, "KVM_INTERRUPT 256: EINVAL");

	memset(&mp, 0xff, sizeof(mp));
	ok(!ioctl(v->fd, KVM_GET_MP_STATE, &mp) && mp.mp_state == KVM_MP_STATE_RUNNABLE,
	   "KVM_GET_MP_STATE: runnable");
	mp.mp_state = KVM_MP_STATE_HALTED;
	ok_ioctl(ioctl(v->fd, KVM_SET_MP_STATE, &mp), -1, EINVAL,
		 "KVM_SET_MP_STATE halted without an in-kernel APIC: EINVAL (kvm-intel)");
	mp.mp_state = KVM_MP_STATE_RUNNABLE;
	ok_ioctl(ioctl(v->fd, KVM_SET_MP_STATE, &mp), 0, 0, "KVM_SET_MP_STATE runnable");

	run->cr8 = 16;
	ok_ioctl(vcpu_run(v), -1, EINVAL, "KVM_RUN with kvm_run.cr8 = 16: EINVAL");
	run->cr8 = 0;
	vcpu_destroy(v);
	vm_destroy(vm);
}

static void test_cold(int kvm)
{
	struct vm *vm = vm_create(kvm);
	struct vcpu *v = irq_vcpu(vm);
	struct kvm_regs regs;
	int r;

	memcpy(vm->mem + HANDLER_GPA, g_irq_h21, g_irq_h21_end - g_irq_h21);
	vcpu_get_regs(v, &regs);
	regs.rsp = COLD_STACK_TOP;
	vcpu_set_regs(v, &regs);
	r = vcpu_run(v);
	ok(exit_is(v, r, KVM_EXIT_HLT), "fresh VM: the guest halts");
	inject(v, 0x21);
	ok(io_is(v, vcpu_run(v), 0x21, 1),
	   "an interrupt whose IDT, stack and handler pages were never touched arrives");
	ok(exit_is(v, vcpu_run(v), KVM_EXIT_HLT) && vcpu_rip(v) == IRQ_ADDR(g_irq_hlt) + 1,
	   "and returns to the halt loop");
	vcpu_destroy(v);
	vm_destroy(vm);
}

int main(int argc, char **argv)
{
	const char *path = kvm_device_path(argc, argv);
	int kvm = kvm_open_dev(path);

	kvm_require_cap(kvm, KVM_CAP_USER_NMI);
	kvm_require_cap(kvm, KVM_CAP_VCPU_EVENTS);
	kvm_require_cap(kvm, KVM_CAP_MP_STATE);
	kvm_watchdog(60);
	tap_plan(29);
	test_basic(kvm);
	test_cold(kvm);
	return tap_exit();
}
