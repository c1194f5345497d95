/* SPDX-License-Identifier: Apache-2.0 */
/* Policy files: every setting parses, every mistake names file and line. */
#include <criterion/criterion.h>
#include <linux/capability.h>
#include <string.h>

#include "veneer/policy.h"

static struct policy parsed(const char *text)
{
	struct policy p;
	struct vn_error err = { 0 };

	cr_assert_eq(policy_parse(text, "t.policy", &p, &err), 0, "parse failed: %s", err.msg);
	return p;
}

static void expect_error(const char *text, const char *message)
{
	struct policy p;
	struct vn_error err = { 0 };

	cr_assert_eq(policy_parse(text, "t.policy", &p, &err), -1, "parsed: %s", text);
	cr_assert(strstr(err.msg, message), "error '%s' lacks '%s'", err.msg, message);
}

Test(policy, defaults_when_empty)
{
	struct policy p = parsed("# nothing\n\n");

	cr_assert_eq(p.network, POLICY_NETWORK_HOST);
	cr_assert_eq(p.sys, POLICY_SYS_READ_ONLY);
	cr_assert(p.all_capabilities);
}

Test(policy, every_setting)
{
	struct policy p = parsed("network = none\n  sys=none # no sysfs\ncapabilities = chown, CAP_FOWNER,kill\n");

	cr_assert_eq(p.network, POLICY_NETWORK_NONE);
	cr_assert_eq(p.sys, POLICY_SYS_NONE);
	cr_assert_not(p.all_capabilities);
	cr_assert_eq(p.capabilities,
		     (1ull << CAP_CHOWN) | (1ull << CAP_FOWNER) | (1ull << CAP_KILL));
}

Test(policy, capabilities_none)
{
	struct policy p = parsed("capabilities = none");

	cr_assert_not(p.all_capabilities);
	cr_assert_eq(p.capabilities, 0);
}

Test(policy, mistakes_name_file_and_line)
{
	expect_error("network = host\nnetwrok = none\n", "t.policy:2: unknown key 'netwrok'");
	expect_error("network = off\n", "t.policy:1: network = 'off'; use host or none");
	expect_error("\n\nsys = rw\n", "t.policy:3: sys = 'rw'");
	expect_error("capabilities = chown,fly\n", "t.policy:1: unknown capability 'fly'");
	expect_error("network\n", "t.policy:1: 'network' is not 'key = value'");
	expect_error("sys = none\nsys = none\n", "t.policy:2: 'sys' is set twice");
}

Test(policy, shipped_policies_load)
{
	static const char *const names[] = { "default", "build", "lab", "container" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct policy p;
		struct vn_error err = { 0 };

		cr_assert_eq(policy_load(names[i], &p, &err), 0, "%s: %s", names[i], err.msg);
	}
}
