package dev.berth.supervisor.runtime;

import dev.berth.common.error.InvalidArgument;
import dev.berth.runtime.ContainerRuntime;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The runtimes a container may ask for, as Docker's {@code --runtime}: "berth" (bin/berth-runtime),
 * the runc-compatible binaries found on PATH, and any configured by name. Each gets its own
 * {@code --root} under the exec root, so two runtimes never read each other's state.
 */
public final class Runtimes {
  public static final String BERTH = "berth";
  private static final Set<String> KNOWN = Set.of("runc", "crun");

  private final Path stateRoot;
  private final Map<String, Path> configured = new LinkedHashMap<>();
  /** Resolved once per name: the lookups on PATH, and the in-process library, are not repeated per call. */
  private final Map<String, OciRuntime> resolved = new java.util.concurrent.ConcurrentHashMap<>();

  /** @param stateRoot where each runtime's {@code --root} is made, one directory per runtime name */
  public Runtimes(Path stateRoot, Path berthRuntime) {
    this.stateRoot = stateRoot;
    configured.put(BERTH, berthRuntime);
  }

  /** bin/berth-runtime of the installation this JVM runs from ({@code berth.home}), or of the build tree. */
  public static Path defaultBerthRuntime() {
    for (String property : new String[] {"berth.home", "berth.root"}) {
      String dir = System.getProperty(property);
      if (dir != null && !dir.isBlank() && Files.isExecutable(Path.of(dir, "bin", "berth-runtime"))) {
        return Path.of(dir, "bin", "berth-runtime");
      }
    }
    return Path.of("/usr/local/bin/berth-runtime");
  }

  public Runtimes add(String name, Path binary) {
    configured.put(name, binary);
    resolved.remove(name);
    return this;
  }

  public OciRuntime get(String nameOrPath) {
    String name = nameOrPath == null || nameOrPath.isBlank() ? BERTH : nameOrPath;
    OciRuntime known = resolved.get(name);
    if (known != null) return known;
    OciRuntime runtime = resolve(name);
    resolved.put(name, runtime);
    return runtime;
  }

  private OciRuntime resolve(String name) {
    Path binary = configured.get(name);
    if (binary == null && KNOWN.contains(name)) binary = onPath(name);
    if (binary == null && name.startsWith("/")) binary = Path.of(name);
    if (binary == null || !Files.isExecutable(binary)) {
      throw new InvalidArgument("unknown or unavailable runtime: " + name
          + (binary == null ? "" : " (" + binary + " is not executable)"));
    }
    String dirName = name.startsWith("/") ? name.substring(1).replace('/', '_') : name;
    Path root = stateRoot.resolve(dirName);
    return new OciRuntime(name, binary, root, name.equals(BERTH) ? new ContainerRuntime(root) : null);
  }

  private static Path onPath(String program) {
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin").split(":")) {
      Path p = Path.of(dir, program);
      if (Files.isExecutable(p)) return p;
    }
    return null;
  }
}
