package dev.berth.supervisor.shim;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/** What an exec process wrote, read through an attach until the process ends. */
public record ExecOutput(String stdout, String stderr) {
  public static ExecOutput collect(ShimClient exec) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    try (Attachment attachment = exec.attach(false, true, true, false, false)) {
      for (var f = attachment.nextFrame(); f.isPresent(); f = attachment.nextFrame()) {
        (f.get().stream() == StreamFrame.STDOUT ? out : err).writeBytes(f.get().payload());
      }
    }
    return new ExecOutput(out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }
}
