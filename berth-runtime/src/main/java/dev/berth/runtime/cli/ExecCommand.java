package dev.berth.runtime.cli;

import dev.berth.common.error.InvalidArgument;
import dev.berth.runtime.ContainerRuntime;
import dev.berth.runtime.spec.LinuxCapabilities;
import dev.berth.runtime.spec.Process;
import dev.berth.runtime.spec.SpecLoader;
import dev.berth.runtime.spec.User;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** exec: run a new process in a running container, from process.json or from arguments. */
@Command(name = "exec", description = "run a new process inside a container")
final class ExecCommand implements Callable<Integer> {
  @ParentCommand Main main;
  @Option(names = {"--process", "-p"}, description = "an OCI process JSON file (- for stdin)") String processFile;
  @Option(names = {"--tty", "-t"}) boolean tty;
  @Option(names = "--console-socket") Path consoleSocket;
  @Option(names = {"--detach", "-d"}) boolean detach;
  @Option(names = "--pid-file") Path pidFile;
  @Option(names = "--cwd") String cwd;
  @Option(names = {"--env", "-e"}) List<String> env = new ArrayList<>();
  @Option(names = {"--user", "-u"}, description = "uid[:gid]") String user;
  @Option(names = {"--additional-gids", "-g"}) List<Long> additionalGids = new ArrayList<>();
  @Option(names = {"--cap", "-c"}) List<String> caps = new ArrayList<>();
  @Option(names = "--no-new-privs") boolean noNewPrivs;
  @Option(names = "--preserve-fds", description = "pass this process's fds 3..3+N-1 to the process as the same fds")
  int preserveFds;
  @Option(names = "--apparmor", hidden = true) String apparmor;
  @Option(names = "--process-label", hidden = true) String label;
  @Parameters(index = "0", paramLabel = "ID") String id;
  @Parameters(index = "1..*", paramLabel = "COMMAND") List<String> command = new ArrayList<>();

  @Override
  public Integer call() throws IOException {
    ContainerRuntime rt = main.runtime();
    Process process = processFile != null ? fromFile() : fromArgs(rt);
    Caller caller = main.caller;
    var options = new ContainerRuntime.ExecOptions(LifecycleCommands.CreateArgs.absolute(caller, pidFile),
        LifecycleCommands.CreateArgs.absolute(caller, consoleSocket), detach, null, null,
        LifecycleCommands.CreateArgs.preservedFds(caller, preserveFds));
    if (!detach) {
      return rt.execForeground(id, process, options, caller.stdinFd(), caller.stdoutFd());
    }
    rt.exec(id, process, options);
    return 0;
  }

  private Process fromFile() throws IOException {
    byte[] json = processFile.equals("-") ? main.caller.in().readAllBytes()
        : Files.readAllBytes(main.caller.resolve(Path.of(processFile)));
    return SpecLoader.parseProcess(json, processFile);
  }

  private Process fromArgs(ContainerRuntime rt) {
    if (command.isEmpty()) {
      throw new InvalidArgument("exec needs --process or a command to run");
    }
    Path bundle = Path.of(rt.state(id).bundle());
    Process base = SpecLoader.load(bundle).process();
    List<String> newEnv = new ArrayList<>(base.envOrEmpty());
    newEnv.addAll(env);
    Process p = base.withArgs(command).withEnv(newEnv).withTerminal(tty, null);
    if (cwd != null) {
      p = p.withCwd(cwd);
    }
    if (user != null) {
      String[] parts = user.split(":");
      try {
        long uid = Long.parseLong(parts[0]);
        long gid = parts.length > 1 ? Long.parseLong(parts[1]) : 0;
        p = p.withUser(new User(uid, gid, null, additionalGids.isEmpty() ? null : additionalGids, null));
      } catch (NumberFormatException e) {
        throw new InvalidArgument("--user must be uid[:gid], got \"" + user + "\"");
      }
    }
    if (!caps.isEmpty() && base.capabilities() != null) {
      LinuxCapabilities c = base.capabilities();
      p = new Process(p.terminal(), p.consoleSize(), p.user(), p.args(), p.commandLine(), p.env(), p.cwd(),
          new LinuxCapabilities(plus(c.bounding()), plus(c.effective()), plus(c.inheritable()), plus(c.permitted()),
              c.ambient()), p.rlimits(), noNewPrivs || p.noNewPrivilegesOrFalse(), p.apparmorProfile(),
          p.oomScoreAdj(), p.selinuxLabel(), p.ioPriority(), p.scheduler(), p.execCPUAffinity());
    }
    return p;
  }

  private List<String> plus(List<String> set) {
    List<String> all = new ArrayList<>(set == null ? List.of() : set);
    for (String c : caps) {
      if (!all.contains(c)) {
        all.add(c);
      }
    }
    return all;
  }
}
