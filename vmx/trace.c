// SPDX-License-Identifier: GPL-2.0
/* The one place vtx's tracepoints are instantiated (see trace.h). */
#include <linux/kvm.h>
#define CREATE_TRACE_POINTS
#include "trace.h"
