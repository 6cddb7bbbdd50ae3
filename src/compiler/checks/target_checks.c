/* SPDX-License-Identifier: MIT */
/* Target kernel checks: IPE present, properties compiled out, keyrings. */
#include <stdio.h>

#include "checks.h"
#include "compiler/model.h"

void lint_check_target(struct lint_run *run)
{
	const struct ipe_lint_config *cfg = run->cfg;
	const struct ipe_policy *p = run->p;
	const struct ipe_target *t = cfg ? cfg->target : ipe_target_newest();
	struct ipe_loc at = p->has_header ? p->header_loc
					  : (struct ipe_loc){ .src = p->src, .line = 1, .col = 1, .len = 0, .offset = 0 };

	if (t && !ipe_target_has_ipe(t))
		lint_report(run, LC_NO_IPE, &at, "target Linux 6.12 or newer",
			    "the target kernel has no IPE: %s", t->note);
	if (!cfg || !cfg->have_kconfig)
		return;
	if (!ipe_kconfig_on(&cfg->kconfig, IPE_K_SECURITY_IPE))
		lint_report(run, LC_NO_IPE, &at, "build the kernel with CONFIG_SECURITY_IPE=y",
			    "CONFIG_SECURITY_IPE is not set in the kernel configuration: nothing can load this policy");
	else if (cfg->kconfig.lsm_set && !cfg->kconfig.lsm_has_ipe)
		lint_report(run, LC_NO_IPE, &at, "add \"ipe\" to CONFIG_LSM (or lsm= on the kernel command line)",
			    "CONFIG_LSM does not list \"ipe\": IPE is built but not enabled by default");
	else if (!ipe_kconfig_on(&cfg->kconfig, IPE_K_SECURITYFS))
		lint_report(run, LC_NO_IPE, &at, "build the kernel with CONFIG_SECURITYFS=y",
			    "CONFIG_SECURITYFS is not set: there is no new_policy file to load this policy through");
	if (ipe_kconfig_on(&cfg->kconfig, IPE_K_SECURITY_IPE) &&
	    !ipe_kconfig_on(&cfg->kconfig, IPE_K_IPE_POLICY_SIG_SECONDARY_KEYRING) &&
	    !ipe_kconfig_on(&cfg->kconfig, IPE_K_IPE_POLICY_SIG_PLATFORM_KEYRING))
		lint_report(run, LC_KEYRINGS, &at, "sign the policy with a key in the kernel's builtin trusted keyring",
			    "CONFIG_IPE_POLICY_SIG_SECONDARY_KEYRING and ..._PLATFORM_KEYRING are off: only builtin "
			    "trusted keys can sign policies for this kernel");
	/* properties compiled out */
	for (int op = 0; op < IPE_OP_COUNT && !run->err; op++) {
		const struct ipe_op_table *ot = &p->ops[op];

		for (size_t i = 0; i < ot->nrules && !run->err; i++) {
			const struct ipe_prop *props = ipe_rule_props(p, &ot->rules[i]);

			for (uint32_t k = 0; k < ot->rules[i].nprops; k++) {
				enum ipe_prop_type ty = (enum ipe_prop_type)props[k].type;

				if (!ipe_eval_prop_enabled(&run->k, ty)) {
					lint_report(run, LC_COMPILED_OUT, &props[k].loc,
						    "enable the option in the kernel, or do not rely on this property",
						    "%s is not set in the kernel configuration: %s (in both its TRUE and FALSE "
						    "forms) is always false, so this rule never matches",
						    ipe_prop_kconfig(ty), ipe_prop_key(ty));
					break;
				}
			}
		}
	}
}
