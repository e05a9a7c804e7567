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
#include "lib/walk.h"
#include "lib/events.h"
#include "trace.h"

/* Advance past the instruction that exited (SDM 28.2.4), and drop the
 * STI / MOV-SS blocking it may have left (SDM 25.4.2).
 */
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

/* SDM 28.2.2: NMIs were delivered right after the exit; #MC is re-raised. */
static int vtx_handle_exception_nmi(struct vtx_vmx_vcpu *v)
{
	u32 info = vtx_vmread(VTX_VM_EXIT_INTR_INFO);

	if (vtx_exit_is_nmi(info))
		return 1;
	if ((info & 0xff) == MC_VECTOR) {
		asm volatile("int $0x12");
		return 1;
	}
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

/* CPUID always exits (SDM 26.1.2): answer from the table user space set
 * with KVM_SET_CPUID2, else from the host, filtered (lib/cpuid.c).  Either
 * way OSXSAVE mirrors the guest's CR4, as on hardware.
 */
static int vtx_handle_cpuid(struct vtx_vmx_vcpu *v)
{
	u32 leaf = v->regs[VTX_REG_RAX], index = v->regs[VTX_REG_RCX];
	u32 r[4] = { 0 };
	const struct kvm_cpuid_entry2 *e;

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
	}
	if (leaf == 1)
		r[VTX_CPUID_ECX] = vtx_cpuid_osxsave(r[VTX_CPUID_ECX],
						     v->cr4 & X86_CR4_OSXSAVE);
	v->regs[VTX_REG_RAX] = r[VTX_CPUID_EAX];
	v->regs[VTX_REG_RBX] = r[VTX_CPUID_EBX];
	v->regs[VTX_REG_RCX] = r[VTX_CPUID_ECX];
	v->regs[VTX_REG_RDX] = r[VTX_CPUID_EDX];
	return vtx_skip_insn(v);
}

static void vtx_complete_mmio(struct vtx_vmx_vcpu *v);
static int vtx_read_gpa(void *ctx, u64 gpa, void *buf, unsigned int len);
static u64 vtx_addr_update(u64 old, u64 val, unsigned int size);

/* Most bytes one INS exit asks user space for (KVM's read-ahead). */
#define VTX_PIO_STRING_MAX	1024

static u64 vtx_addr_mask(unsigned int addr_size)
{
	return addr_size == 8 ? ~0ULL : (1ULL << (8 * addr_size)) - 1;
}

/* Translate seg:reg of a string instruction to a guest-physical address
 * that holds @bytes without crossing a page.
 */
static int vtx_string_gpa(struct vtx_vmx_vcpu *v, unsigned int seg,
			  unsigned int reg, unsigned int addr_size,
			  unsigned int bytes, u64 *la_out, u64 *gpa)
{
	struct vtx_paging p = {
		.cr0 = v->cr0, .cr3 = vtx_vmread(VTX_GUEST_CR3),
		.cr4 = v->cr4, .efer = vtx_vmread(VTX_GUEST_IA32_EFER),
	};
	u64 la = v->regs[reg] & vtx_addr_mask(addr_size);

	/* In 64-bit mode ES, DS (and CS, SS) have base 0 (SDM Vol. 3A 3.4.4). */
	if (!(vtx_long_mode() && seg < 4))
		la += vtx_vmread(VTX_GUEST_ES_BASE + 2 * seg);
	*la_out = la;
	if (((la & (PAGE_SIZE - 1)) + bytes) > PAGE_SIZE)
		return -EFAULT;
	return vtx_guest_translate(&p, la, vtx_read_gpa, v, gpa);
}

/*
 * INS and OUTS (SDM 28.2.1 Table 28-5, VM-exit instruction information
 * in 28.2.5).  As in KVM: OUTS leaves one element per exit; INS asks for
 * as many as fit in the destination page and in 1 KiB, in one exit.  REP goes on by
 * executing the instruction again until rCX reaches 0.
 */
