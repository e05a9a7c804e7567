// SPDX-License-Identifier: GPL-2.0
/*
 * VM exits: one handler per basic exit reason, dispatched from one table.
 * A handler returns 1 to resume the guest, 0 to go to user space with
 * kvm_run filled in.  Exactly one place advances RIP: vtx_skip().
 * Exit qualifications are in SDM 28.2.1 (Tables 28-1 to 28-7).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kvm.h>
#include <linux/nospec.h>
#include <linux/smp.h>
#include <asm/debugreg.h>
#include <asm/fpu/xcr.h>
#include <asm/msr.h>
#include <asm/processor.h>
#include <asm/special_insns.h>

#include "vmx.h"
#include "exits.h"
#include "vmx_ops.h"
#include "lib/vmcs_fields.h"
#include "lib/cpuid.h"
#include "lib/cregs.h"
#include "lib/walk.h"
#include "lib/events.h"
#include "lib/state.h"
#include "lib/pio.h"
#include "lib/emulate.h"
#include "trace.h"

/* Advance past the instruction that exited (SDM 28.2.4), and drop the
 * STI / MOV-SS blocking it may have left (SDM 25.4.2).
 */
/*
 * Guest memory, through module/'s slots.  Host code that walks the VM's
 * memory may pull host data into L1D: in "cond" mode the next entry
 * flushes it (KVM: x86_emulate_instruction(), kvm_write_guest_virt_system()).
 */
static int vtx_read_guest(struct vtx_vmx_vcpu *v, u64 gpa, void *buf,
			  unsigned int len)
{
	v->l1d_flush_pending = true;
	return v->read_guest(v, gpa, buf, len);
}

static int vtx_write_guest(struct vtx_vmx_vcpu *v, u64 gpa, const void *buf,
			   unsigned int len)
{
	v->l1d_flush_pending = true;
	return v->write_guest(v, gpa, buf, len);
}

static void vtx_skip(struct vtx_vmx_vcpu *v, unsigned int len)
{
	u32 intr = vtx_vmread(VTX_GUEST_INTERRUPTIBILITY_INFO);

	vtx_vmwrite(VTX_GUEST_RIP, vtx_vmread(VTX_GUEST_RIP) + len);
	if (intr & 3)
		vtx_vmwrite(VTX_GUEST_INTERRUPTIBILITY_INFO, intr & ~3u);
}

static unsigned int vtx_insn_len(void)
{
	return vtx_vmread(VTX_VM_EXIT_INSTRUCTION_LEN);
}

static int vtx_skip_insn(struct vtx_vmx_vcpu *v)
{
	vtx_skip(v, vtx_insn_len());
	return 1;
}

/* SDM 26.6 (event injection): an exception on the next entry (events.c). */
static int vtx_inject(struct vtx_vmx_vcpu *v, u8 vector, bool has_error,
		      u32 error)
{
	trace_vtx_inject(v->id, vector, has_error, error);
	return vtx_event_inject_exception(v, vector, error);
}

static int vtx_inject_ud(struct vtx_vmx_vcpu *v)
{
	return vtx_inject(v, UD_VECTOR, false, 0);
}

static int vtx_inject_gp(struct vtx_vmx_vcpu *v)
{
	return vtx_inject(v, GP_VECTOR, true, 0);
}

/* A GPR by its ModRM number; RSP lives in the VMCS. */
static u64 vtx_gpr(struct vtx_vmx_vcpu *v, unsigned int reg)
{
	return reg == VTX_REG_RSP ? vtx_vmread(VTX_GUEST_RSP) : v->regs[reg];
}

static void vtx_set_gpr(struct vtx_vmx_vcpu *v, unsigned int reg, u64 val)
{
	if (reg == VTX_REG_RSP)
		vtx_vmwrite(VTX_GUEST_RSP, val);
	else
		v->regs[reg] = val;
}

/* Does VM-exit instruction information describe INS/OUTS (SDM A.1)? */
static bool cfg_inout_info(void)
{
	return vtx_vmx_config()->inout_info;
}

static bool vtx_long_mode(void)
{
	return vtx_vmread(VTX_GUEST_IA32_EFER) & EFER_LMA;
}

static int vtx_internal_error(struct vtx_vmx_vcpu *v, u32 suberror)
{
	struct kvm_run *run = v->run;

	run->exit_reason = KVM_EXIT_INTERNAL_ERROR;
	run->internal.suberror = suberror;
	run->internal.ndata = 3;
	run->internal.data[0] = v->exit_reason;
	run->internal.data[1] = v->exit_qual;
	run->internal.data[2] = smp_processor_id();
	return 0;
}

/*
 * Guest memory an exit needs could not be read or written: RAM the guest
 * has not touched yet is mapped and the exit retried (nothing changed so
 * far), anything else is reported as an emulation failure.
 */
static int vtx_emulation_failed(struct vtx_vmx_vcpu *v)
{
	if (v->ram_fault)
		return VTX_EXIT_MAP_RAM;
	return vtx_internal_error(v, KVM_INTERNAL_ERROR_EMULATION);
}

/* Exit reasons vtx does not expect are reported, never ignored. */
static int vtx_handle_unexpected(struct vtx_vmx_vcpu *v)
{
	pr_info_ratelimited("unexpected VM exit %u (%s), qualification 0x%lx\n",
			    v->exit_reason,
			    vtx_exit_reason_name(v->exit_reason & 0xffff) ?: "?",
			    v->exit_qual);
	return vtx_internal_error(v, KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON);
}

/*
 * #DB exits always (vtx_vmcs_setup()): reflect it into the guest with
 * DR6 as the CPU would have left it (SDM Vol. 3B 18.2.3; the exit
 * qualification holds the causes, SDM 28.2.1 Table 28-1), as KVM's
 * handle_exception_nmi().  ICEBP (INT1) exits on the instruction
 * itself, with RIP at it: skip it first, as the trap it is.
 */
static int vtx_reflect_db(struct vtx_vmx_vcpu *v, u32 info)
{
	/* SDM 25.9.2: type 5, privileged software exception, is ICEBP. */
	if (((info >> 8) & 7) == 5)
		vtx_skip(v, vtx_insn_len());
	v->dr6 = vtx_dr6_after_db(v->dr6, v->exit_qual);
	return vtx_inject(v, DB_VECTOR, false, 0);
}

/*
 * #AC exits always.  An alignment check the guest asked for (CPL 3,
 * CR0.AM and RFLAGS.AC, SDM Vol. 3A 6.15 "Interrupt 17") goes back to
 * it.  On a host with split-lock detection (MSR_TEST_CTRL, not switched
 * by VMX) any guest split lock raises #AC as well, one the guest never
 * asked for: that one is the host's policy, handled outside the
 * preemption-off loop (vtx_vmx_handle_split_lock()).
 */
static int vtx_reflect_ac(struct vtx_vmx_vcpu *v, u32 error)
{
	bool guest_ac = ((vtx_vmread(VTX_GUEST_SS_AR_BYTES) >> 5) & 3) == 3 &&
			(v->cr0 & X86_CR0_AM) &&
			(vtx_vmread(VTX_GUEST_RFLAGS) & X86_EFLAGS_AC);

	if (!boot_cpu_has(X86_FEATURE_SPLIT_LOCK_DETECT) || guest_ac)
		return vtx_inject(v, AC_VECTOR, true, error);
	v->split_lock_rip = vtx_vmread(VTX_GUEST_RIP);
	return VTX_EXIT_SPLIT_LOCK;
}

