// SPDX-License-Identifier: GPL-2.0
/*
 * kvm_hello: a KVM program that has never heard of vtx.  It includes
 * <linux/kvm.h> and nothing of the project, opens "/dev/kvm" (fixed), runs
 * 2 + 2 in real mode and prints the sum through port 0x3f8, as the classic
 * examples of the KVM API do.  vtx_as_kvm_test.sh runs it with
 * user/vtx-as-kvm, /dev/vtx standing in for /dev/kvm.
 *
 * Prints "kvm_hello: 2 + 2 = 4" and exits 0, or says what went wrong and
 * exits 1.
 */
#include <err.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/kvm.h>

int main(void)
{
	/* add %bl, %al; add $'0', %al; out %al, (%dx); hlt */
	static const uint8_t code[] = {
		0x00, 0xd8, 0x04, '0', 0xee, 0xf4,
	};
	struct kvm_userspace_memory_region region;
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	struct kvm_run *run;
	char out[16];
	int kvm, vm, vcpu, len = 0;
	long mmap_size;
	uint8_t *mem;

	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		err(1, "open /dev/kvm");
	if (ioctl(kvm, KVM_GET_API_VERSION, NULL) != 12)
		errx(1, "KVM_GET_API_VERSION is not 12");
	if (ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_USER_MEMORY) <= 0)
		errx(1, "no KVM_CAP_USER_MEMORY");
	vm = ioctl(kvm, KVM_CREATE_VM, 0UL);
	if (vm < 0)
		err(1, "KVM_CREATE_VM");

	mem = mmap(NULL, 0x1000, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		err(1, "mmap guest memory");
	memcpy(mem, code, sizeof(code));
	region = (struct kvm_userspace_memory_region) {
		.slot = 0,
		.guest_phys_addr = 0x1000,
		.memory_size = 0x1000,
		.userspace_addr = (uintptr_t)mem,
	};
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		err(1, "KVM_SET_USER_MEMORY_REGION");

	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0UL);
	if (vcpu < 0)
		err(1, "KVM_CREATE_VCPU");
	mmap_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, NULL);
	if (mmap_size < (long)sizeof(*run))
		errx(1, "KVM_GET_VCPU_MMAP_SIZE is too small");
	run = mmap(NULL, mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		   vcpu, 0);
	if (run == MAP_FAILED)
		err(1, "mmap kvm_run");

	if (ioctl(vcpu, KVM_GET_SREGS, &sregs) < 0)
		err(1, "KVM_GET_SREGS");
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	if (ioctl(vcpu, KVM_SET_SREGS, &sregs) < 0)
		err(1, "KVM_SET_SREGS");
	regs = (struct kvm_regs) {
		.rip = 0x1000, .rax = 2, .rbx = 2, .rdx = 0x3f8, .rflags = 2,
	};
	if (ioctl(vcpu, KVM_SET_REGS, &regs) < 0)
		err(1, "KVM_SET_REGS");

	for (;;) {
		if (ioctl(vcpu, KVM_RUN, NULL) < 0)
			err(1, "KVM_RUN");
		switch (run->exit_reason) {
		case KVM_EXIT_IO:
			if (run->io.direction != KVM_EXIT_IO_OUT ||
			    run->io.port != 0x3f8 || run->io.size != 1 ||
			    run->io.count != 1)
				errx(1, "unexpected KVM_EXIT_IO (port %#x)",
				     run->io.port);
			if (len < (int)sizeof(out) - 1)
				out[len++] = *((char *)run + run->io.data_offset);
			break;
		case KVM_EXIT_HLT:
			out[len] = 0;
			printf("kvm_hello: 2 + 2 = %s\n", out);
			return strcmp(out, "4") != 0;
		default:
			errx(1, "unexpected exit_reason %u", run->exit_reason);
		}
	}
}
