// SPDX-License-Identifier: GPL-2.0
/*
 * --stats: what each vCPU's exits were.  On vtx, VTX_GET_VCPU_STATS gives
 * every exit by its SDM reason with its handling cost; on KVM, the binary
 * statistics of the vCPU fd (KVM_GET_STATS_FD, Documentation/virt/kvm/
 * api.rst 4.133); on both, the exits that came to the launcher.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <vtx.h>

#include "vm.h"

static void print_vtx_stats(struct vtx_run_vm *vm, struct vtx_run_vcpu *v)
{
	struct vtx_vcpu_stats *st = calloc(1, sizeof(*st));
	uint64_t total = 0, ticks = 0;
	unsigned int i;

	if (!st)
		return;
	st->size = sizeof(*st);
	if (ioctl(v->fd, VTX_GET_VCPU_STATS, st)) {
		fprintf(stderr, "vtx-run: %s: VTX_GET_VCPU_STATS: %s\n",
			vm->device, strerror(errno));
		free(st);
		return;
	}
	fprintf(stderr, "vCPU %u: %llu VM entries, %llu exits to user space, "
		"%llu L1D flushes\n", v->index, (unsigned long long)st->entries,
		(unsigned long long)st->exits_to_user,
		(unsigned long long)st->l1d_flushes);
	fprintf(stderr, "  %-3s %-44s %10s %12s %14s\n", "nr", "VM exit reason",
		"count", "mean ticks", "total ticks");
	for (i = 0; i < st->nr_reasons && i < VTX_STATS_MAX_REASONS; i++) {
		const struct vtx_exit_stat *e = &st->reason[i];

		if (!e->count)
			continue;
		e = &st->reason[i];
		fprintf(stderr, "  %-3u %-44.44s %10llu %12llu %14llu\n", i,
			e->name[0] ? e->name : "?",
			(unsigned long long)e->count,
			(unsigned long long)(e->tsc / e->count),
			(unsigned long long)e->tsc);
		total += e->count;
		ticks += e->tsc;
	}
	fprintf(stderr, "  %-3s %-44s %10llu %12llu %14llu\n", "", "all",
		(unsigned long long)total,
		(unsigned long long)(total ? ticks / total : 0),
		(unsigned long long)ticks);
	free(st);
}

/* KVM's binary stats: print the vCPU's non-zero cumulative counters. */
static void print_kvm_stats(struct vtx_run_vm *vm, struct vtx_run_vcpu *v)
{
	struct kvm_stats_header h;
	struct kvm_stats_desc *d;
	size_t desc_size, i;
	char *descs = NULL;
	uint64_t val;
	int fd;

	fd = ioctl(v->fd, KVM_GET_STATS_FD, NULL);
	if (fd < 0) {
		fprintf(stderr, "vCPU %u: %s offers no statistics "
			"(KVM_GET_STATS_FD: %s)\n", v->index, vm->device,
			strerror(errno));
		return;
	}
	if (pread(fd, &h, sizeof(h), 0) != sizeof(h) || h.num_desc > 4096 ||
	    h.name_size > 256)
		goto out;
	desc_size = sizeof(*d) + h.name_size;
	descs = calloc(h.num_desc, desc_size);
	if (!descs || pread(fd, descs, h.num_desc * desc_size, h.desc_offset) !=
		      (ssize_t)(h.num_desc * desc_size))
		goto out;
	fprintf(stderr, "vCPU %u: %s's counters (KVM_GET_STATS_FD), non-zero:\n",
		v->index, vm->device);
	for (i = 0; i < h.num_desc; i++) {
		d = (struct kvm_stats_desc *)(descs + i * desc_size);
		if ((d->flags & KVM_STATS_TYPE_MASK) != KVM_STATS_TYPE_CUMULATIVE ||
		    d->size != 1)
			continue;
		if (pread(fd, &val, sizeof(val), h.data_offset + d->offset) !=
		    sizeof(val) || !val)
			continue;
		d->name[h.name_size - 1] = '\0';
		fprintf(stderr, "  %-40s %12llu\n", d->name,
			(unsigned long long)val);
	}
out:
	free(descs);
	close(fd);
}

void vtx_vm_print_stats(struct vtx_run_vm *vm)
{
	unsigned int i, r;

	for (i = 0; i < vm->nr_vcpus; i++) {
		struct vtx_run_vcpu *v = &vm->vcpus[i];

		if (vm->is_vtx)
			print_vtx_stats(vm, v);
		else
			print_kvm_stats(vm, v);
		fprintf(stderr, "vCPU %u: exits that came to vtx-run:\n", i);
		for (r = 0; r < 64; r++)
			if (v->nr_user_exits[r])
				fprintf(stderr, "  KVM_EXIT_%-31s %12llu\n",
					vtx_kvm_exit_name(r),
					(unsigned long long)v->nr_user_exits[r]);
		if (v->nr_injected)
			fprintf(stderr, "  %-40s %12llu\n",
				"interrupts injected (KVM_INTERRUPT)",
				(unsigned long long)v->nr_injected);
	}
}