static int vtx_handle_ud(struct vtx_vmx_vcpu *v);

/*
 * SDM 28.2.2: NMIs were delivered right after the exit, machine checks
 * handed to the host's handler then (vtx_handle_mce_irqoff()); #DB and
 * #AC are reflected; #UD (a hardware exception, type 3) is
 * vtx_handle_ud()'s.
 */
static int vtx_handle_exception_nmi(struct vtx_vmx_vcpu *v)
{
	u32 info = vtx_vmread(VTX_VM_EXIT_INTR_INFO);
	u32 vectoring = vtx_vmread(VTX_IDT_VECTORING_INFO);
	u32 error = 0;
	struct kvm_run *run = v->run;

	if (vtx_exit_is_nmi(info) || vtx_exit_is_machine_check(info))
		return 1;
	if (info & (1u << 11))
		error = vtx_vmread(VTX_VM_EXIT_INTR_ERROR_CODE);
	/*
	 * The exception came while the CPU delivered another event (SDM
	 * 28.2.4): the guest's IDT, GDT or stack is broken, e.g. an #AC
	 * gate whose own delivery raises #AC.  KVM does not emulate that
	 * either: KVM_EXIT_INTERNAL_ERROR, KVM_INTERNAL_ERROR_SIMUL_EX,
	 * with KVM's four words of data.
	 */
	if (vectoring & (1u << 31)) {
		run->exit_reason = KVM_EXIT_INTERNAL_ERROR;
		run->internal.suberror = KVM_INTERNAL_ERROR_SIMUL_EX;
		run->internal.ndata = 4;
		run->internal.data[0] = vectoring;
		run->internal.data[1] = info;
		run->internal.data[2] = error;
		run->internal.data[3] = smp_processor_id();
		return 0;
	}
	switch (info & 0xff) {
	case DB_VECTOR:
		return vtx_reflect_db(v, info);
	case AC_VECTOR:
		return vtx_reflect_ac(v, error);
	}
	if ((info & 0xff) == UD_VECTOR && ((info >> 8) & 7) == 3)
		return vtx_handle_ud(v);
	return vtx_handle_unexpected(v);
}

/* The interrupt is still pending: the host took it when vtx enabled
 * interrupts after the exit (no acknowledge-on-exit).
 */
static int vtx_handle_external_interrupt(struct vtx_vmx_vcpu *v)
{
	return 1;
}

/* SDM 26.5.1: the guest's time slice is up; the run loop reschedules
 * and checks for signals, then the guest goes on.
 */
static int vtx_handle_preemption_timer(struct vtx_vmx_vcpu *v)
{
	return 1;
}

static int vtx_handle_triple_fault(struct vtx_vmx_vcpu *v)
{
	v->run->exit_reason = KVM_EXIT_SHUTDOWN;
	return 0;
}

/*
 * SDM 28.1.2: HLT ends the run; RIP is already past it, as in KVM.  An
 * interrupt or NMI user space queued already, that the guest can take,
 * ends the halt at once, as it would on the CPU.
 */
static int vtx_handle_hlt(struct vtx_vmx_vcpu *v)
{
	vtx_skip(v, vtx_insn_len());
	if (v->nmi_queued ||
	    (v->irq_queued && (vtx_vmread(VTX_GUEST_RFLAGS) & X86_EFLAGS_IF)))
		return 1;
	v->run->exit_reason = KVM_EXIT_HLT;
	return 0;
}

/*
 * SDM 26.1.3: PAUSE-loop exiting, the only way PAUSE exits here (vtx does
 * not set "PAUSE exiting").  The exit is taken before the PAUSE, which is
 * only a hint: it is skipped.  KVM's kvm_vcpu_on_spin() does the same,
 * with a yield directed at a vCPU of the same VM.
 */
static int vtx_handle_pause(struct vtx_vmx_vcpu *v)
{
	vtx_skip(v, vtx_insn_len());
	return VTX_EXIT_YIELD;
}

static const struct kvm_cpuid_entry2 *vtx_find_cpuid(struct vtx_vmx_vcpu *v,
						     u32 leaf, u32 index)
{
	u32 i;

	for (i = 0; i < v->cpuid_nent; i++) {
		const struct kvm_cpuid_entry2 *e = &v->cpuid[i];

		if (e->function == leaf &&
		    (!(e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) ||
		     e->index == index))
			return e;
	}
	return NULL;
}

/*
 * As KVM's cpuid_query_maxphyaddr(): leaf 0x80000008 of the table user
 * space set, 36 if the table lacks it; without a table the guest sees the
 * host's CPUID, and so its width.
 */
unsigned int vtx_guest_maxphyaddr(struct vtx_vmx_vcpu *v)
{
	const struct kvm_cpuid_entry2 *e;

	if (!v->cpuid)
		return boot_cpu_data.x86_phys_bits;
	e = vtx_find_cpuid(v, 0x80000000, 0);
	if (!e || e->eax < 0x80000008)
		return 36;
	e = vtx_find_cpuid(v, 0x80000008, 0);
	return e ? e->eax & 0xff : 36;
}

/* CPUID always exits (SDM 26.1.2): answer from the table user space set
 * with KVM_SET_CPUID2, else from the host, filtered (lib/cpuid.c).  Either
 * way OSXSAVE mirrors the guest's CR4, as on hardware.
 */
void vtx_vcpu_cpuid(struct vtx_vmx_vcpu *v, u32 leaf, u32 index, u32 r[4])
{
	const struct kvm_cpuid_entry2 *e;

	r[0] = r[1] = r[2] = r[3] = 0;
	if (v->cpuid) {
		e = vtx_find_cpuid(v, leaf, index);
		if (e) {
			r[VTX_CPUID_EAX] = e->eax;
			r[VTX_CPUID_EBX] = e->ebx;
			r[VTX_CPUID_ECX] = e->ecx;
			r[VTX_CPUID_EDX] = e->edx;
		}
	} else {
		vtx_cpuid_host(leaf, index, r);
		/* The vCPU's own APIC ID where the host's was (lib/cpuid.c). */
		if (leaf == 1)
			r[VTX_CPUID_EBX] |= (v->id & 0xff) << 24;
		else if (leaf == 0xb || leaf == 0x1f)
			r[VTX_CPUID_EDX] = v->id;
	}
}

static int vtx_handle_cpuid(struct vtx_vmx_vcpu *v)
{
	u32 leaf = v->regs[VTX_REG_RAX], index = v->regs[VTX_REG_RCX];
	u32 r[4];

	vtx_vcpu_cpuid(v, leaf, index, r);
	if (leaf == 1)
		r[VTX_CPUID_ECX] = vtx_cpuid_osxsave(r[VTX_CPUID_ECX],
						     v->cr4 & X86_CR4_OSXSAVE);
	v->regs[VTX_REG_RAX] = r[VTX_CPUID_EAX];
	v->regs[VTX_REG_RBX] = r[VTX_CPUID_EBX];
	v->regs[VTX_REG_RCX] = r[VTX_CPUID_ECX];
	v->regs[VTX_REG_RDX] = r[VTX_CPUID_EDX];
	return vtx_skip_insn(v);
}

