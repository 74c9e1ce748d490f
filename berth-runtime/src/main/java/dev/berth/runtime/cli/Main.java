package dev.berth.runtime.cli;

import dev.berth.common.error.BerthException;
import dev.berth.common.error.InvalidArgument;
import dev.berth.common.ffm.NativeCall;
import dev.berth.runtime.ContainerRuntime;
import dev.berth.runtime.init.InitLauncher;
import dev.berth.runtime.spec.SpecLoader;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * berth-runtime's command line: runc's commands and flags, so dockerd, containerd and Berth's own
 * supervisor can drive it. Each command parses, calls {@link ContainerRuntime}, and prints.
 */
@Command(
    name = "berth-runtime",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "An OCI runtime: runs containers from OCI bundles, with runc's command line.",
    subcommands = {
      LifecycleCommands.Create.class, LifecycleCommands.Start.class, LifecycleCommands.Run.class,
      LifecycleCommands.State.class, LifecycleCommands.Kill.class, LifecycleCommands.Delete.class,
      LifecycleCommands.ListCmd.class, LifecycleCommands.Ps.class, ExecCommand.class,
      ResourceCommands.Pause.class, ResourceCommands.Resume.class, ResourceCommands.Update.class,
      SpecCommands.SpecCmd.class, SpecCommands.FeaturesCmd.class, EventsCommand.class
    })
public final class Main {
  @Option(names = "--root", description = "directory for container state (default ${DEFAULT-VALUE})")
  Path root = Path.of("/run/berth-runtime");

  @Option(names = "--log", description = "file to log errors to")
  Path log;

  @Option(names = "--log-format", description = "text or json (default ${DEFAULT-VALUE})")
  String logFormat = "text";

  @Option(names = "--debug", description = "log debug output")
  boolean debug;

  @Option(names = "--systemd-cgroup", description = "not supported: berth-runtime uses cgroupfs")
  boolean systemdCgroup;

  @Option(names = "--rootless", description = "auto or false (rootless mode is not implemented yet)")
  String rootless = "auto";

  @Option(names = "--criu", hidden = true)
  String criu;

  @Option(names = "--aot-training", hidden = true, description = "exercise the common paths for the AOT cache")
  boolean aotTraining;

  private ContainerRuntime runtime;
  private ErrorLog errorLog;
  final Caller caller;

  Main() {
    this(Caller.LOCAL);
  }

  Main(Caller caller) {
    this.caller = caller;
  }

  ContainerRuntime runtime() {
    if (systemdCgroup) {
      throw new InvalidArgument("--systemd-cgroup is not supported: berth-runtime manages cgroups through cgroupfs");
    }
    if (runtime == null) {
      runtime = new ContainerRuntime(caller.resolve(root), caller.sys(), InitLauncher.locate());
    }
    return runtime;
  }

  ErrorLog errorLog() {
    if (errorLog == null) {
      errorLog = new ErrorLog(log == null ? null : caller.resolve(log), logFormat);
    }
    return errorLog;
  }

  public static void main(String[] args) {
    int code = run(args, System.out, System.err);
    System.out.flush();
    System.err.flush();
    // halt, not exit: nothing here registers a shutdown hook, and System.exit first initialises the
    // System.Logger backend (java.util.logging) to log the exit, ~30 ms of a short command.
    Runtime.getRuntime().halt(code);
  }

  static int run(String[] args, PrintStream out, PrintStream err) {
    if (args.length > 0 && args[0].equals("--aot-training")) {
      return AotTraining.run(args, out, err);
    }
    Main main = new Main();
    Callable<Integer> quick = FastPath.parse(main, args);
    if (quick != null) {
      if (!(quick instanceof LifecycleCommands.Start)) {
        // Every command here but start makes system calls: bind them while it reads its state and config.
        Thread.ofPlatform().daemon().name("ffm-prepare").start(NativeCall::prepare);
      }
      try {
        return quick.call();
      } catch (Exception e) {
        return main.fail(e, err);
      }
    }
    CommandLine cl = commandLine(main);
    cl.setOut(new java.io.PrintWriter(out, true));
    cl.setErr(new java.io.PrintWriter(err, true));
    cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> main.fail(e, err));
    return cl.execute(args);
  }

  /**
   * Runs {@code args} for {@code caller} if the fast path reads the line and the command needs no pty
   * of the runtime's own relayed to the caller's terminal (that relay follows the terminal's size
   * through SIGWINCH, which only the caller's own process gets); null when the caller should run the
   * line with a JVM of its own instead.
   */
  public static Integer serve(String[] args, PrintStream out, PrintStream err, Caller caller) {
    Main main = new Main(caller);
    Callable<Integer> command = FastPath.parse(main, args);
    if (command == null || relaysATerminal(command, caller) && caller.sys().isTerminal(caller.stdinFd())) {
      return null;
    }
    try {
      return command.call();
    } catch (Exception e) {
      return main.fail(e, err);
    }
  }

  /**
   * Whether a foreground run or exec may make a pty of its own: run with a bundle whose process has
   * terminal: true, exec with -t or a process file (which may ask for one), neither with a console
   * socket. A bundle that cannot be read is the command's to report.
   */
  private static boolean relaysATerminal(Callable<Integer> command, Caller caller) {
    if (command instanceof LifecycleCommands.Run run && !run.detach && run.args.consoleSocket == null) {
      try {
        var process = SpecLoader.load(caller.resolve(run.args.bundle)).process();
        return process != null && process.terminalOrFalse();
      } catch (RuntimeException e) {
        return false;
      }
    }
    return command instanceof ExecCommand exec && !exec.detach && exec.consoleSocket == null
        && (exec.tty || exec.processFile != null);
  }

  /** Picocli's model of the command line (what FastPath must agree with). */
  static CommandLine commandLine(Main main) {
    CommandLine cl = new CommandLine(main);
    // Everything after a container id belongs to the command run in it (exec) or to ps(1).
    cl.getSubcommands().get("exec").setStopAtPositional(true);
    cl.getSubcommands().get("ps").setStopAtPositional(true);
    return cl;
  }

  /** A command failed: the message to stderr and the --log file, the stack trace only when it is a bug or --debug. */
  private int fail(Exception e, PrintStream err) {
    String msg = e instanceof BerthException ? e.getMessage() : String.valueOf(e);
    errorLog().error(msg);
    err.println("berth-runtime: " + msg);
    if (debug || !(e instanceof BerthException)) {
      e.printStackTrace(err);
    }
    return 1;
  }

  /** The version line as runc prints it (engines parse "spec: x"). */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {
        "berth-runtime version 0.1.0", "spec: " + dev.berth.runtime.spec.Spec.OCI_VERSION,
        "libseccomp: " + dev.berth.runtime.seccomp.SeccompCompiler.libseccompVersion()
      };
    }
  }
}
