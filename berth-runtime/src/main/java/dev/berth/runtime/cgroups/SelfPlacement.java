package dev.berth.runtime.cgroups;

import java.nio.file.Path;
import java.util.List;

/**
 * How berth-init puts itself and the container process into a cgroup, instead of the runtime writing
 * the init's pid to each cgroup.procs. A pid written there takes the kernel's cgroup threadgroup lock
 * for writing, whose first writer after a quiet moment waits out an RCU grace period (~6-10 ms on
 * these machines, on every container start). The single-threaded init writes "0" to each v1
 * hierarchy's {@code tasks} file (moving only itself, the kernel takes no such lock) and clones the
 * container process into the cgroup2 directory (clone3's CLONE_INTO_CGROUP), which takes none either.
 *
 * @param threadFiles each v1 hierarchy's tasks file of the cgroup
 * @param unifiedDir the cgroup's cgroup2 directory, or null when the host has no cgroup2 hierarchy
 */
public record SelfPlacement(List<Path> threadFiles, Path unifiedDir) {}