static int vtx_mmio_step(struct vtx_vmx_vcpu *v);
static int vtx_read_gpa(void *ctx, u64 gpa, void *buf, unsigned int len);

static u64 vtx_addr_mask(unsigned int addr_size)
{
	return addr_size == 8 ? ~0ULL : (1ULL << (8 * addr_size)) - 1;
}

/*
 * Where the @bytes at seg:reg - @below of a string instruction are: the
 * guest-physical address of their first *@split bytes in @gpa[0], of the
 * rest (on the next page) in @gpa[1].  At most a page's worth.
 */
static int vtx_string_gpa(struct vtx_vmx_vcpu *v, unsigned int seg,
			  unsigned int reg, unsigned int addr_size, u64 below,
			  unsigned int bytes, u64 gpa[2], unsigned int *split)
{
	struct vtx_paging p = {
		.cr0 = v->cr0, .cr3 = vtx_vmread(VTX_GUEST_CR3),
		.cr4 = v->cr4, .efer = vtx_vmread(VTX_GUEST_IA32_EFER),
	};
	u64 la = v->regs[reg] & vtx_addr_mask(addr_size);

	if (la < below)
		return -EFAULT;	/* DF = 1 below address 0: not emulated */
	la -= below;
	/* In 64-bit mode ES, DS (and CS, SS) have base 0 (SDM Vol. 3A 3.4.4). */
	if (!(vtx_long_mode() && seg < 4))
		la += vtx_vmread(VTX_GUEST_ES_BASE + 2 * seg);
	if (!vtx_long_mode())
		la = (u32)la;
	*split = min_t(unsigned int, bytes, PAGE_SIZE - (la & (PAGE_SIZE - 1)));
	gpa[1] = 0;
	if (vtx_guest_translate(&p, la, vtx_read_gpa, v, &gpa[0]))
		return -EFAULT;
	if (*split < bytes &&
	    vtx_guest_translate(&p, vtx_long_mode() ? la + *split :
				(u32)(la + *split), vtx_read_gpa, v, &gpa[1]))
		return -EFAULT;
	return 0;
}

/* Read or write the bytes vtx_string_gpa() found. */
static int vtx_string_rw(struct vtx_vmx_vcpu *v, const u64 gpa[2],
			 unsigned int split, void *buf, unsigned int bytes,
			 bool write)
{
	if (write)
		return vtx_write_guest(v, gpa[0], buf, split) ?:
		       (split < bytes ?
			vtx_write_guest(v, gpa[1], buf + split, bytes - split) :
			0);
	return vtx_read_guest(v, gpa[0], buf, split) ?:
	       (split < bytes ?
		vtx_read_guest(v, gpa[1], buf + split, bytes - split) : 0);
}

/*
 * INS and OUTS (SDM 28.2.1 Table 28-5, VM-exit instruction information
 * in 28.2.5), split into exits as kvm-intel's emulator splits them
 * (lib/pio.h): a REP with rCX = 0 is skipped; OUTS leaves one element
 * per exit with rSI, rCX (and without REP, RIP) already moved; INS asks
 * for several elements at once and moves the registers when the data
 * comes.  A REP runs again until rCX is 0.
 */
static int vtx_handle_string_io(struct vtx_vmx_vcpu *v, unsigned int size,
				bool in, bool rep, u16 port)
{
	u32 info = vtx_vmread(VTX_VMX_INSTRUCTION_INFO);
	unsigned int addr_size = 2 << ((info >> 7) & 7);
	unsigned int seg = in ? 0 : (info >> 15) & 7;	/* INS: always ES */
	unsigned int reg = in ? VTX_REG_RDI : VTX_REG_RSI, split, bytes;
	bool df = vtx_vmread(VTX_GUEST_RFLAGS) & X86_EFLAGS_DF;
	struct kvm_run *run = v->run;
	u64 gpa[2], *rcx = &v->regs[VTX_REG_RCX];
	u32 count;

	if (addr_size > 8 || !cfg_inout_info())
		return vtx_internal_error(v, KVM_INTERNAL_ERROR_EMULATION);
	count = vtx_string_io_count(in, rep, df, size, addr_size, *rcx,
				    v->regs[VTX_REG_RDI]);
	if (!count)
		return vtx_skip_insn(v);	/* REP with rCX = 0: no I/O */
	bytes = size * count;
	/*
	 * The bytes this exit moves, lowest first: with DF = 1 the elements
	 * go down from rDI.  INS reads them too, to learn now (when it can
	 * still be retried) that they are RAM and mapped.
	 */
	if (vtx_string_gpa(v, seg, reg, addr_size, df ? bytes - size : 0,
			   bytes, gpa, &split) ||
	    vtx_string_rw(v, gpa, split, v->pio_data, bytes, false))
		return vtx_emulation_failed(v);
	/* INS into MMIO or a read-only slot is not emulated (KVM would
	 * turn it into MMIO writes): reported, never retried for ever.
	 */
	if (in && (!v->is_ram(v, gpa[0], true) ||
		   (split < bytes && !v->is_ram(v, gpa[1], true))))
		return vtx_internal_error(v, KVM_INTERNAL_ERROR_EMULATION);

	run->exit_reason = KVM_EXIT_IO;
	run->io.direction = in ? KVM_EXIT_IO_IN : KVM_EXIT_IO_OUT;
	run->io.size = size;
	run->io.port = port;
	run->io.count = count;
	run->io.data_offset = PAGE_SIZE;
	if (!in) {
		/* Done when it exits, as in kvm-intel: the next element is
		 * the next exit's.
		 */
		v->regs[reg] = vtx_string_reg_add(v->regs[reg], addr_size,
						  df ? -(s64)size : size);
		if (rep)
			*rcx = vtx_string_reg_add(*rcx, addr_size, -1);
		else
			vtx_skip(v, vtx_insn_len());
		return 0;
	}
	v->pio_str.pending = true;
	v->pio_str.rep = rep;
	v->pio_str.df = df;
	v->pio_str.size = size;
	v->pio_str.addr_size = addr_size;
	v->pio_str.len = vtx_insn_len();
	v->pio_str.count = count;
	v->pio_str.split = split;
	v->pio_str.gpa[0] = gpa[0];
	v->pio_str.gpa[1] = gpa[1];
	return 0;
}

/*
 * After user space: store INS's data (element i at rDI -/+ i * size),
 * move rDI and rCX; without REP, move past the instruction.
 */
static void vtx_complete_string_io(struct vtx_vmx_vcpu *v)
{
	typeof(v->pio_str) *s = &v->pio_str;
	unsigned int bytes = s->size * s->count, i, j;
	u64 *rdi = &v->regs[VTX_REG_RDI], *rcx = &v->regs[VTX_REG_RCX];
	u8 *data = v->pio_data, t;

	s->pending = false;
	/* DF = 1: the first element goes highest; reverse the elements. */
	for (i = 0; s->df && i < s->count / 2; i++)
		for (j = 0; j < s->size; j++) {
			t = data[i * s->size + j];
			data[i * s->size + j] =
				data[(s->count - 1 - i) * s->size + j];
			data[(s->count - 1 - i) * s->size + j] = t;
		}
	if (vtx_string_rw(v, s->gpa, s->split, data, bytes, true))
		return;	/* the slot went away: the guest retries the INS */
	*rdi = vtx_string_reg_add(*rdi, s->addr_size,
				  s->df ? -(s64)bytes : bytes);
	if (s->rep)
		*rcx = vtx_string_reg_add(*rcx, s->addr_size, -(s64)s->count);
	else
		vtx_skip(v, s->len);
}

