package dev.berth.runtime.cli;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * The command lines engines run once per container (create, start, run, kill, delete, exec), parsed without
 * picocli. Picocli builds its model of every command from annotations at each start, which a cold JVM
 * pays for with more time than the container itself takes; these few lines are read here instead,
 * into the same command objects picocli would fill, and run by the same {@code call()}.
 *
 * <p>Only lines it understands completely: anything else (help, version, an unknown or repeated
 * option, clustered short options, {@code --}, {@code @file}, a missing or extra argument, a value
 * that does not convert) returns null, and picocli parses the whole line as before, so every error
 * message and the help stay picocli's. FastPathTest checks that both parsers agree.
 */
final class FastPath {
  private FastPath() {}

  /** Picocli's subcommand names: a global option's value equal to one of them is picocli's to judge. */
  private static final Set<String> COMMANDS = Set.of("create", "start", "run", "state", "kill", "delete", "list",
      "ls", "ps", "exec", "pause", "resume", "update", "spec", "features", "events");

  /** Signals that the line is not one the fast path reads exactly. */
  private static final class NotHandled extends Exception {
    NotHandled() {
      super(null, null, false, false);
    }
  }

  /** The command to run for {@code args}, its fields set as picocli would set them, or null. */
  static Callable<Integer> parse(Main main, String[] args) {
    try {
      Line line = new Line(args);
      while (line.more() && line.peek().startsWith("-")) {
        switch (line.option()) {
          case "--root" -> main.root = line.path();
          case "--log" -> main.log = line.path();
          case "--log-format" -> main.logFormat = line.value();
          case "--debug" -> main.debug = line.flag();
          case "--systemd-cgroup" -> main.systemdCgroup = line.flag();
          case "--rootless" -> main.rootless = line.value();
          default -> throw new NotHandled();
        }
      }
      if (!line.more()) {
        return null;
      }
      return switch (line.next()) {
        case "create" -> create(main, line);
        case "start" -> start(main, line);
        case "run" -> run(main, line);
        case "kill" -> kill(main, line);
        case "delete" -> delete(main, line);
        case "exec" -> exec(main, line);
        default -> null;
      };
    } catch (NotHandled e) {
      return null;
    }
  }

  private static Callable<Integer> create(Main main, Line line) throws NotHandled {
    LifecycleCommands.Create c = new LifecycleCommands.Create();
    c.main = main;
    c.args = new LifecycleCommands.CreateArgs();
    List<String> ids = line.rest(name -> createOption(c.args, name, line));
    c.id = line.exactly(1, ids).get(0);
    return c;
  }

  private static Callable<Integer> start(Main main, Line line) throws NotHandled {
    LifecycleCommands.Start c = new LifecycleCommands.Start();
    c.main = main;
    c.id = line.exactly(1, line.rest(name -> false)).get(0);
    return c;
  }

  private static Callable<Integer> run(Main main, Line line) throws NotHandled {
    LifecycleCommands.Run c = new LifecycleCommands.Run();
    c.main = main;
    c.args = new LifecycleCommands.CreateArgs();
    List<String> ids = line.rest(name -> switch (name) {
      case "--detach", "-d" -> c.detach = line.flag();
      case "--keep" -> c.keep = line.flag();
      default -> createOption(c.args, name, line);
    });
    c.id = line.exactly(1, ids).get(0);
    return c;
  }

  private static Callable<Integer> kill(Main main, Line line) throws NotHandled {
    LifecycleCommands.Kill c = new LifecycleCommands.Kill();
    c.main = main;
    List<String> positional = line.rest(name -> is(name, "--all", "-a") && (c.all = line.flag()));
    if (positional.isEmpty() || positional.size() > 2) {
      throw new NotHandled();
    }
    c.id = positional.get(0);
    if (positional.size() == 2) {
      c.signal = positional.get(1);
    }
    return c;
  }

  private static Callable<Integer> delete(Main main, Line line) throws NotHandled {
    LifecycleCommands.Delete c = new LifecycleCommands.Delete();
    c.main = main;
    c.id = line.exactly(1, line.rest(name -> is(name, "--force", "-f") && (c.force = line.flag()))).get(0);
    return c;
  }

  private static boolean is(String name, String longName, String shortName) {
    return name.equals(longName) || name.equals(shortName);
  }

  /** exec reads options up to the container's id; every argument after it belongs to the command. */
  private static Callable<Integer> exec(Main main, Line line) throws NotHandled {
    ExecCommand c = new ExecCommand();
    c.main = main;
    List<String> positional = line.restStoppingAtPositional(name -> {
      switch (name) {
        case "--process", "-p" -> c.processFile = line.value();
        case "--tty", "-t" -> c.tty = line.flag();
        case "--console-socket" -> c.consoleSocket = line.path();
        case "--detach", "-d" -> c.detach = line.flag();
        case "--pid-file" -> c.pidFile = line.path();
        case "--cwd" -> c.cwd = line.value();
        case "--env", "-e" -> c.env.add(line.each());
        case "--user", "-u" -> c.user = line.value();
        case "--additional-gids", "-g" -> c.additionalGids.add(line.number());
        case "--cap", "-c" -> c.caps.add(line.each());
        case "--no-new-privs" -> c.noNewPrivs = line.flag();
        case "--preserve-fds" -> c.preserveFds = line.count();
        case "--apparmor" -> c.apparmor = line.value();
        case "--process-label" -> c.label = line.value();
        default -> {
          return false;
        }
      }
      return true;
    });
    if (positional.isEmpty()) {
      throw new NotHandled();
    }
    c.id = positional.get(0);
    c.command.addAll(positional.subList(1, positional.size()));
    return c;
  }

