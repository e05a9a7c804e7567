/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vtx's tracepoints, in tracefs under events/vtx/ (trace-cmd record -e vtx,
 * perf trace -e 'vtx:*').  Exit reasons print by their SDM names, from the
 * one table of lib/exit_reasons.h.  Every event names its vCPU.
 */
#ifndef _VTX_TRACE_DEFS_H
#define _VTX_TRACE_DEFS_H

/* What vtx made of an EPT violation. */
#define VTX_EPT_RESOLUTIONS(X)						\
	X(MAP_RAM,		"guest RAM: pinned and mapped")	\
	X(MMIO_READ,		"MMIO read exit")			\
	X(MMIO_WRITE,		"MMIO write exit")			\
	X(READONLY_WRITE,	"write to a read-only slot: MMIO write exit") \
	X(NOT_EMULATED,		"not emulated: internal error")

#define VTX_EPT_RES_ENUM(name, text) VTX_EPT_RES_##name,
enum vtx_ept_resolution { VTX_EPT_RESOLUTIONS(VTX_EPT_RES_ENUM) };
#undef VTX_EPT_RES_ENUM
#define VTX_EPT_RES_SYMBOL(name, text) { VTX_EPT_RES_##name, text },

#endif /* _VTX_TRACE_DEFS_H */

#undef TRACE_SYSTEM
#define TRACE_SYSTEM vtx

#if !defined(_VTX_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _VTX_TRACE_H

#include <linux/tracepoint.h>
#include "lib/exit_reasons.h"

#define VTX_EXIT_SYMBOL(name, nr, text) { nr, text },
#define VTX_EXIT_SYMBOLS \
	VTX_EXIT_REASONS(VTX_EXIT_SYMBOL) { VTX_NR_EXIT_REASONS, "unknown" }

/* VMLAUNCH or VMRESUME of a vCPU, about to happen (SDM 27). */
TRACE_EVENT(vtx_entry,
	TP_PROTO(unsigned int vcpu, bool launched),
	TP_ARGS(vcpu, launched),
	TP_STRUCT__entry(
		__field(unsigned int, vcpu)
		__field(bool, launched)
	),
	TP_fast_assign(
		__entry->vcpu = vcpu;
		__entry->launched = launched;
	),
	TP_printk("vcpu %u %s", __entry->vcpu,
		  __entry->launched ? "VMRESUME" : "VMLAUNCH")
);

/*
 * A VM exit handled (SDM 28): its reason, qualification, the guest RIP
 * where it happened, and its cost in TSC ticks from the exit to the
 * handler's verdict.
 */
TRACE_EVENT(vtx_exit,
	TP_PROTO(unsigned int vcpu, u32 reason, u64 qual, u64 rip, u64 cost),
	TP_ARGS(vcpu, reason, qual, rip, cost),
	TP_STRUCT__entry(
		__field(unsigned int, vcpu)
		__field(u32, reason)
		__field(u64, qual)
		__field(u64, rip)
		__field(u64, cost)
	),
	TP_fast_assign(
		__entry->vcpu = vcpu;
		__entry->reason = reason;
		__entry->qual = qual;
		__entry->rip = rip;
		__entry->cost = cost;
	),
	TP_printk("vcpu %u reason %u %s%s qual 0x%llx rip 0x%llx cost %llu",
		  __entry->vcpu, __entry->reason & 0xffff,
		  __print_symbolic(__entry->reason & 0xffff, VTX_EXIT_SYMBOLS),
		  __entry->reason & (1u << 31) ? " (entry failed)" : "",
		  __entry->qual, __entry->rip, __entry->cost)
);

/* KVM_RUN returns to user space with kvm_run.exit_reason (KVM_EXIT_*). */
TRACE_EVENT(vtx_exit_user,
	TP_PROTO(unsigned int vcpu, u32 exit_reason),
	TP_ARGS(vcpu, exit_reason),
	TP_STRUCT__entry(
		__field(unsigned int, vcpu)
		__field(u32, exit_reason)
	),
	TP_fast_assign(
		__entry->vcpu = vcpu;
		__entry->exit_reason = exit_reason;
	),
	TP_printk("vcpu %u exit_reason %u %s", __entry->vcpu,
		  __entry->exit_reason,
		  __print_symbolic(__entry->exit_reason,
				   { KVM_EXIT_IO, "KVM_EXIT_IO" },
				   { KVM_EXIT_HLT, "KVM_EXIT_HLT" },
				   { KVM_EXIT_MMIO, "KVM_EXIT_MMIO" },
				   { KVM_EXIT_SHUTDOWN, "KVM_EXIT_SHUTDOWN" },
				   { KVM_EXIT_FAIL_ENTRY, "KVM_EXIT_FAIL_ENTRY" },
				   { KVM_EXIT_INTR, "KVM_EXIT_INTR" },
				   { KVM_EXIT_INTERNAL_ERROR, "KVM_EXIT_INTERNAL_ERROR" },
				   { KVM_EXIT_UNKNOWN, "KVM_EXIT_UNKNOWN" }))
);

/*
 * An EPT violation (SDM 29.3.3.2): the guest-physical address, the
 * qualification (bits 0-2: the access was a read, write, fetch; bits 3-5:
 * what the entry allowed) and what vtx made of it.
 */
TRACE_EVENT(vtx_ept_violation,
	TP_PROTO(unsigned int vcpu, u64 gpa, u64 qual, int resolution),
	TP_ARGS(vcpu, gpa, qual, resolution),
	TP_STRUCT__entry(
		__field(unsigned int, vcpu)
		__field(u64, gpa)
		__field(u64, qual)
		__field(int, resolution)
	),
	TP_fast_assign(
		__entry->vcpu = vcpu;
		__entry->gpa = gpa;
		__entry->qual = qual;
		__entry->resolution = resolution;
	),
	TP_printk("vcpu %u gpa 0x%llx %s qual 0x%llx: %s", __entry->vcpu,
		  __entry->gpa, __entry->qual & 4 ? "fetch" :
		  __entry->qual & 2 ? "write" : "read", __entry->qual,
		  __print_symbolic(__entry->resolution,
				   VTX_EPT_RESOLUTIONS(VTX_EPT_RES_SYMBOL)
				   { -1, "?" }))
);

/* A hardware exception vtx injects on the next entry (SDM 27.6). */
TRACE_EVENT(vtx_inject,
	TP_PROTO(unsigned int vcpu, u8 vector, bool has_error, u32 error_code),
	TP_ARGS(vcpu, vector, has_error, error_code),
	TP_STRUCT__entry(
		__field(unsigned int, vcpu)
		__field(u8, vector)
		__field(bool, has_error)
		__field(u32, error_code)
	),
	TP_fast_assign(
		__entry->vcpu = vcpu;
		__entry->vector = vector;
		__entry->has_error = has_error;
		__entry->error_code = error_code;
	),
	TP_printk("vcpu %u vector %u %s error_code 0x%x", __entry->vcpu,
		  __entry->vector,
		  __print_symbolic(__entry->vector, { 6, "#UD" }, { 13, "#GP" },
				   { 14, "#PF" }, { 1, "#DB" }, { 3, "#BP" }),
		  __entry->has_error ? __entry->error_code : 0)
);

#endif /* _VTX_TRACE_H */

/* Outside the guard: <trace/define_trace.h> reads this file again, as
 * "vmx/trace.h" from the module's top directory (ccflags' -I$(src)).
 */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH vmx
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
