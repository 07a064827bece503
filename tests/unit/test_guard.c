/* The refusal rules by identity, against a fake cgroupfs of real
 * directories (CHAOSD_CGROUP_ROOT): a symlink or "/./" spelling of this
 * process's own cgroup is refused like the plain one, a child of it is not,
 * canonical paths never leave the hierarchy; and the process tree decides
 * what is chaosd's own. No root needed. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgid.h"
#include "fsutil.h"
#include "guard.h"
#include "testutil.h"

static char root[256], ctrl[16], self[1024];
static enum cg_version ver;

static void fake_tree(void)
{
        char path[2048], cmd[2400];
        struct error e;

        snprintf(root, sizeof(root), "/tmp/chaosd-guard-XXXXXX");
        ck_assert_ptr_nonnull(mkdtemp(root));
        setenv("CHAOSD_CGROUP_ROOT", root, 1);
        /* Mirror this process's real cgroup path in the fake tree: v1's
         * freezer line when there is one, else the v2 line. */
        snprintf(ctrl, sizeof(ctrl), "freezer");
        ver = CG_V1;
        if (cg_pid_path(getpid(), CG_V1, "freezer", self, sizeof(self), &e) < 0) {
                ver = CG_V2;
                ck_assert_msg(cg_pid_path(getpid(), CG_V2, "", self, sizeof(self), &e) == 0, "%s", e.msg);
        }
        setenv("CHAOSD_CGROUP_VERSION", ver == CG_V1 ? "1" : "2", 1);
        ck_assert_int_eq(cg_dir(ver, ctrl, self, path, sizeof(path), &e), 0);
        snprintf(cmd, sizeof(cmd), "mkdir -p '%s/child' && ln -s '%s' '%s/%salias' && ln -s /tmp '%s/%sesc'", path,
                 path, root, ver == CG_V1 ? "freezer/" : "", root, ver == CG_V1 ? "freezer/" : "");
        ck_assert_int_eq(system(cmd), 0);
}

static void rm_tree(void)
{
        char cmd[512];

        if (strncmp(root, "/tmp/chaosd-guard-", 18) == 0) {
                snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
                ck_assert_int_eq(system(cmd), 0);
        }
}

START_TEST(own_cgroup_by_identity)
{
        char dir[2048], canon[1024], child[1100];
        struct error e = { 0 };

        fake_tree();
        /* Through a symlink: the same inode as this process's cgroup. */
        ck_assert_int_eq(cg_dir(ver, ctrl, "/alias", dir, sizeof(dir), &e), 0);
        ck_assert_int_eq(guard_cgroup(ver, ctrl, dir, "/alias", 0, &e), -EPERM);
        ck_assert_msg(strstr(e.msg, strcmp(self, "/") ? "contains chaosd" : "root of"), "%s", e.msg);
        /* Canonical spelling of "/alias/./" is the real path. */
        ck_assert_msg(cg_canonical(ver, ctrl, "/alias/./", canon, sizeof(canon), &e) == 0, "%s", e.msg);
        ck_assert_str_eq(canon, self);
        /* A child of our cgroup holds neither us nor PID 1 (unless PID 1
         * lives there, which a test process never shares). */
        snprintf(child, sizeof(child), "%s/child", strcmp(self, "/") ? self : "");
        ck_assert_int_eq(cg_dir(ver, ctrl, child, dir, sizeof(dir), &e), 0);
        ck_assert_msg(guard_cgroup(ver, ctrl, dir, child, 0, &e) == 0, "%s", e.msg);
        /* Out of the hierarchy through a symlink: refused. */
        ck_assert_int_eq(cg_canonical(ver, ctrl, "/esc", canon, sizeof(canon), &e), -EINVAL);
        ck_assert_msg(strstr(e.msg, "outside"), "%s", e.msg);
        rm_tree();
}
END_TEST

START_TEST(helpers_by_process_tree)
{
        pid_t child, grandchild;
        int p[2];

        ck_assert_int_eq(guard_is_own(getpid()), 1);
        /* Without a daemon set (an in-process test), children are targets. */
        child = fork();
        if (child == 0) {
                pause();
                _exit(0);
        }
        ck_assert_int_eq(guard_is_own(child), 0);
        guard_set_daemon(getpid());
        ck_assert_int_eq(guard_is_own(child), 1);
        ck_assert_int_eq(guard_is_own(getppid()), 0);
        kill(child, SIGKILL);
        waitpid(child, NULL, 0);
        /* A grandchild is ours too. */
        ck_assert_int_eq(pipe(p), 0);
        child = fork();
        if (child == 0) {
                pid_t g = fork();

                if (g == 0) {
                        pause();
                        _exit(0);
                }
                (void)!write(p[1], &g, sizeof(g));
                waitpid(g, NULL, 0);
                _exit(0);
        }
        ck_assert_int_eq(read(p[0], &grandchild, sizeof(grandchild)), (ssize_t)sizeof(grandchild));
        ck_assert_int_eq(guard_is_own(grandchild), 1);
        kill(grandchild, SIGKILL);
        waitpid(child, NULL, 0);
        guard_set_daemon(0);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("guard");
        TCase *tc = tcase_create("identity");

        tcase_add_test(tc, own_cgroup_by_identity);
        tcase_add_test(tc, helpers_by_process_tree);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
