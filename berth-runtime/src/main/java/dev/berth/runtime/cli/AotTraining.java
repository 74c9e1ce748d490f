package dev.berth.runtime.cli;

import dev.berth.runtime.defaults.DefaultSpec;
import dev.berth.runtime.init.InitPlan;
import dev.berth.runtime.spec.Spec;
import dev.berth.runtime.spec.SpecLoader;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;

/**
 * The AOT caches' training runs (scripts/aot-train.sh), each in one JVM. Given a state root and two
 * bundles, one running `true` and one that keeps running, it drives the commands engines run per
 * container — run, then create, start, exec, kill and delete — so that their classes and lambdas are in
 * bin/berth-runtime's cache for them. With --picocli it drives the other commands, which picocli reads
 * (state, list, ps, pause, resume, update, events, features, help), for the launcher's second cache.
 * Without containers (a build machine that cannot run them) it touches picocli, the spec model and the
 * instruction stream.
 */
final class AotTraining {
  private AotTraining() {}

  /** {@code args}: --aot-training [ROOT RUN-BUNDLE SLEEP-BUNDLE | --picocli ROOT SLEEP-BUNDLE]. */
  static int run(String[] args, PrintStream out, PrintStream err) {
    if (args.length == 4 && args[1].equals("--picocli")) {
      return picocli(args[2], args[3], out, err);
    }
    return args.length == 4 ? lifecycle(args[1], args[2], args[3], out, err) : withoutContainers(out);
  }

  private static int lifecycle(String root, String runBundle, String sleepBundle, PrintStream out, PrintStream err) {
    String id = "aot-training-" + Long.toHexString(System.nanoTime());
    List<List<String>> lines = List.of(
        List.of("run", "--bundle", runBundle, id + "-run"),
        List.of("create", "--bundle", sleepBundle, id),
        List.of("start", id),
        List.of("exec", id, "true"),
        List.of("kill", id, "KILL"),
        List.of("delete", "--force", id));
    return runAll(root, lines, out, err);
  }

  private static int picocli(String root, String sleepBundle, PrintStream out, PrintStream err) {
    String id = "aot-training-" + Long.toHexString(System.nanoTime());
    List<List<String>> lines = List.of(
        List.of("create", "--bundle", sleepBundle, id),
        List.of("start", id),
        List.of("state", id),
        List.of("list"),
        List.of("list", "--format", "json"),
        List.of("ps", "--format", "json", id),
        List.of("pause", id),
        List.of("resume", id),
        List.of("update", "--pids-limit", "100", id),
        List.of("events", "--stats", id),
        List.of("features"),
        List.of("--help"),
        List.of("delete", "--force", id));
    return runAll(root, lines, out, err);
  }

  /** Each line with --root ROOT in front; the number that failed. */
  private static int runAll(String root, List<List<String>> lines, PrintStream out, PrintStream err) {
    int failed = 0;
    for (List<String> line : lines) {
      List<String> args = new ArrayList<>(List.of("--root", root));
      args.addAll(line);
      failed += Main.run(args.toArray(String[]::new), out, err) == 0 ? 0 : 1;
    }
    return failed;
  }

  private static int withoutContainers(PrintStream out) {
    Spec spec = SpecLoader.parse(DefaultSpec.bytes(false), "config.json");
    InitPlan.forCreate(spec, new InitPlan.CreateOptions(Path.of("/nonexistent"), Path.of("/nonexistent/fifo"),
        null, false, null, null, "{}", false));
    new CommandLine(new Main()).parseArgs("--root", "/tmp", "state", "x");
    new CommandLine(new Main()).parseArgs("create", "--bundle", "/tmp", "--pid-file", "/tmp/p", "x");
    out.println(new String(SpecLoader.toJson(spec)).length());
    return 0;
  }
}
