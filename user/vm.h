/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The launcher's view of a KVM-API device: open it (with a message that
 * says what to do when that fails), make the VM, its memory and vCPUs.
 * Works the same on /dev/vtx and /dev/kvm; vtx's extras (VTX_GET_*) are
 * used where the device answers them.
 */
#ifndef _VTX_RUN_VM_H
#define _VTX_RUN_VM_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <linux/kvm.h>
#include "lib/image.h"

/* The last exits of a vCPU, kept for the report after a crash. */
#define VTX_RUN_EXIT_HISTORY	16

struct vtx_exit_record {
	uint32_t reason;	/* KVM_EXIT_* */
	uint32_t size;		/* I/O and MMIO: access size */
	uint64_t addr;		/* port or GPA */
	uint64_t data;
	bool write;
};

struct vtx_run_vcpu {
	unsigned int index;
	int fd;
	struct kvm_run *run;
	pthread_t thread;
	bool started, done;
	/* Exits that came to user space, by KVM_EXIT_* (the launcher's view). */
	uint64_t nr_user_exits[64];
	uint64_t nr_injected;	/* interrupts given with KVM_INTERRUPT */
	uint64_t nr_history;
	struct vtx_exit_record history[VTX_RUN_EXIT_HISTORY];
};

struct vtx_run_vm {
	const char *device;
	int dev_fd, vm_fd;
	bool is_vtx;		/* the device answers VTX_GET_STATUS */
	long mmap_size;
	uint8_t *mem;
	uint64_t mem_size;
	unsigned int nr_vcpus;
	struct vtx_run_vcpu vcpus[VTX_RUN_MAX_VCPUS];
};

/* Each prints what went wrong and what to do, and returns -1. */
int vtx_vm_open(struct vtx_run_vm *vm, const char *device);
int vtx_vm_create(struct vtx_run_vm *vm, uint64_t mem_size);
int vtx_vcpu_create(struct vtx_run_vm *vm, unsigned int index);
int vtx_vcpu_setup(struct vtx_run_vm *vm, struct vtx_run_vcpu *v,
		   const struct vtx_image *img, uint32_t mbi);

/* The registers and the last exits, for a crash report (stderr). */
void vtx_vcpu_report(struct vtx_run_vm *vm, struct vtx_run_vcpu *v);
/* --stats: exits by reason, from the device and from the launcher. */
void vtx_vm_print_stats(struct vtx_run_vm *vm);

const char *vtx_kvm_exit_name(uint32_t reason);
/* The KVM_EXIT_* number of a name such as "io" or "fail_entry", or -1. */
int vtx_kvm_exit_by_name(const char *name);

/*
 * vtx's dumps (dump.c), on stderr.  On a device without them (KVM, an
 * older vtx) each says so once and returns.
 */
/* Every VMCS field of @v with its SDM name; @when says at what point. */
void vtx_dump_vmcs(struct vtx_run_vm *vm, struct vtx_run_vcpu *v,
		   const char *when);
/* The EPT of @vm: its mappings, then its paging structures as a tree. */
void vtx_dump_ept(struct vtx_run_vm *vm);
/* The EPT as a graphviz graph in @path (.dot, rendered to .svg by dot). */
int vtx_ept_graph(struct vtx_run_vm *vm, const char *path, const char *title);

#endif /* _VTX_RUN_VM_H */
