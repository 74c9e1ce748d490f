package dev.berth.supervisor.shim;

import dev.berth.common.error.InvalidArgument;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * What one shim is started with: the container, its bundle, the runtime binary (any runc-compatible
 * one), the state dir the shim owns while it runs, the stdio mode and the log's limits.
 *
 * @param runtimeRoot the runtime's {@code --root}, or null for its default
 * @param logMaxSize bytes before the log rotates; 0 never rotates
 * @param logMaxFiles files kept in all, the current one included (Docker's max-file)
 * @param exitGrace how long an exited container's shim waits for a client before it exits
 * @param createByClient the shim starts without a container; the client creates it through the
 *     runtime library with {@link ShimClient#spawn} and {@link ShimClient#created}
 */
public record ShimOptions(
    String id,
    Path bundle,
    Path runtime,
    Path runtimeRoot,
    Path stateDir,
    boolean terminal,
    boolean stdin,
    boolean log,
    long logMaxSize,
    int logMaxFiles,
    Duration exitGrace,
    boolean createByClient) {

  /** Docker's json-file driver rotates only when asked; Berth rotates by default, so disks do not fill. */
  public static final long DEFAULT_LOG_MAX_SIZE = 10L * 1024 * 1024;

  public static final int DEFAULT_LOG_MAX_FILES = 3;
  public static final Duration DEFAULT_EXIT_GRACE = Duration.ofSeconds(3);

  private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,255}");

  public ShimOptions {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(bundle, "bundle");
    Objects.requireNonNull(runtime, "runtime");
    Objects.requireNonNull(stateDir, "stateDir");
    Objects.requireNonNull(exitGrace, "exitGrace");
    if (!ID.matcher(id).matches()) throw new InvalidArgument("invalid container id for a shim: " + id);
    if (logMaxSize < 0) throw new InvalidArgument("log max size must not be negative: " + logMaxSize);
    if (logMaxFiles < 1) throw new InvalidArgument("log max files must be at least 1: " + logMaxFiles);
  }

  /** A shim with pipes, no stdin, and the default log limits. */
  public static ShimOptions of(String id, Path bundle, Path runtime, Path stateDir) {
    return new ShimOptions(id, bundle, runtime, null, stateDir, false, false, true, DEFAULT_LOG_MAX_SIZE,
        DEFAULT_LOG_MAX_FILES, DEFAULT_EXIT_GRACE, false);
  }

  public ShimOptions withRuntimeRoot(Path root) {
    return new ShimOptions(id, bundle, runtime, root, stateDir, terminal, stdin, log, logMaxSize, logMaxFiles, exitGrace, createByClient);
  }

  public ShimOptions withTerminal(boolean terminal) {
    return new ShimOptions(id, bundle, runtime, runtimeRoot, stateDir, terminal, stdin, log, logMaxSize, logMaxFiles, exitGrace, createByClient);
  }

  public ShimOptions withStdin(boolean stdin) {
    return new ShimOptions(id, bundle, runtime, runtimeRoot, stateDir, terminal, stdin, log, logMaxSize, logMaxFiles, exitGrace, createByClient);
  }

  public ShimOptions withLog(boolean log, long maxSize, int maxFiles) {
    return new ShimOptions(id, bundle, runtime, runtimeRoot, stateDir, terminal, stdin, log, maxSize, maxFiles, exitGrace, createByClient);
  }

  public ShimOptions withExitGrace(Duration grace) {
    return new ShimOptions(id, bundle, runtime, runtimeRoot, stateDir, terminal, stdin, log, logMaxSize, logMaxFiles, grace, createByClient);
  }

  public ShimOptions withCreateByClient(boolean createByClient) {
    return new ShimOptions(id, bundle, runtime, runtimeRoot, stateDir, terminal, stdin, log, logMaxSize, logMaxFiles,
        exitGrace, createByClient);
  }

  /** The shim's command line after the program itself. */
  List<String> arguments() {
    List<String> args = new ArrayList<>(List.of(
        "--id", id,
        "--bundle", bundle.toAbsolutePath().toString(),
        "--runtime", runtime.toAbsolutePath().toString(),
        "--state-dir", stateDir.toAbsolutePath().toString()));
    if (runtimeRoot != null) {
      args.add("--runtime-root");
      args.add(runtimeRoot.toAbsolutePath().toString());
    }
    if (terminal) args.add("--terminal");
    if (stdin) args.add("--stdin");
    if (log) {
      args.add("--log-max-size");
      args.add(Long.toString(logMaxSize));
      args.add("--log-max-files");
      args.add(Integer.toString(logMaxFiles));
    } else {
      args.add("--no-log");
    }
    args.add("--exit-grace-ms");
    args.add(Long.toString(exitGrace.toMillis()));
    if (createByClient) args.add("--create-by-client");
    return args;
  }
}