static int vtx_handle_string_io(struct vtx_vmx_vcpu *v, unsigned int size,
				bool in, bool rep, u16 port)
{
	u32 info = vtx_vmread(VTX_VMX_INSTRUCTION_INFO);
	unsigned int addr_size = 2 << ((info >> 7) & 7);
	unsigned int seg = in ? 0 : (info >> 15) & 7;	/* INS: always ES */
	bool df = vtx_vmread(VTX_GUEST_RFLAGS) & X86_EFLAGS_DF;
	u64 rcx = v->regs[VTX_REG_RCX] & vtx_addr_mask(addr_size);
	struct kvm_run *run = v->run;
	u32 count = 1;
	u64 la, gpa;

	if (addr_size > 8 || !cfg_inout_info())
		return vtx_internal_error(v, KVM_INTERNAL_ERROR_EMULATION);
	if (in && rep && !df) {
		/* KVM's emulator reads ahead at most 1 KiB: so does vtx, so
		 * user space sees the same exits from both.
		 */
		count = min_t(u64, rcx, VTX_PIO_STRING_MAX / size);
		if (vtx_string_gpa(v, seg, VTX_REG_RDI, addr_size, size, &la,
				   &gpa))
			return vtx_emulation_failed(v);
		count = min_t(u64, count,
			      (PAGE_SIZE - (la & (PAGE_SIZE - 1))) / size);
	}
	if (vtx_string_gpa(v, seg, in ? VTX_REG_RDI : VTX_REG_RSI, addr_size,
			   size * count, &la, &gpa) ||
	    (!in && v->read_guest(v, gpa, v->pio_data, size)))
		return vtx_emulation_failed(v);

	run->exit_reason = KVM_EXIT_IO;
	run->io.direction = in ? KVM_EXIT_IO_IN : KVM_EXIT_IO_OUT;
	run->io.size = size;
	run->io.port = port;
	run->io.count = count;
	run->io.data_offset = PAGE_SIZE;
	v->pio_str.pending = true;
	v->pio_str.in = in;
	v->pio_str.rep = rep;
	v->pio_str.size = size;
	v->pio_str.addr_size = addr_size;
	v->pio_str.len = vtx_insn_len();
	v->pio_str.count = count;
	v->pio_str.gpa = gpa;
	return 0;
}

/* After user space: store INS data, move rSI/rDI and rCX, and move past
 * the instruction once rCX is done.
 */
static void vtx_complete_string_io(struct vtx_vmx_vcpu *v)
{
	typeof(v->pio_str) *s = &v->pio_str;
	unsigned int reg = s->in ? VTX_REG_RDI : VTX_REG_RSI;
	bool df = vtx_vmread(VTX_GUEST_RFLAGS) & X86_EFLAGS_DF;
	u64 delta = (u64)s->size * s->count, mask = vtx_addr_mask(s->addr_size);
	u64 *r = &v->regs[reg], *rcx = &v->regs[VTX_REG_RCX];

	s->pending = false;
	if (s->in && v->write_guest(v, s->gpa, v->pio_data, delta))
		return;	/* the slot went away: the guest retries the INS */
	*r = vtx_addr_update(*r, df ? *r - delta : *r + delta, s->addr_size);
	if (s->rep) {
		*rcx = vtx_addr_update(*rcx, *rcx - s->count, s->addr_size);
		if (*rcx & mask)
			return;	/* more to do: execute it again */
	}
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
	v->pio_in_pending = in;
	v->pio_in_size = size;
	v->pending_skip = vtx_insn_len();
	return 0;
}

static void vtx_complete_mmio(struct vtx_vmx_vcpu *v);

