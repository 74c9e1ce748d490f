package dev.berth.daemon.containers;

import dev.berth.supervisor.shim.Attachment;
import java.util.concurrent.CompletableFuture;

/**
 * An attach that arrived before its container started (as `docker run` attaches, then starts): it
 * is connected to the shim when the task exists, before the process runs, so no output is missed.
 */
record PendingAttach(boolean stdin, boolean stdout, boolean stderr, CompletableFuture<Attachment> attachment) {}
