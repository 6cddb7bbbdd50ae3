/* SPDX-License-Identifier: MIT */
#include <ipe/ipe.h>

const char *ipe_version(void)
{
	return IPE_VERSION;
}
