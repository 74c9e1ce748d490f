package dev.berth.runtime.cli;

import dev.berth.common.error.Conflict;
import dev.berth.common.io.AtomicFiles;
import dev.berth.runtime.defaults.DefaultSpec;
import dev.berth.runtime.defaults.Features;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** spec and features: what the runtime writes and supports. */
final class SpecCommands {
  private SpecCommands() {}

  @Command(name = "spec", description = "write a default config.json into the bundle")
  static final class SpecCmd implements Callable<Integer> {
    @Option(names = {"--bundle", "-b"}) Path bundle = Path.of("");
    @Option(names = "--rootless") boolean rootless;

    @Override
    public Integer call() throws IOException {
      Path config = bundle.toAbsolutePath().resolve("config.json");
      if (Files.exists(config)) {
        throw new Conflict("File " + config + " exists. Remove it first");
      }
      AtomicFiles.write(config, DefaultSpec.bytes(rootless));
      return 0;
    }
  }

  @Command(name = "features", description = "print what this runtime implements (OCI features JSON)")
  static final class FeaturesCmd implements Callable<Integer> {
    @ParentCommand Main main;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      spec.commandLine().getOut().println(Features.json());
      return 0;
    }
  }
}
