package dev.berth.daemon.containers;

import dev.berth.common.io.NativePrograms;
import java.nio.file.Path;

/** berth-pid1 (berth-native/pid1), the init `--init` runs as the container's PID 1. */
final class Pid1 {
  static final String NAME = "berth-pid1";

  private Pid1() {}

  static Path binary() {
    return NativePrograms.locate(NAME, "berth.pid1");
  }
}
