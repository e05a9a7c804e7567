# SPDX-License-Identifier: GPL-2.0
#
# vtx: build the module, the launcher and the tests.
#
#   make                 vtx.ko (against KDIR), the launcher (user/), the
#                        guests (guests/) and selftests/
#   make unit            userspace unit tests of the pure logic (ASan/UBSan)
#   make check           sparse over the module (make C=1)
#   make testbed         every test inside the emulated PC (scripts/testbed)
#   make modules_install install vtx.ko for the running kernel (or KDIR's)
#   make clean

KDIR ?= /lib/modules/$(shell uname -r)/build
PWD := $(shell pwd)

.PHONY: all module user guests selftests unit check testbed modules_install \
	clean kdir-check

all: module user guests selftests

kdir-check:
	@if [ ! -f "$(KDIR)/Makefile" ]; then \
		echo "vtx: no kernel build tree at KDIR=$(KDIR)."; \
		echo "  Debian: apt-get install linux-headers-$$(uname -r)"; \
		echo "  or point KDIR at a configured kernel tree: make KDIR=/path"; \
		echo "  No VT-x or no module loading here? Run everything in the"; \
		echo "  emulated PC instead: scripts/test (see README.md)."; \
		exit 1; \
	fi

module: kdir-check
	$(MAKE) -C $(KDIR) M=$(PWD) modules

check: kdir-check
	$(MAKE) -C $(KDIR) M=$(PWD) C=2 modules

modules_install: kdir-check
	$(MAKE) -C $(KDIR) M=$(PWD) modules_install

user:
	$(MAKE) -C user

guests:
	$(MAKE) -C guests

selftests:
	$(MAKE) -C selftests

unit:
	$(MAKE) -C tests/unit run

testbed:
	scripts/testbed --tests

clean:
	@if [ -f "$(KDIR)/Makefile" ]; then \
		$(MAKE) -C $(KDIR) M=$(PWD) clean; \
	else \
		rm -rf *.ko *.mod *.mod.c *.o .*.cmd */*.o */.*.cmd \
			*/lib/*.o */lib/.*.cmd modules.order Module.symvers \
			.tmp_versions; \
	fi
	$(MAKE) -C user clean
	$(MAKE) -C guests clean
	$(MAKE) -C selftests clean
	$(MAKE) -C tests/unit clean
