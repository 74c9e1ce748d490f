package dev.berth.runtime.cli;

import dev.berth.common.error.InvalidArgument;
import dev.berth.common.signal.Signals;
import dev.berth.runtime.ContainerRuntime;
import dev.berth.runtime.container.StateView;
import dev.berth.runtime.spec.SpecLoader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** create, start, run, state, kill, delete, list, ps. */
final class LifecycleCommands {
  private LifecycleCommands() {}

  /** Options shared by create and run. */
  static class CreateArgs {
    @Option(names = {"--bundle", "-b"}, description = "the bundle directory (default: the current directory)")
    Path bundle = Path.of("");

    @Option(names = "--pid-file", description = "write the container's pid to this file")
    Path pidFile;

    @Option(names = "--console-socket", description = "unix socket to send the pty master to (terminal: true)")
    Path consoleSocket;

    @Option(names = "--no-pivot", description = "use MS_MOVE and chroot instead of pivot_root")
    boolean noPivot;

    @Option(names = "--no-new-keyring", description = "accepted for runc compatibility; no session keyring is made")
    boolean noNewKeyring;

    @Option(names = "--preserve-fds", description = "pass this process's fds 3..3+N-1 to the container as the same fds")
    int preserveFds;

    ContainerRuntime.CreateOptions options(Caller caller) {
      return new ContainerRuntime.CreateOptions(absolute(caller, pidFile), absolute(caller, consoleSocket), noPivot,
          null, null, preservedFds(caller, preserveFds));
    }

    /** runc's --preserve-fds N: the caller's fds 3..3+N-1. */
    static List<Integer> preservedFds(Caller caller, int n) {
      if (n < 0) {
        throw new InvalidArgument("--preserve-fds must not be negative, got " + n);
      }
      return n == 0 ? List.of() : caller.fds(java.util.stream.IntStream.range(3, 3 + n).boxed().toList());
    }

    static Path absolute(Caller caller, Path path) {
      return path == null ? null : caller.resolve(path).toAbsolutePath();
    }
  }

  @Command(name = "create", description = "create a container (its process waits for `start`)")
  static final class Create implements Callable<Integer> {
    @ParentCommand Main main;
    @picocli.CommandLine.Mixin CreateArgs args;
    @Parameters(paramLabel = "ID") String id;

    @Override
    public Integer call() {
      main.runtime().create(id, main.caller.resolve(args.bundle), args.options(main.caller));
      return 0;
    }
  }

  @Command(name = "start", description = "start a created container")
  static final class Start implements Callable<Integer> {
    @ParentCommand Main main;
    @Parameters(paramLabel = "ID") String id;

    @Override
    public Integer call() {
      main.runtime().start(id);
      return 0;
    }
  }

  @Command(name = "run", description = "create and start a container, then wait for it and delete it")
  static final class Run implements Callable<Integer> {
    @ParentCommand Main main;
    @picocli.CommandLine.Mixin CreateArgs args;
    @Option(names = {"--detach", "-d"}, description = "do not wait for the container") boolean detach;
    @Option(names = "--keep", description = "do not delete the container after it exits") boolean keep;
    @Parameters(paramLabel = "ID") String id;

    @Override
    public Integer call() {
      ContainerRuntime rt = main.runtime();
      if (!detach) {
        return rt.run(id, main.caller.resolve(args.bundle), args.options(main.caller), keep, main.caller.stdinFd(),
            main.caller.stdoutFd());
      }
      rt.create(id, main.caller.resolve(args.bundle), args.options(main.caller));
      try {
        rt.start(id);
      } catch (RuntimeException e) {
        rt.delete(id, true);
        throw e;
      }
      return 0;
    }
  }

  @Command(name = "state", description = "print the state of a container as JSON")
  static final class State implements Callable<Integer> {
    @ParentCommand Main main;
    @Spec picocli.CommandLine.Model.CommandSpec spec;
    @Parameters(paramLabel = "ID") String id;