void vtx_exit_complete_pending(struct vtx_vmx_vcpu *v)
{
	if (v->mmio_pending)
		vtx_complete_mmio(v);
	if (v->pio_str.pending)
		vtx_complete_string_io(v);

	if (v->pio_in_pending) {
		u64 data = 0, *rax = &v->regs[VTX_REG_RAX];

		/* Not run->io.size: user space owns that page (1, 2 or 4
		 * bytes here, from the exit qualification).
		 */
		memcpy(&data, v->pio_data, v->pio_in_size);
		switch (v->pio_in_size) {
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
		v->pio_in_pending = false;
	}
	vtx_skip(v, v->pending_skip);
	v->pending_skip = 0;
}

/* Load the four PDPTEs of PAE paging (SDM Vol. 3A 4.4.1); EPT needs
 * them in the VMCS whenever vtx, not the guest, turned paging on.
 */
int vtx_vcpu_load_pdptrs(struct vtx_vmx_vcpu *v)
{
	u64 pdpte[4] = { 0 };
	u64 efer = vtx_vmread(VTX_GUEST_IA32_EFER);
	int i;

	if (!(v->cr0 & X86_CR0_PG) || !(v->cr4 & X86_CR4_PAE) ||
	    (efer & EFER_LMA))
		return 0;
	if (v->read_guest(v, vtx_vmread(VTX_GUEST_CR3) & ~0x1fULL, pdpte,
			  sizeof(pdpte)))
		return -EFAULT;
	for (i = 0; i < 4; i++)
		vtx_vmwrite(VTX_GUEST_PDPTR0 + 2 * i, pdpte[i]);
	return 0;
}

/*
 * A MOV to CR0 or CR4 that leaves PAE paging on (@pae) loads the PDPTEs
 * from the page at CR3: if that RAM is not mapped yet, it is mapped and
 * the MOV retried before anything changed.
 */
static bool vtx_pdpte_page_unmapped(struct vtx_vmx_vcpu *v, bool pae)
{
	u64 pdpte[4];

	if (!pae)
		return false;
	v->read_guest(v, vtx_vmread(VTX_GUEST_CR3) & ~0x1fULL, pdpte,
		      sizeof(pdpte));
	return v->ram_fault;
}

/* MOV to CR0, as the guest asked (SDM Vol. 3A 2.5: the #GP cases). */
static int vtx_write_cr0(struct vtx_vmx_vcpu *v, u64 cr0)
{
	u64 efer = vtx_vmread(VTX_GUEST_IA32_EFER);

	if (cr0 >> 32 || ((cr0 & X86_CR0_PG) && !(cr0 & X86_CR0_PE)) ||
	    ((cr0 & X86_CR0_NW) && !(cr0 & X86_CR0_CD)))
		return vtx_inject_gp(v);
	/* Long mode needs PAE when paging goes on (SDM Vol. 3A 9.8.5). */
	if ((cr0 & X86_CR0_PG) && !(v->cr0 & X86_CR0_PG) &&
	    (efer & EFER_LME) && !(v->cr4 & X86_CR4_PAE))
		return vtx_inject_gp(v);
	if (vtx_pdpte_page_unmapped(v, (cr0 & X86_CR0_PG) &&
				    (v->cr4 & X86_CR4_PAE) &&
				    !(efer & EFER_LME)))
		return VTX_EXIT_MAP_RAM;
	vtx_vcpu_set_cr0(v, cr0);
	if (vtx_vcpu_load_pdptrs(v))
		return vtx_inject_gp(v);
	return vtx_skip_insn(v);
}

static int vtx_write_cr4(struct vtx_vmx_vcpu *v, u64 cr4)
{
	if (!vtx_vcpu_cr4_valid(cr4) ||
	    (vtx_long_mode() && !(cr4 & X86_CR4_PAE)))
		return vtx_inject_gp(v);
	if (vtx_pdpte_page_unmapped(v, (v->cr0 & X86_CR0_PG) &&
				    (cr4 & X86_CR4_PAE) && !vtx_long_mode()))
		return VTX_EXIT_MAP_RAM;
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

	return v->read_guest(v, gpa, buf, len);
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
		    v->read_guest(v, gpa, buf + *got, n))
			break;
		*got += n;
		la += n;
	}
	return *got ? 0 : -EFAULT;
}

/*
 * SDM 28.2.1 Table 28-7: an EPT violation is a guest access to a
 * guest-physical address with no RAM (or a write to a read-only slot):
 * decode the instruction and hand the access to user space as
 * KVM_EXIT_MMIO.  What cannot be decoded is reported, never guessed.
 */