/* SDM 28.2.1 Table 28-5: I/O instruction. */
static int vtx_handle_io(struct vtx_vmx_vcpu *v)
{
	unsigned long q = v->exit_qual;
	unsigned int size = (q & 7) + 1;
	bool in = q & 8;
	struct kvm_run *run = v->run;

	if (q & 16)
		return vtx_handle_string_io(v, size, in, q & 32, q >> 16);

	run->exit_reason = KVM_EXIT_IO;
	run->io.direction = in ? KVM_EXIT_IO_IN : KVM_EXIT_IO_OUT;
	run->io.size = size;
	run->io.port = q >> 16;
	run->io.count = 1;
	run->io.data_offset = PAGE_SIZE;
	if (!in)
		memcpy(v->pio_data, &v->regs[VTX_REG_RAX], size);
	/* Like KVM, RIP moves past the instruction on the next KVM_RUN,
	 * once user space has had its say.
	 */
	v->pio_in_pending = in ? size : 0;
	v->pending_skip = vtx_insn_len();
	return 0;
}

int vtx_exit_complete_pending(struct vtx_vmx_vcpu *v)
{
	/* An MMIO read answered: the instruction goes on, maybe to its
	 * write, which is the next exit.
	 */
	if (v->mmio_pending && !vtx_mmio_step(v))
		return 1;
	if (v->pio_str.pending)
		vtx_complete_string_io(v);

	if (v->pio_in_pending) {
		u64 data = 0, *rax = &v->regs[VTX_REG_RAX];

		/* The size of the exit, not kvm_run's: user space owns that. */
		memcpy(&data, v->pio_data, v->pio_in_pending);
		switch (v->pio_in_pending) {
		case 1:
			*rax = (*rax & ~0xffULL) | (data & 0xff);
			break;
		case 2:
			*rax = (*rax & ~0xffffULL) | (data & 0xffff);
			break;
		default:	/* a 32-bit destination zero-extends */
			*rax = (u32)data;
			break;
		}
		v->pio_in_pending = 0;
	}
	vtx_skip(v, v->pending_skip);
	v->pending_skip = 0;
	return 0;
}

/* Load the four PDPTEs of PAE paging (SDM Vol. 3A 4.4.1); EPT needs
 * them in the VMCS whenever vtx, not the guest, turned paging on.  A
 * present one with a reserved bit: -EINVAL, the VMCS keeps the old ones
 * (VM entry would fail on them, SDM 26.3.1.6).
 */
int vtx_vcpu_load_pdptrs(struct vtx_vmx_vcpu *v)
{
	u64 pdpte[4] = { 0 };
	u64 efer = vtx_vmread(VTX_GUEST_IA32_EFER);
	int i;

	if (!(v->cr0 & X86_CR0_PG) || !(v->cr4 & X86_CR4_PAE) ||
	    (efer & EFER_LMA))
		return 0;
	if (vtx_read_guest(v, vtx_vmread(VTX_GUEST_CR3) & ~0x1fULL, pdpte,
			  sizeof(pdpte)))
		return -EFAULT;
	if (!vtx_pdptes_valid(pdpte, min_t(unsigned int,
					   vtx_guest_maxphyaddr(v),
					   boot_cpu_data.x86_phys_bits)))
		return -EINVAL;
	for (i = 0; i < 4; i++)
		vtx_vmwrite(VTX_GUEST_PDPTR0 + 2 * i, pdpte[i]);
	return 0;
}

/*
 * A MOV to CR0 or CR4 that leaves PAE paging on (@pae) loads the PDPTEs
 * from the page at CR3, checked before anything changes: RAM not mapped
 * yet is mapped and the MOV retried (VTX_EXIT_MAP_RAM); PDPTEs that cannot
 * be read or have a reserved bit make it #GP (SDM Vol. 3A 4.4.1), -EINVAL.
 */
static int vtx_pdptes_usable(struct vtx_vmx_vcpu *v, bool pae)
{
	u64 pdpte[4];

	if (!pae)
		return 0;
	if (vtx_read_guest(v, vtx_vmread(VTX_GUEST_CR3) & ~0x1fULL, pdpte,
			  sizeof(pdpte)))
		return v->ram_fault ? VTX_EXIT_MAP_RAM : -EINVAL;
	return vtx_pdptes_valid(pdpte, min_t(unsigned int,
					     vtx_guest_maxphyaddr(v),
					     boot_cpu_data.x86_phys_bits)) ?
	       0 : -EINVAL;
}

/* MOV to CR0, as the guest asked (SDM Vol. 3A 2.5: the #GP cases). */
static int vtx_write_cr0(struct vtx_vmx_vcpu *v, u64 cr0)
{
	u64 efer = vtx_vmread(VTX_GUEST_IA32_EFER);
	int r;

	if (cr0 >> 32 || ((cr0 & X86_CR0_PG) && !(cr0 & X86_CR0_PE)) ||
	    ((cr0 & X86_CR0_NW) && !(cr0 & X86_CR0_CD)))
		return vtx_inject_gp(v);
	/* Long mode needs PAE when paging goes on (SDM Vol. 3A 9.8.5). */
	if ((cr0 & X86_CR0_PG) && !(v->cr0 & X86_CR0_PG) &&
	    (efer & EFER_LME) && !(v->cr4 & X86_CR4_PAE))
		return vtx_inject_gp(v);
	r = vtx_pdptes_usable(v, (cr0 & X86_CR0_PG) &&
			      (v->cr4 & X86_CR4_PAE) && !(efer & EFER_LME));
	if (r)
		return r == VTX_EXIT_MAP_RAM ? r : vtx_inject_gp(v);
	vtx_vcpu_set_cr0(v, cr0);
	if (vtx_vcpu_load_pdptrs(v))
		return vtx_inject_gp(v);
	return vtx_skip_insn(v);
}

/* MOV to CR4: the #GP cases of SDM Vol. 3A 2.5 (lib/cregs.c). */
static int vtx_write_cr4(struct vtx_vmx_vcpu *v, u64 cr4)
{
	u32 id[4];
	int r;
	struct vtx_cr4_ctx c = {
		.valid_bits = vtx_vcpu_cr4_valid_bits(v),
		.old_cr4 = v->cr4,
		.cr3 = vtx_vmread(VTX_GUEST_CR3),
		.long_mode = vtx_long_mode(),
	};

	vtx_vcpu_cpuid(v, 1, 0, id);
	c.guest_pcid = id[VTX_CPUID_ECX] & BIT(17);
	if (!vtx_cr4_write_valid(&c, cr4))
		return vtx_inject_gp(v);
	r = vtx_pdptes_usable(v, (v->cr0 & X86_CR0_PG) &&
			      (cr4 & X86_CR4_PAE) && !vtx_long_mode());
	if (r)
		return r == VTX_EXIT_MAP_RAM ? r : vtx_inject_gp(v);
	vtx_vcpu_set_cr4(v, cr4);
	if (vtx_vcpu_load_pdptrs(v))
		return vtx_inject_gp(v);
	return vtx_skip_insn(v);
}