    @Override
    public Integer call() {
      spec.commandLine().getOut().println(new String(SpecLoader.toJson(main.runtime().state(id)), StandardCharsets.UTF_8));
      return 0;
    }
  }

  @Command(name = "kill", description = "send a signal (default SIGTERM) to the container's process")
  static final class Kill implements Callable<Integer> {
    @ParentCommand Main main;
    @Option(names = {"--all", "-a"}, description = "signal every process of the container") boolean all;
    @Parameters(index = "0", paramLabel = "ID") String id;
    @Parameters(index = "1", arity = "0..1", paramLabel = "SIGNAL") String signal = "SIGTERM";

    @Override
    public Integer call() {
      main.runtime().kill(id, Signals.parse(signal), all);
      return 0;
    }
  }

  @Command(name = "delete", description = "delete a stopped container (--force: kill it first)")
  static final class Delete implements Callable<Integer> {
    @ParentCommand Main main;
    @Option(names = {"--force", "-f"}) boolean force;
    @Parameters(paramLabel = "ID") String id;

    @Override
    public Integer call() {
      main.runtime().delete(id, force);
      return 0;
    }
  }

  @Command(name = "list", aliases = "ls", description = "list the containers")
  static final class ListCmd implements Callable<Integer> {
    @ParentCommand Main main;
    @Spec picocli.CommandLine.Model.CommandSpec spec;
    @Option(names = {"--format", "-f"}, description = "table or json") String format = "table";
    @Option(names = {"--quiet", "-q"}, description = "print only the ids") boolean quiet;

    @Override
    public Integer call() {
      List<StateView> views = main.runtime().list();
      var out = spec.commandLine().getOut();
      if (quiet) {
        views.forEach(v -> out.println(v.id()));
      } else if (format.equals("json")) {
        out.println(new String(SpecLoader.toJson(views), StandardCharsets.UTF_8).replaceAll("\\s*\n\\s*", ""));
      } else if (format.equals("table")) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"});
        for (StateView v : views) {
          rows.add(new String[] {v.id(), Integer.toString(v.pid()), v.status(), String.valueOf(v.bundle()),
              String.valueOf(v.created()), v.owner().isEmpty() ? "root" : v.owner()});
        }
        Table.print(out, rows);
      } else {
        throw new InvalidArgument("invalid format \"" + format + "\": use table or json");
      }
      return 0;
    }
  }

  @Command(name = "ps", description = "list the processes of a container")
  static final class Ps implements Callable<Integer> {
    @ParentCommand Main main;
    @Spec picocli.CommandLine.Model.CommandSpec spec;
    @Option(names = {"--format", "-f"}, description = "table or json") String format = "table";
    @Parameters(index = "0", paramLabel = "ID") String id;
    @Parameters(index = "1..*", paramLabel = "PS-ARGS") List<String> psArgs = new ArrayList<>();

    @Override
    public Integer call() throws IOException, InterruptedException {
      List<Integer> pids = main.runtime().pids(id);
      var out = spec.commandLine().getOut();
      if (format.equals("json")) {
        out.println(pids.toString().replace(" ", ""));
        return 0;
      }
      List<String> cmd = new ArrayList<>(List.of("ps"));
      cmd.addAll(psArgs.isEmpty() ? List.of("-ef") : psArgs);
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String[] lines = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).split("\n");
      p.waitFor();
      int pidColumn = List.of(lines[0].trim().split("\\s+")).indexOf("PID");
      if (pidColumn < 0) {
        throw new InvalidArgument("ps output has no PID column");
      }
      out.println(lines[0]);
      Set<String> wanted = new java.util.HashSet<>(pids.stream().map(String::valueOf).toList());
      for (int i = 1; i < lines.length; i++) {
        String[] cols = lines[i].trim().split("\\s+");
        if (cols.length > pidColumn && wanted.contains(cols[pidColumn])) {
          out.println(lines[i]);
        }
      }
      return 0;
    }
  }
}
