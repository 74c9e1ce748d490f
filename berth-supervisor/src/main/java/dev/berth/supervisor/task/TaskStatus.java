package dev.berth.supervisor.task;

import dev.berth.supervisor.shim.ExitStatus;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A task as its shim reports it.
 *
 * @param status "created", "running" or "stopped"
 * @param stateDir the shim's state dir: its socket (attach, resize) and the container's log
 */
public record TaskStatus(String containerId, long pid, String status, Path stateDir, boolean terminal,
    Optional<ExitStatus> exit) {}