  /** The options create and run share (CreateArgs); false for any other. */
  private static boolean createOption(LifecycleCommands.CreateArgs a, String name, Line line) throws NotHandled {
    switch (name) {
      case "--bundle", "-b" -> a.bundle = line.path();
      case "--pid-file" -> a.pidFile = line.path();
      case "--console-socket" -> a.consoleSocket = line.path();
      case "--no-pivot" -> a.noPivot = line.flag();
      case "--no-new-keyring" -> a.noNewKeyring = line.flag();
      case "--preserve-fds" -> a.preserveFds = line.count();
      default -> {
        return false;
      }
    }
    return true;
  }

  /** Sets the option {@code name} from the line; false when the command has no such option. */
  @FunctionalInterface
  private interface OptionSetter {
    boolean set(String name) throws NotHandled;
  }

  /** The arguments, read front to back; an option's value is either inline (--x=v) or the next argument. */
  private static final class Line {
    private final String[] args;
    private int next;
    private String inlineValue;
    private String current;
    private final Set<String> seen = new HashSet<>();

    Line(String[] args) throws NotHandled {
      for (String a : args) {
        // @file expansion, the end of options and empty words are picocli's to interpret.
        if (a.isEmpty() || a.startsWith("@") || a.equals("--")) {
          throw new NotHandled();
        }
      }
      this.args = args;
    }

    boolean more() {
      return next < args.length;
    }

    String peek() {
      return args[next];
    }

    String next() {
      return args[next++];
    }

    /** The next argument as an option name, its inline value (if any) kept for value(). */
    String option() throws NotHandled {
      String a = next();
      int eq = a.indexOf('=');
      inlineValue = null;
      String name = a;
      if (eq > 0 && a.startsWith("--")) {
        name = a.substring(0, eq);
        inlineValue = a.substring(eq + 1);
        if (inlineValue.isEmpty()) {
          throw new NotHandled();
        }
      }
      current = canonical(name);
      return name;
    }

    /** A single-valued option (as all are but lists): picocli refuses it repeated. */
    private void once() throws NotHandled {
      if (!seen.add(current)) {
        throw new NotHandled();
      }
    }

    /** Short and long spellings of one option count as the same option. */
    private static String canonical(String name) {
      return switch (name) {
        case "-b" -> "--bundle";
        case "-d" -> "--detach";
        case "-a" -> "--all";
        case "-f" -> "--force";
        case "-p" -> "--process";
        case "-t" -> "--tty";
        case "-u" -> "--user";
        default -> name;
      };
    }

    boolean flag() throws NotHandled {
      once();
      if (inlineValue != null) {
        throw new NotHandled();
      }
      return true;
    }

    String value() throws NotHandled {
      once();
      return each();
    }

    /** The value of one occurrence of a list option, which may be repeated. */
    String each() throws NotHandled {
      if (inlineValue != null) {
        return inlineValue;
      }
      if (!more() || peek().startsWith("-") || COMMANDS.contains(peek())) {
        throw new NotHandled();
      }
      return next();
    }

    Path path() throws NotHandled {
      try {
        return Path.of(value());
      } catch (InvalidPathException e) {
        throw new NotHandled();
      }
    }

    /** A non-negative decimal integer, as picocli's Integer.valueOf reads it. */
    int count() throws NotHandled {
      return Integer.parseInt(digits(value(), 9));
    }

    /** One occurrence of a list of non-negative longs, as picocli's Long.valueOf reads each. */
    long number() throws NotHandled {
      return Long.parseLong(digits(each(), 18));
    }

    private static String digits(String v, int max) throws NotHandled {
      if (v.length() > max) {
        throw new NotHandled();
      }
      for (int i = 0; i < v.length(); i++) {
        if (v.charAt(i) < '0' || v.charAt(i) > '9') {
          throw new NotHandled();
        }
      }
      return v;
    }

    /** The rest of the line: options go to {@code setter}, the positional arguments are returned. */
    List<String> rest(OptionSetter setter) throws NotHandled {
      seen.clear();
      List<String> positional = new ArrayList<>();
      while (more()) {
        if (peek().startsWith("-")) {
          if (!setter.set(option())) {
            throw new NotHandled();
          }
        } else {
          positional.add(next());
        }
      }
      return positional;
    }

    /** As rest(), but from the first positional argument on everything is positional (picocli's stopAtPositional). */
    List<String> restStoppingAtPositional(OptionSetter setter) throws NotHandled {
      seen.clear();
      List<String> positional = new ArrayList<>();
      while (more() && peek().startsWith("-")) {
        if (!setter.set(option())) {
          throw new NotHandled();
        }
      }
      while (more()) {
        positional.add(next());
      }
      return positional;
    }

    List<String> exactly(int n, List<String> positional) throws NotHandled {
      if (positional.size() != n) {
        throw new NotHandled();
      }
      return positional;
    }
  }
}
