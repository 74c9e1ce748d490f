package dev.berth.daemon;

import dev.berth.common.error.BerthException;
import dev.berth.daemon.config.DaemonConfig;
import dev.berth.daemon.config.DaemonConfigLoader;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** berthd: the Docker Engine API daemon, in the foreground. */
@Command(name = "berthd", mixinStandardHelpOptions = true, version = "berthd 0.1.0",
    description = "Serves the Docker Engine API (v1.50) on a unix socket.", subcommands = StoreCheck.class)
public final class Main implements Callable<Integer> {
  @Option(names = "--config-file", description = "daemon.json-style settings (default ${DEFAULT-VALUE}, if present)")
  Path configFile;

  @Option(names = {"-H", "--host"}, description = "where to listen, repeatable: unix:///path (default "
      + DaemonConfig.DEFAULT_HOST + ") or tcp://host:port (needs --tlsverify)")
  List<String> hosts;

  @Option(names = "--data-root", description = "where images and containers are kept (default /var/lib/berth)")
  Path dataRoot;

  @Option(names = "--exec-root", description = "where state that dies with the machine is kept: bundles, "
      + "runtime state (default /run/berth)")
  Path execRoot;

  @Option(names = "--default-runtime", description = "runtime for containers that name none: berth, runc, crun "
      + "or a path (default berth)")
  String defaultRuntime;

  @Option(names = "--log-level", description = "debug, info, warn, error or fatal (default info)")
  String logLevel;

  @Option(names = "--live-restore", arity = "0..1", fallbackValue = "true",
      description = "keep containers running while the daemon is down (default true; --live-restore=false stops"
          + " them when berthd stops)")
  Boolean liveRestore;

  @Option(names = {"-G", "--group"}, description = "group that may use the unix sockets (default berth, if it exists)")
  String group;

  @Option(names = "--tlsverify", arity = "0..1", fallbackValue = "true",
      description = "serve TCP with TLS, clients must present a certificate signed by --tlscacert")
  Boolean tlsVerify;

  @Option(names = "--tlscacert", description = "CA that signs clients' certificates (PEM)")
  Path tlsCaCert;

  @Option(names = "--tlscert", description = "the server's certificate (PEM)")
  Path tlsCert;

  @Option(names = "--tlskey", description = "the server's key (PEM, PKCS#8)")
  Path tlsKey;

  @Option(names = "--supervisor", description = "a standalone berth-supervisor's socket, unix:///path (default: "
      + "the supervisor runs inside berthd)")
  String supervisor;

  public static void main(String[] args) {
    System.exit(new CommandLine(new Main()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    DaemonConfig config;
    try {
      config = DaemonConfigLoader.load(new DaemonConfigLoader.Flags(hosts, dataRoot, execRoot, defaultRuntime,
          logLevel, liveRestore, group, tlsVerify, tlsCaCert, tlsCert, tlsKey, supervisor),
          configFile != null ? configFile : DaemonConfig.DEFAULT_FILE, configFile != null);
    } catch (BerthException e) {
      System.err.println("berthd: " + e.getMessage());
      return 1;
    }
    try (DaemonLock lock = DaemonLock.acquire(config.dataRoot(), config.execRoot())) {
      return new Daemon(config).run();
    } catch (BerthException e) {
      System.err.println("berthd: " + e.getMessage());
      return 1;
    }
  }
}
