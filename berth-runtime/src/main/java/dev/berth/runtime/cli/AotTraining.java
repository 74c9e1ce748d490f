package dev.berth.runtime.cli;

import dev.berth.runtime.defaults.DefaultSpec;
import dev.berth.runtime.init.InitPlan;
import dev.berth.runtime.spec.Spec;
import dev.berth.runtime.spec.SpecLoader;
import java.io.PrintStream;
import java.nio.file.Path;
import picocli.CommandLine;

/**
 * The AOT cache's training run (scripts/aot-train.sh): touches the classes every command loads —
 * picocli, Jackson, the spec model, the instruction stream — without creating a container.
 */
final class AotTraining {
  private AotTraining() {}

  static int run(PrintStream out) {
    Spec spec = SpecLoader.parse(DefaultSpec.bytes(false), "config.json");
    InitPlan.forCreate(spec, new InitPlan.CreateOptions(Path.of("/nonexistent"), Path.of("/nonexistent/fifo"),
        null, false, null, null, "{}", false));
    new CommandLine(new Main()).parseArgs("--root", "/tmp", "state", "x");
    new CommandLine(new Main()).parseArgs("create", "--bundle", "/tmp", "--pid-file", "/tmp/p", "x");
    out.println(new String(SpecLoader.toJson(spec)).length());
    return 0;
  }
}