/* SDM 28.2.1 Table 28-3: control-register accesses. */
static int vtx_handle_cr(struct vtx_vmx_vcpu *v)
{
	unsigned long q = v->exit_qual;
	unsigned int cr = q & 15, type = (q >> 4) & 3, reg = (q >> 8) & 15;
	u64 val = vtx_gpr(v, reg);

	if (!vtx_long_mode())
		val = (u32)val;
	switch (type) {
	case 0:		/* MOV to CR */
		if (cr == 0)
			return vtx_write_cr0(v, val);
		if (cr == 4)
			return vtx_write_cr4(v, val);
		if (cr == 3) {
			vtx_vmwrite(VTX_GUEST_CR3, val);
			return vtx_skip_insn(v);
		}
		if (cr == 8) {
			if (val > 15)
				return vtx_inject_gp(v);
			v->cr8 = val;
			return vtx_skip_insn(v);
		}
		break;
	case 1:		/* MOV from CR */
		if (cr == 8) {
			vtx_set_gpr(v, reg, v->cr8);
			return vtx_skip_insn(v);
		}
		if (cr == 3) {
			vtx_set_gpr(v, reg, vtx_vmread(VTX_GUEST_CR3));
			return vtx_skip_insn(v);
		}
		break;
	case 2:		/* CLTS */
		vtx_vcpu_set_cr0(v, v->cr0 & ~X86_CR0_TS);
		return vtx_skip_insn(v);
	case 3:		/* LMSW: bits 3:0, and PE cannot be cleared */
		return vtx_write_cr0(v, (v->cr0 & ~0xeULL) |
				     ((q >> 16) & 0xf) | (v->cr0 & 1));
	}
	return vtx_handle_unexpected(v);
}

/*
 * SDM 28.2.1 Table 28-4: MOV DR.  The guest's debug registers are
 * shadows, never loaded: the host's breakpoints stay the host's.
 */
static int vtx_handle_dr(struct vtx_vmx_vcpu *v)
{
	unsigned long q = v->exit_qual;
	unsigned int dr = q & 7, reg = (q >> 8) & 15;
	bool from = q & 16;
	u64 *slot;

	if (dr == 4 || dr == 5) {
		if (v->cr4 & X86_CR4_DE)
			return vtx_inject_ud(v);
		dr += 2;
	}
	slot = dr < 4 ? &v->dr[dr] : dr == 6 ? &v->dr6 : &v->dr7;
	if (from) {
		vtx_set_gpr(v, reg, *slot);
	} else {
		u64 val = vtx_gpr(v, reg);

		if (val >> 32 && dr >= 6)
			return vtx_inject_gp(v);
		*slot = dr == 6 ? (val | DR6_RESERVED) :
			dr == 7 ? ((val & ~0x2000ULL) | VTX_DR7_FIXED_1) : val;
	}
	return vtx_skip_insn(v);
}

static int vtx_handle_rdmsr(struct vtx_vmx_vcpu *v)
{
	u64 val;

	if (vtx_msr_get(v, v->regs[VTX_REG_RCX], &val))
		return vtx_inject_gp(v);
	v->regs[VTX_REG_RAX] = (u32)val;
	v->regs[VTX_REG_RDX] = val >> 32;
	return vtx_skip_insn(v);
}

static int vtx_handle_wrmsr(struct vtx_vmx_vcpu *v)
{
	u64 val = (v->regs[VTX_REG_RDX] << 32) | (u32)v->regs[VTX_REG_RAX];

	if (vtx_msr_set(v, v->regs[VTX_REG_RCX], val, false))
		return vtx_inject_gp(v);
	return vtx_skip_insn(v);
}

static int vtx_read_gpa(void *ctx, u64 gpa, void *buf, unsigned int len)
{
	struct vtx_vmx_vcpu *v = ctx;

	return vtx_read_guest(v, gpa, buf, len);
}

/* 16, 32 or 64: how the guest's code segment decodes (SDM Vol. 3A 5.2.1). */
static unsigned int vtx_code_bits(void)
{
	u32 ar = vtx_vmread(VTX_GUEST_CS_AR_BYTES);

	if (vtx_long_mode() && (ar & (1u << 13)))
		return 64;
	return (ar & (1u << 14)) ? 32 : 16;
}

/* Read the bytes at CS:RIP through the guest's own page tables. */
static int vtx_fetch_insn(struct vtx_vmx_vcpu *v, unsigned int bits, u8 *buf,
			  unsigned int *got)
{
	struct vtx_paging p = {
		.cr0 = v->cr0, .cr3 = vtx_vmread(VTX_GUEST_CR3),
		.cr4 = v->cr4, .efer = vtx_vmread(VTX_GUEST_IA32_EFER),
	};
	u64 rip = vtx_vmread(VTX_GUEST_RIP);
	u64 la = bits == 64 ? rip : vtx_vmread(VTX_GUEST_CS_BASE) +
		 (bits == 16 ? (u16)rip : (u32)rip);

	*got = 0;
	while (*got < VTX_INSN_MAX_LEN) {
		unsigned int n = min_t(unsigned int, VTX_INSN_MAX_LEN - *got,
				       PAGE_SIZE - (la & (PAGE_SIZE - 1)));
		u64 gpa;

		if (vtx_guest_translate(&p, la, vtx_read_gpa, v, &gpa) ||
		    vtx_read_guest(v, gpa, buf + *got, n))
			break;
		*got += n;
		la += n;
	}
	return *got ? 0 : -EFAULT;
}

/* Where the guest's seg:@off of @bytes lies in guest-physical memory
 * (SDM Vol. 3A 3.4.4: in 64-bit mode ES, CS, SS and DS have base 0).
 */
static int vtx_mmio_gpa(struct vtx_vmx_vcpu *v, unsigned int seg, u64 off,
			unsigned int bytes, u64 *gpa)
{
	struct vtx_paging p = {
		.cr0 = v->cr0, .cr3 = vtx_vmread(VTX_GUEST_CR3),
		.cr4 = v->cr4, .efer = vtx_vmread(VTX_GUEST_IA32_EFER),
	};
	u64 la = off;

	if (!(vtx_long_mode() && seg < 4))
		la += vtx_vmread(VTX_GUEST_ES_BASE + 2 * seg);
	if (!vtx_long_mode())
		la = (u32)la;
	/* An element that crosses a page is not emulated. */
	if (((la & (PAGE_SIZE - 1)) + bytes) > PAGE_SIZE)
		return -EFAULT;
	return vtx_guest_translate(&p, la, vtx_read_gpa, v, gpa);
}

/*
 * Where the instruction's memory operands are: @gpa (the EPT violation's
 * address) for a ModRM operand, but computed as KVM does for BT* with a
 * register bit offset (SDM Vol. 2 BT: the offset moves the address)
 * and for the string instructions' seg:[rSI] and ES:[rDI].  Reads
 * first (op->gpa[]), then the write (op->wgpa).
 */
