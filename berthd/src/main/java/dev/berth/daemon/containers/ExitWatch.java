package dev.berth.daemon.containers;

import java.util.concurrent.CompletableFuture;

/**
 * What `wait` waits on for one container: its next exit (a new future after each) and its removal.
 * Futures complete with the exit code.
 */
final class ExitWatch {
  private CompletableFuture<Integer> nextExit = new CompletableFuture<>();
  final CompletableFuture<Integer> removed = new CompletableFuture<>();

  synchronized CompletableFuture<Integer> nextExit() {
    return nextExit;
  }

  synchronized void exited(int code) {
    CompletableFuture<Integer> done = nextExit;
    nextExit = new CompletableFuture<>();
    done.complete(code);
  }
}
