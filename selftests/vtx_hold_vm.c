// SPDX-License-Identifier: GPL-2.0
/*
 * vtx_hold_vm: run a command while a VM exists.  A helper of the shell
 * selftests, not a test itself.
 *
 *   vtx_hold_vm DEVICE -- CMD [ARGS...]
 *
 * Opens DEVICE (/dev/kvm or /dev/vtx), creates a VM with KVM_CREATE_VM,
 * runs CMD and waits for it, closes the VM, and exits with CMD's status
 * (128 + signal when CMD was killed).  On KVM 6.1 a VM is what makes KVM
 * enter VMX, so this is how a test puts KVM in the way of vtx.
 *
 * Exit status 3: KVM_CREATE_VM failed; 2: usage or DEVICE cannot be
 * opened; 127: CMD cannot be run.
 */
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/kvm.h>

#include "tap.h"

#define EXIT_USAGE	2
#define EXIT_NO_VM	3
#define EXIT_NO_CMD	127

int main(int argc, char **argv)
{
	int sys_fd, vm_fd, status, rc;
	pid_t pid;

	if (argc < 4 || strcmp(argv[2], "--")) {
		fprintf(stderr, "usage: %s DEVICE -- CMD [ARGS...]\n", argv[0]);
		return EXIT_USAGE;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);

	sys_fd = open(argv[1], O_RDWR | O_CLOEXEC);
	if (sys_fd < 0) {
		diag("hold_vm: open %s: %s", argv[1], errno_name(errno));
		return EXIT_USAGE;
	}
	/* KVM hands out VM fds with O_CLOEXEC: CMD does not inherit it. */
	vm_fd = ioctl(sys_fd, KVM_CREATE_VM, 0);
	if (vm_fd < 0) {
		diag("hold_vm: KVM_CREATE_VM on %s failed: %s (%s)", argv[1],
		     errno_name(errno), strerror(errno));
		return EXIT_NO_VM;
	}
	diag("hold_vm: VM created on %s, running %s", argv[1], argv[3]);

	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		diag("hold_vm: fork: %s", strerror(errno));
		return EXIT_NO_CMD;
	}
	if (pid == 0) {
		execvp(argv[3], &argv[3]);
		diag("hold_vm: exec %s: %s", argv[3], strerror(errno));
		_exit(EXIT_NO_CMD);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			diag("hold_vm: waitpid: %s", strerror(errno));
			return EXIT_NO_CMD;
		}
	rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	diag("hold_vm: %s exited %d", argv[3], rc);

	close(vm_fd);
	close(sys_fd);
	return rc;
}