static int vtx_mmio_operands(struct vtx_vmx_vcpu *v, const struct vtx_insn *in,
			     u64 gpa, const u64 *regs)
{
	typeof(v->mmio_op) *op = &v->mmio_op;
	u64 mask = in->addr_size == 8 ? ~0ULL : (1ULL << (8 * in->addr_size)) - 1;
	u64 si = 0, di = 0;

	memset(op, 0, sizeof(*op));
	if (in->string) {
		if ((in->op != VTX_OP_STOS && in->op != VTX_OP_SCAS &&
		     vtx_mmio_gpa(v, in->seg, regs[VTX_REG_RSI] & mask,
				  in->size, &si)) ||
		    (in->op != VTX_OP_LODS &&
		     vtx_mmio_gpa(v, VTX_INSN_SEG_ES, regs[VTX_REG_RDI] & mask,
				  in->size, &di)))
			return -EFAULT;
		switch (in->op) {
		case VTX_OP_MOVS:
			op->gpa[op->nreads++] = si;
			op->wgpa = di;
			break;
		case VTX_OP_CMPS:
			op->gpa[op->nreads++] = si;
			op->gpa[op->nreads++] = di;
			break;
		case VTX_OP_LODS:
			op->gpa[op->nreads++] = si;
			break;
		case VTX_OP_SCAS:
			op->gpa[op->nreads++] = di;
			break;
		default:	/* STOS */
			op->wgpa = di;
			break;
		}
		return 0;
	}
	if (in->bit_reg) {
		u64 next_rip = vtx_vmread(VTX_GUEST_RIP) + in->len;
		u64 ea = vtx_insn_ea(in, regs, next_rip);

		ea = (ea + vtx_insn_bit_disp(in, regs)) & mask;
		if (vtx_mmio_gpa(v, in->seg, ea, in->size, &gpa))
			return -EFAULT;
	}
	if (in->kind != VTX_INSN_STORE)
		op->gpa[op->nreads++] = gpa;
	op->wgpa = gpa;
	return 0;
}

/*
 * Run the MMIO instruction in v->mmio as far as it goes without user
 * space: RAM operands directly, the next MMIO read as a KVM_EXIT_MMIO
 * (RIP still at the instruction; the data comes back on the next
 * KVM_RUN), then the computation (lib/emulate.c), then the write: to
 * RAM, or a KVM_EXIT_MMIO with RIP already past the instruction.  As in
 * KVM's emulator (arch/x86/kvm/emulate.c, x86_emulate_insn): reads in
 * operand order, then one write.  REP goes on by executing the
 * instruction again until rCX says done.
 *
 * Return: 1 done (resume the guest), 0 kvm_run holds an exit.
 */
static int vtx_mmio_step(struct vtx_vmx_vcpu *v)
{
	typeof(v->mmio_op) *op = &v->mmio_op;
	const struct vtx_insn *in = &v->mmio;
	struct kvm_run *run = v->run;
	unsigned int verdict;
	u64 rflags, out, old_rsp;

	while (op->done < op->nreads) {
		u64 gpa = op->gpa[op->done], data = 0;

		if (op->waiting) {
			memcpy(&data, run->mmio.data, in->size);
			op->waiting = false;
		} else if (v->is_ram(v, gpa, false)) {
			/* Pinned when the instruction started: this fails
			 * only if the slot went away; the guest retries.
			 */
			if (vtx_read_guest(v, gpa, &data, in->size))
				goto abandon;
		} else {
			run->exit_reason = KVM_EXIT_MMIO;
			run->mmio.phys_addr = gpa;
			run->mmio.len = in->size;
			run->mmio.is_write = 0;
			memset(run->mmio.data, 0, sizeof(run->mmio.data));
			op->waiting = true;
			v->mmio_pending = true;
			return 0;
		}
		op->val[op->done++] = data;
	}
	v->mmio_pending = false;

	old_rsp = vtx_vmread(VTX_GUEST_RSP);
	v->regs[VTX_REG_RSP] = old_rsp;
	rflags = vtx_vmread(VTX_GUEST_RFLAGS);
	verdict = vtx_emulate(in, v->regs, &rflags, op->val[0], op->val[1],
			      &out);
	/* DIV/IDIV by zero or past the quotient's range: #DE, as in KVM,
	 * RIP at the instruction and nothing changed (SDM Vol. 2 DIV).
	 */
	if (verdict & VTX_EMUL_DE)
		return vtx_inject(v, DE_VECTOR, false, 0);
	if (v->regs[VTX_REG_RSP] != old_rsp)
		vtx_vmwrite(VTX_GUEST_RSP, v->regs[VTX_REG_RSP]);
	vtx_vmwrite(VTX_GUEST_RFLAGS, rflags);
	if ((verdict & VTX_EMUL_WRITE) && v->is_ram(v, op->wgpa, true)) {
		/* Pinned at the start; a slot that went away drops it. */
		vtx_write_guest(v, op->wgpa, &out, in->size);
		verdict &= ~VTX_EMUL_WRITE;
	}
	/*
	 * kvm-intel leaves RIP at a REP string instruction at each of its
	 * MMIO write exits, the last one's too: the guest then runs it
	 * once more with rCX = 0, which does nothing but move on.
	 */
	if (!(verdict & VTX_EMUL_AGAIN) &&
	    !(in->rep && (verdict & VTX_EMUL_WRITE)))
		vtx_skip(v, in->len);
	if (!(verdict & VTX_EMUL_WRITE))
		return 1;
	run->exit_reason = KVM_EXIT_MMIO;
	run->mmio.phys_addr = op->wgpa;
	run->mmio.len = in->size;
	run->mmio.is_write = 1;
	memset(run->mmio.data, 0, sizeof(run->mmio.data));
	memcpy(run->mmio.data, &out, in->size);
	return 0;

abandon:
	v->mmio_pending = false;
	return 1;
}

/*
 * An instruction on MMIO that vtx does not emulate: as KVM at CPL 0
 * (x86.c prepare_emulation_failure_exit), the error carries the
 * instruction's bytes (emulation_failure, flags INSTRUCTION_BYTES),
 * then vtx's usual three words (exit reason, qualification, CPU).
 */
static int vtx_mmio_not_emulated(struct vtx_vmx_vcpu *v, const u8 *bytes,
				 unsigned int got)
{
	struct kvm_run *run = v->run;
	u64 info[3];

	vtx_internal_error(v, KVM_INTERNAL_ERROR_EMULATION);
	if (!got)
		return 0;
	memcpy(info, run->internal.data, sizeof(info));
	run->emulation_failure.flags =
		KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES;
	run->emulation_failure.insn_size = got;
	memset(run->emulation_failure.insn_bytes, 0x90,
	       sizeof(run->emulation_failure.insn_bytes));
	memcpy(run->emulation_failure.insn_bytes, bytes, got);
	memcpy(&run->internal.data[3], info, sizeof(info));
	run->emulation_failure.ndata = 3 + ARRAY_SIZE(info);
	return 0;
}

/*
 * SDM 28.2.1 Table 28-7: an EPT violation is a guest access to a
 * guest-physical address with no RAM (or a write to a read-only slot):
 * decode the instruction and emulate it, its MMIO accesses going to user
 * space as KVM_EXIT_MMIO (vtx_mmio_step).  What cannot be decoded is
 * reported, never guessed.
 */
