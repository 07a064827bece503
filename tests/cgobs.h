/* Where a process's cgroup files are, found the way an outside observer
 * would and sharing no code with lib/ (whose target_cgroup_dir is what the
 * tests judge): the process's line for the controller in /proc/PID/cgroup,
 * joined to the mount of that hierarchy in /proc/self/mountinfo (its mount
 * point, less the mount's own root). Works for v1 (a hierarchy per
 * controller, or several co-mounted: "cpu,cpuacct") and v2 ("0::"). */
#pragma once
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "observe.h"

/* Does the comma list LIST hold NAME? */
static inline int obs_in_list(const char *list, const char *name)
{
        size_t n = strlen(name);

        for (const char *p = list; p && *p;) {
                const char *end = strchr(p, ',');
                size_t len = end ? (size_t)(end - p) : strlen(p);

                if (len == n && strncmp(p, name, n) == 0)
                        return 1;
                p = end ? end + 1 : NULL;
        }
        return 0;
}

/* The mount of the hierarchy holding CTL (v1), or the cgroup2 mount when
 * V2: its mount point into MNT and its root into ROOT. 0, or -1. */
static inline int obs_cgroup_mount(const char *ctl, int v2, char *mnt, size_t mlen, char *root, size_t rlen)
{
        FILE *f = fopen("/proc/self/mountinfo", "re");
        char line[4096];
        int found = -1;

        if (!f)
                return -1;
        while (found < 0 && fgets(line, sizeof(line), f)) {
                char r[1024], m[1024], fstype[64], source[256], super[1024];
                const char *dash = strstr(line, " - ");

                /* id parent major:minor root mount-point options [optional...] - fstype source super */
                if (!dash || sscanf(line, "%*s %*s %*s %1023s %1023s", r, m) != 2 ||
                    sscanf(dash + 3, "%63s %255s %1023s", fstype, source, super) < 2)
                        continue;
                if (v2 ? strcmp(fstype, "cgroup2") != 0 : strcmp(fstype, "cgroup") != 0 || !obs_in_list(super, ctl))
                        continue;
                snprintf(mnt, mlen, "%s", m);
                snprintf(root, rlen, "%s", r);
                found = 0;
        }
        fclose(f);
        return found;
}

/* The directory of PID's cgroup for controller CTL ("cpu", "memory",
 * "pids", "freezer"...). 0, or -1 (the process is gone, or no hierarchy
 * has that controller). */
static inline int obs_cgroup_dir(pid_t pid, const char *ctl, char *out, size_t len)
{
        char path[64], buf[8192], *line, *save = NULL, mnt[1024], root[1024];
        const char *rel = NULL;
        int v2 = 0;

        snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
        if (read_file(path, buf, sizeof(buf)) < 0)
                return -1;
        /* hierarchy-id:controller-list:path */
        for (line = strtok_r(buf, "\n", &save); line && !rel; line = strtok_r(NULL, "\n", &save)) {
                char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;

                if (!c2)
                        continue;
                *c2 = '\0';
                if (obs_in_list(c1 + 1, ctl))
                        rel = c2 + 1;
                else if (c1 == line + 1 && line[0] == '0' && c1[1] == '\0' &&
                         obs_cgroup_mount(ctl, 0, mnt, sizeof(mnt), root, sizeof(root)) < 0)
                        rel = c2 + 1, v2 = 1; /* no v1 hierarchy has it: the unified one */
        }
        if (!rel || obs_cgroup_mount(ctl, v2, mnt, sizeof(mnt), root, sizeof(root)) < 0)
                return -1;
        /* The path is relative to the hierarchy's root; a mount of a
         * subtree (root other than "/") shows only what lies below it. */
        if (strcmp(root, "/") != 0) {
                size_t n = strlen(root);

                if (strncmp(rel, root, n) != 0 || (rel[n] != '/' && rel[n] != '\0'))
                        return -1;
                rel += n;
        }
        snprintf(out, len, "%s%s", mnt, strcmp(rel, "/") == 0 ? "" : rel);
        return 0;
}

/* FILE of PID's CTL cgroup, as text (trailing newlines cut). 0, or -1. */
static inline int obs_cgroup_read(pid_t pid, const char *ctl, const char *file, char *buf, size_t len)
{
        char dir[4096], path[4400];

        if (obs_cgroup_dir(pid, ctl, dir, sizeof(dir)) < 0)
                return -1;
        snprintf(path, sizeof(path), "%s/%s", dir, file);
        return read_file(path, buf, len) < 0 ? -1 : 0;
}

/* How many processes DIR/cgroup.procs lists; -1 when it cannot be read. */
static inline long obs_procs_count(const char *dir)
{
        char path[4400], buf[65536];
        long n = 0;

        snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
        if (read_file(path, buf, sizeof(buf)) < 0)
                return -1;
        for (char *p = buf; *p; p++)
                n += *p == '\n';
        return buf[0] ? n + 1 : 0; /* read_file cut the last newline */
}
