/*
 * How berth-init puts the container process into its cgroup without the kernel's cgroup threadgroup
 * lock. A pid written to cgroup.procs takes that lock for writing, and the first writer after a quiet
 * moment waits out an RCU grace period first (rcu_sync: ~6-10 ms on these machines, each container
 * start pays it with runc). Two ways skip the lock:
 *   - v1: "0" written to a hierarchy's tasks file moves only the calling thread, which for this
 *     single-threaded process is all of it (the kernel skips the lock for the caller's own thread);
 *   - v2: clone3() with CLONE_INTO_CGROUP creates the container process in its cgroup2 directory.
 */
#ifndef BERTH_CGROUP_H
#define BERTH_CGROUP_H

#include <sys/types.h>

#include "stream.h"

struct cgroup_placement {
  int unified_fd; /* the cgroup2 directory the container process is cloned into, or -1 */
  int procs_fd;   /* its cgroup.procs, for kernels without clone3 (before 5.7), or -1 */
};

/*
 * Joins the v1 hierarchies and opens the cgroup2 directory. Call before joining namespaces: the paths
 * are the host's. When a user or cgroup namespace is to be joined, clone3 could not place the process
 * (its permission check sees that namespace), so this process joins the cgroup2 directory through
 * cgroup.procs instead, as before. Dies naming the file on failure.
 */
void cgroup_join(const struct config *cfg, struct cgroup_placement *out);

/*
 * clone() of the container process with CLONE_NEW* {@code flags}, into the cgroup2 directory when
 * there is one. Returns as fork() does. *unshare_cgroupns is set when CLONE_NEWCGROUP was taken out of
 * the flags: a cgroup namespace made by clone3 would be rooted at this process's cgroup2 directory,
 * not the container's, so the child makes it once it is in place.
 */
pid_t cgroup_clone(unsigned long flags, const struct cgroup_placement *p, int *unshare_cgroupns);

/* Closes what cgroup_join opened (both processes, once the clone is done). */
void cgroup_close(struct cgroup_placement *p);

#endif