static int vtx_handle_ept_violation(struct vtx_vmx_vcpu *v)
{
	u64 gpa = vtx_vmread(VTX_GUEST_PHYSICAL_ADDRESS);
	unsigned int bits = vtx_code_bits(), got;
	bool write = v->exit_qual & 2;
	struct kvm_run *run = v->run;
	u8 bytes[VTX_INSN_MAX_LEN];
	struct vtx_insn in;

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
	/* Bit 2: an instruction fetch; executing MMIO is not emulated. */
	if ((v->exit_qual & 4) || vtx_fetch_insn(v, bits, bytes, &got) ||
	    vtx_decode_mmio(bytes, got, bits, &in) ||
	    write != (in.kind == VTX_INSN_STORE)) {
		if (v->ram_fault)
			return VTX_EXIT_MAP_RAM;
		trace_vtx_ept_violation(v->id, gpa, v->exit_qual,
					VTX_EPT_RES_NOT_EMULATED);
		return vtx_internal_error(v, KVM_INTERNAL_ERROR_EMULATION);
	}
	/* Bit 3: the entry allowed reads, so the page is a read-only slot. */
	trace_vtx_ept_violation(v->id, gpa, v->exit_qual,
				!write ? VTX_EPT_RES_MMIO_READ :
				(v->exit_qual & 8) ? VTX_EPT_RES_READONLY_WRITE :
				VTX_EPT_RES_MMIO_WRITE);

	run->exit_reason = KVM_EXIT_MMIO;
	run->mmio.phys_addr = gpa;
	run->mmio.len = in.size;
	run->mmio.is_write = write;
	memset(run->mmio.data, 0, sizeof(run->mmio.data));
	if (write) {
		u64 val = vtx_insn_store_value(&in, v->regs);

		memcpy(run->mmio.data, &val, in.size);
	}
	/* Like KVM, a store is done when it exits: RIP moves on now; a
	 * load finishes on the next KVM_RUN, with the data.
	 */
	v->mmio = in;
	if (write)
		vtx_complete_mmio(v);
	else
		v->mmio_pending = true;
	return 0;
}

/* Write @val to a register as an instruction of @size-byte addresses
 * would: 16 bits keep the rest, 32 bits zero-extend.
 */
static u64 vtx_addr_update(u64 old, u64 val, unsigned int size)
{
	if (size == 2)
		return (old & ~0xffffULL) | (val & 0xffff);
	return size == 4 ? (u32)val : val;
}

/* Finish an MMIO access: a load's data into its register, STOS's rDI and
 * rCX; REP STOS goes on by executing the instruction again until rCX
 * reaches 0.
 */
static void vtx_complete_mmio(struct vtx_vmx_vcpu *v)
{
	struct vtx_insn *in = &v->mmio;
	u64 *rdi = &v->regs[VTX_REG_RDI], *rcx = &v->regs[VTX_REG_RCX];
	bool df = vtx_vmread(VTX_GUEST_RFLAGS) & X86_EFLAGS_DF;
	u64 data;

	v->mmio_pending = false;
	if (in->kind == VTX_INSN_LOAD) {
		memcpy(&data, v->run->mmio.data, sizeof(data));
		v->regs[in->reg] = vtx_insn_load_result(in, v->regs[in->reg],
							data);
	}
	if (in->stos) {
		*rdi = vtx_addr_update(*rdi, df ? *rdi - in->size :
				       *rdi + in->size, in->addr_size);
		if (in->rep) {
			*rcx = vtx_addr_update(*rcx, *rcx - 1, in->addr_size);
			if (*rcx & (in->addr_size == 8 ? ~0ULL :
				    (1ULL << (8 * in->addr_size)) - 1))
				return;	/* not done: execute it again */
		}
	}
	vtx_skip(v, in->len);
}

/* XSETBV always exits; #UD and CPL checks came first (SDM 26.1.1). */
static int vtx_handle_xsetbv(struct vtx_vmx_vcpu *v)
{
	u64 xcr0 = (v->regs[VTX_REG_RDX] << 32) | (u32)v->regs[VTX_REG_RAX];
	u64 host;

	if (!vtx_xsave_enabled())
		return vtx_inject_ud(v);
	host = xgetbv(XCR_XFEATURE_ENABLED_MASK);

	/* SDM Vol. 1 13.3: x87 always on, AVX needs SSE, only what exists. */
	if ((u32)v->regs[VTX_REG_RCX] != 0 || !(xcr0 & XFEATURE_MASK_FP) ||
	    (xcr0 & ~host) ||
	    ((xcr0 & XFEATURE_MASK_YMM) && !(xcr0 & XFEATURE_MASK_SSE)))
		return vtx_inject_gp(v);
	v->xcr0 = xcr0;
	return vtx_skip_insn(v);
}

/* No hypercalls yet: KVM's answer to an unknown one is -KVM_ENOSYS. */
static int vtx_handle_vmcall(struct vtx_vmx_vcpu *v)
{
	v->regs[VTX_REG_RAX] = (u64)-1000;
	return vtx_skip_insn(v);
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