static int vtx_handle_ept_violation(struct vtx_vmx_vcpu *v)
{
	u64 gpa = vtx_vmread(VTX_GUEST_PHYSICAL_ADDRESS);
	unsigned int bits = vtx_code_bits(), got = 0, i;
	bool write = v->exit_qual & 2;
	u8 bytes[VTX_INSN_MAX_LEN];
	typeof(v->mmio_op) *op = &v->mmio_op;
	struct vtx_insn in;
	u64 probe;

	/*
	 * An IRET that unblocked NMIs faulted: blocking by NMI is back in
	 * force for its re-execution (SDM 28.2.3), unless the exit came
	 * while delivering an event.
	 */
	if ((v->exit_qual & VTX_INTR_INFO_NMI_UNBLOCK) &&
	    !(vtx_vmread(VTX_IDT_VECTORING_INFO) & VTX_INTR_INFO_VALID))
		vtx_vmwrite(VTX_GUEST_INTERRUPTIBILITY_INFO,
			    vtx_vmread(VTX_GUEST_INTERRUPTIBILITY_INFO) |
			    VTX_INTERRUPTIBILITY_NMI);

	/* The guest's first touch of a page of RAM: map it, run it again. */
	if (v->is_ram(v, gpa, write)) {
		trace_vtx_ept_violation(v->id, gpa, v->exit_qual,
					VTX_EPT_RES_MAP_RAM);
		v->ram_fault = true;
		v->ram_fault_gpa = gpa;
		return VTX_EXIT_MAP_RAM;
	}
	/*
	 * The CPU was delivering an event (its IDT, stack or TSS is where no
	 * RAM is): there is no instruction at RIP to emulate.  kvm-intel
	 * reports such exits as KVM_INTERNAL_ERROR_DELIVERY_EV.
	 */
	if (vtx_vmread(VTX_IDT_VECTORING_INFO) & VTX_INTR_INFO_VALID) {
		trace_vtx_ept_violation(v->id, gpa, v->exit_qual,
					VTX_EPT_RES_NOT_EMULATED);
		return vtx_internal_error(v, KVM_INTERNAL_ERROR_DELIVERY_EV);
	}
	v->regs[VTX_REG_RSP] = vtx_vmread(VTX_GUEST_RSP);
	/* Bit 2: an instruction fetch; executing MMIO is not emulated.  A
	 * load that wrote or a store that read is not what was decoded.
	 */
	if ((v->exit_qual & 4) || vtx_fetch_insn(v, bits, bytes, &got) ||
	    vtx_decode_mmio(bytes, got, bits, &in) ||
	    (!in.string && in.kind == VTX_INSN_LOAD && write) ||
	    (!in.string && in.kind == VTX_INSN_STORE && !write) ||
	    vtx_mmio_operands(v, &in, gpa, v->regs))
		goto fail;
	/* RAM operands are pinned now, before anything changed, so that
	 * the rest never meets RAM it has to wait for.
	 */
	for (i = 0; i < op->nreads; i++)
		if (v->is_ram(v, op->gpa[i], false) &&
		    vtx_read_guest(v, op->gpa[i], &probe, in.size))
			goto fail;
	if (in.kind != VTX_INSN_LOAD && in.kind != VTX_INSN_CMPS &&
	    v->is_ram(v, op->wgpa, true) &&
	    vtx_read_guest(v, op->wgpa, &probe, in.size))
		goto fail;

	/* Bit 3: the entry allowed reads, so the page is a read-only slot. */
	trace_vtx_ept_violation(v->id, gpa, v->exit_qual,
				!write ? VTX_EPT_RES_MMIO_READ :
				(v->exit_qual & 8) ? VTX_EPT_RES_READONLY_WRITE :
				VTX_EPT_RES_MMIO_WRITE);
	v->mmio = in;
	return vtx_mmio_step(v);

fail:
	if (v->ram_fault)
		return VTX_EXIT_MAP_RAM;
	trace_vtx_ept_violation(v->id, gpa, v->exit_qual,
				VTX_EPT_RES_NOT_EMULATED);
	return vtx_mmio_not_emulated(v, bytes, got);
}

/*
 * XSETBV always exits (SDM 26.1.2); the #UD of CR4.OSXSAVE = 0 comes
 * first (SDM 26.1.1).  The value is checked as the CPU would check it
 * (lib/cregs.c): vtx loads it with its own XSETBV before the next entry,
 * where a #GP would be the host's.
 */
static int vtx_handle_xsetbv(struct vtx_vmx_vcpu *v)
{
	u64 xcr0 = (v->regs[VTX_REG_RDX] << 32) | (u32)v->regs[VTX_REG_RAX];
	u32 ss_ar = vtx_vmread(VTX_GUEST_SS_AR_BYTES);

	if (!vtx_xsave_enabled())
		return vtx_inject_ud(v);
	/* CPL (SS.DPL, SDM Vol. 3A 5.5) must be 0, as KVM checks too. */
	if (((ss_ar >> 5) & 3) ||
	    !vtx_xcr0_valid(v->regs[VTX_REG_RCX], xcr0,
			    vtx_vcpu_xcr0_supported(v)))
		return vtx_inject_gp(v);
	v->xcr0 = xcr0;
	return vtx_skip_insn(v);
}

/*
 * A task switch (CALL/JMP to a TSS or task gate, IRET with NT, an
 * interrupt through a task gate) always exits (SDM 26.4.2); KVM emulates
 * it (kvm_task_switch()), vtx does not: an emulation failure with the
 * exit reason and the qualification (selector in bits 15:0, source in
 * 31:30, SDM 28.2.1 Table 28-2), never a silent resume.
 */
static int vtx_handle_task_switch(struct vtx_vmx_vcpu *v)
{
	return vtx_internal_error(v, KVM_INTERNAL_ERROR_EMULATION);
}

/*
 * SDM 31.3: VMCALL always exits.  The hypercalls of KVM's ABI, answered
 * as kvm-intel answers them (lib/state.c); RIP moves past the call.
 */
static int vtx_handle_vmcall(struct vtx_vmx_vcpu *v)
{
	const u64 a[4] = {
		v->regs[VTX_REG_RBX], v->regs[VTX_REG_RCX],
		v->regs[VTX_REG_RDX], v->regs[VTX_REG_RSI],
	};
	/* SDM 25.4.1: the CPL is SS.DPL (bits 6:5 of its access rights). */
	unsigned int cpl = (vtx_vmread(VTX_GUEST_SS_AR_BYTES) >> 5) & 3;

	v->regs[VTX_REG_RAX] = vtx_hypercall(v->regs[VTX_REG_RAX], a, cpl,
					     vtx_code_bits() == 64);
	return vtx_skip_insn(v);
}

/*
 * A #UD the guest raised (intercepted: exception bitmap bit 6).  AMD's
 * VMMCALL (0f 01 d9) is #UD on Intel; kvm-intel makes it a hypercall by
 * rewriting it in guest memory to VMCALL (0f 01 c1: its emulator's
 * em_hypercall() with KVM_X86_QUIRK_FIX_HYPERCALL_INSN, on by default)
 * and letting the guest run it again: so does vtx, in protected mode
 * (as KVM: not in real or virtual-8086 mode), for those three bytes at
 * CS:RIP without prefixes.  Every other #UD goes back to the guest as it
 * came: vector 6, no error code (SDM 26.6.1).
 */
