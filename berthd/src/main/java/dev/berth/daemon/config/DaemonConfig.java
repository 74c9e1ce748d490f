package dev.berth.daemon.config;

import dev.berth.common.error.InvalidArgument;
import java.nio.file.Path;
import java.util.List;

/**
 * What berthd runs with, merged from its flags, its configuration file (Docker's daemon.json keys)
 * and the defaults, in that order of precedence.
 *
 * @param hosts where the API listens: {@code unix:///path} or {@code tcp://host:port} (TLS only)
 * @param group the group that may use the unix sockets (mode 0660); null for the default, {@value
 *     #DEFAULT_GROUP}, used only if it exists
 * @param liveRestore containers keep running while berthd is stopped (otherwise it stops them)
 * @param tls the TCP listener's certificates; required for a tcp:// host
 * @param supervisor a standalone supervisor's socket, or null to run one in-process
 */
public record DaemonConfig(
    List<String> hosts,
    Path dataRoot,
    Path execRoot,
    String defaultRuntime,
    String logLevel,
    boolean liveRestore,
    String group,
    Tls tls,
    Path supervisor) {
  public static final String DEFAULT_HOST = "unix:///run/berth/berth.sock";
  public static final Path DEFAULT_DATA_ROOT = Path.of("/var/lib/berth");
  public static final Path DEFAULT_EXEC_ROOT = Path.of("/run/berth");
  public static final Path DEFAULT_FILE = Path.of("/etc/berth/daemon.json");
  public static final String DEFAULT_GROUP = "berth";
  private static final List<String> LOG_LEVELS = List.of("debug", "info", "warn", "error", "fatal");

  /** Client-certificate TLS, as Docker's --tlsverify: the server's pair and the CA clients must be signed by. */
  public record Tls(Path caCert, Path cert, Path key) {}

  public DaemonConfig {
    hosts = List.copyOf(hosts);
    if (hosts.isEmpty()) throw new InvalidArgument("no host to listen on");
    for (String host : hosts) {
      if (host.startsWith("tcp://")) {
        if (tls == null) {
          throw new InvalidArgument("refusing to listen on " + host + " without TLS: give --tlsverify with"
              + " --tlscacert, --tlscert and --tlskey (a TCP socket without client certificates is root for anyone)");
        }
      } else if (!host.startsWith("unix://") || host.length() == "unix://".length()) {
        throw new InvalidArgument("invalid host " + host + ": use unix:///path or tcp://host:port");
      }
    }
    if (!LOG_LEVELS.contains(logLevel)) {
      throw new InvalidArgument("invalid log level " + logLevel + ": use one of " + String.join(", ", LOG_LEVELS));
    }
    if (defaultRuntime == null || defaultRuntime.isBlank()) throw new InvalidArgument("default runtime is empty");
  }

  public List<Path> unixSockets() {
    return hosts.stream().filter(h -> h.startsWith("unix://")).map(h -> Path.of(h.substring("unix://".length())))
        .toList();
  }

  public List<String> tcpHosts() {
    return hosts.stream().filter(h -> h.startsWith("tcp://")).map(h -> h.substring("tcp://".length())).toList();
  }
}