static int vtx_handle_ud(struct vtx_vmx_vcpu *v)
{
	static const u8 vmmcall[3] = { 0x0f, 0x01, 0xd9 };
	static const u8 vmcall[3] = { 0x0f, 0x01, 0xc1 };
	unsigned int bits = vtx_code_bits(), got, n;
	struct vtx_paging p = {
		.cr0 = v->cr0, .cr3 = vtx_vmread(VTX_GUEST_CR3),
		.cr4 = v->cr4, .efer = vtx_vmread(VTX_GUEST_IA32_EFER),
	};
	u8 bytes[VTX_INSN_MAX_LEN];
	u64 rip, la, gpa[2];

	if (!(v->cr0 & X86_CR0_PE) ||
	    (vtx_vmread(VTX_GUEST_RFLAGS) & X86_EFLAGS_VM) ||
	    vtx_fetch_insn(v, bits, bytes, &got) || got < 3 ||
	    memcmp(bytes, vmmcall, 3))
		return v->ram_fault ? VTX_EXIT_MAP_RAM : vtx_inject_ud(v);
	rip = vtx_vmread(VTX_GUEST_RIP);
	la = bits == 64 ? rip : (u32)(vtx_vmread(VTX_GUEST_CS_BASE) +
				      (bits == 16 ? (u16)rip : (u32)rip));
	/* The three bytes may straddle a page boundary. */
	n = min_t(unsigned int, 3, PAGE_SIZE - (la & (PAGE_SIZE - 1)));
	gpa[1] = 0;
	if (vtx_guest_translate(&p, la, vtx_read_gpa, v, &gpa[0]) ||
	    (n < 3 && vtx_guest_translate(&p, bits == 64 ? la + n :
					  (u32)(la + n), vtx_read_gpa, v,
					  &gpa[1])) ||
	    vtx_write_guest(v, gpa[0], vmcall, n) ||
	    (n < 3 && vtx_write_guest(v, gpa[1], vmcall + n, 3 - n)))
		/* Code in a read-only slot stays as it is: #UD, as on Intel. */
		return v->ram_fault ? VTX_EXIT_MAP_RAM : vtx_inject_ud(v);
	return 1;
}

/* The entry failed on the guest state: SDM 27.8, the exit reason has
 * bit 31 set.
 */
static int vtx_handle_entry_failure(struct vtx_vmx_vcpu *v)
{
	v->run->exit_reason = KVM_EXIT_FAIL_ENTRY;
	v->run->fail_entry.hardware_entry_failure_reason = v->exit_reason;
	v->run->fail_entry.cpu = smp_processor_id();
	return 0;
}

typedef int (*vtx_exit_handler_t)(struct vtx_vmx_vcpu *v);

static const vtx_exit_handler_t vtx_exit_handlers[VTX_NR_EXIT_REASONS] = {
	[VTX_EXIT_EXCEPTION_NMI]	= vtx_handle_exception_nmi,
	[VTX_EXIT_EXTERNAL_INTERRUPT]	= vtx_handle_external_interrupt,
	[VTX_EXIT_TRIPLE_FAULT]		= vtx_handle_triple_fault,
	[VTX_EXIT_INTERRUPT_WINDOW]	= vtx_handle_interrupt_window,
	[VTX_EXIT_NMI_WINDOW]		= vtx_handle_nmi_window,
	[VTX_EXIT_PREEMPTION_TIMER]	= vtx_handle_preemption_timer,
	[VTX_EXIT_CPUID]		= vtx_handle_cpuid,
	[VTX_EXIT_TASK_SWITCH]		= vtx_handle_task_switch,
	[VTX_EXIT_GETSEC]		= vtx_inject_ud,
	[VTX_EXIT_HLT]			= vtx_handle_hlt,
	[VTX_EXIT_INVD]			= vtx_skip_insn,
	[VTX_EXIT_RDPMC]		= vtx_inject_gp,
	[VTX_EXIT_VMCALL]		= vtx_handle_vmcall,
	/* VMX is hidden from the guest: its instructions are #UD. */
	[VTX_EXIT_VMCLEAR]		= vtx_inject_ud,
	[VTX_EXIT_VMLAUNCH]		= vtx_inject_ud,
	[VTX_EXIT_VMPTRLD]		= vtx_inject_ud,
	[VTX_EXIT_VMPTRST]		= vtx_inject_ud,
	[VTX_EXIT_VMREAD]		= vtx_inject_ud,
	[VTX_EXIT_VMRESUME]		= vtx_inject_ud,
	[VTX_EXIT_VMWRITE]		= vtx_inject_ud,
	[VTX_EXIT_VMXOFF]		= vtx_inject_ud,
	[VTX_EXIT_VMXON]		= vtx_inject_ud,
	[VTX_EXIT_INVEPT]		= vtx_inject_ud,
	[VTX_EXIT_INVVPID]		= vtx_inject_ud,
	[VTX_EXIT_VMFUNC]		= vtx_inject_ud,
	[VTX_EXIT_CR_ACCESS]		= vtx_handle_cr,
	[VTX_EXIT_DR_ACCESS]		= vtx_handle_dr,
	[VTX_EXIT_IO_INSTRUCTION]	= vtx_handle_io,
	[VTX_EXIT_MSR_READ]		= vtx_handle_rdmsr,
	[VTX_EXIT_MSR_WRITE]		= vtx_handle_wrmsr,
	[VTX_EXIT_INVALID_GUEST_STATE]	= vtx_handle_entry_failure,
	[VTX_EXIT_MSR_LOAD_FAIL]	= vtx_handle_entry_failure,
	[VTX_EXIT_MCE_DURING_VMENTRY]	= vtx_handle_entry_failure,
	/* MONITOR/MWAIT are not in the guest's CPUID (SDM 28.1.3). */
	[VTX_EXIT_MWAIT]		= vtx_inject_ud,
	[VTX_EXIT_MONITOR]		= vtx_inject_ud,
	[VTX_EXIT_EPT_VIOLATION]	= vtx_handle_ept_violation,
	[VTX_EXIT_WBINVD]		= vtx_skip_insn,
	[VTX_EXIT_PAUSE]		= vtx_handle_pause,
	[VTX_EXIT_XSETBV]		= vtx_handle_xsetbv,
};

int vtx_handle_exit(struct vtx_vmx_vcpu *v)
{
	u32 basic = v->exit_reason & VTX_EXIT_REASON_BASIC_MASK;

	v->exit_qual = vtx_vmread(VTX_EXIT_QUALIFICATION);
	v->ram_fault = false;
	if (trace_vtx_exit_enabled())
		v->exit_rip = vtx_vmread(VTX_GUEST_RIP);
	if (v->exit_reason & VTX_EXIT_REASON_ENTRY_FAILURE)
		return vtx_handle_entry_failure(v);
	vtx_events_after_exit(v);
	if (basic >= VTX_NR_EXIT_REASONS || !vtx_exit_handlers[basic])
		return vtx_handle_unexpected(v);
	basic = array_index_nospec(basic, VTX_NR_EXIT_REASONS);
	return vtx_exit_handlers[basic](v);
}
