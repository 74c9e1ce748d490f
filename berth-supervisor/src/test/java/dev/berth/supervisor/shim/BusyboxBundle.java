package dev.berth.supervisor.shim;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** An OCI bundle for tests: a rootfs of /bin/busybox and its applets, config.json from `runc spec`. */
public final class BusyboxBundle {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<String> APPLETS =
      List.of("sh", "cat", "echo", "sleep", "stty", "ls", "true", "printf", "yes", "head", "kill", "seq");

  private BusyboxBundle() {}

  public static Path create(Path dir, boolean terminal, String... args) throws IOException, InterruptedException {
    Path bin = dir.resolve("rootfs/bin");
    Files.createDirectories(bin);
    for (String d : List.of("proc", "dev", "sys", "tmp")) Files.createDirectories(dir.resolve("rootfs").resolve(d));
    Files.copy(Path.of("/bin/busybox"), bin.resolve("busybox"));
    for (String applet : APPLETS) Files.createSymbolicLink(bin.resolve(applet), Path.of("busybox"));
    Process spec = new ProcessBuilder("runc", "spec").directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(spec.getInputStream().readAllBytes());
    if (spec.waitFor() != 0) throw new IOException("runc spec failed: " + out);
    ObjectNode config = (ObjectNode) JSON.readTree(dir.resolve("config.json").toFile());
    setProcess((ObjectNode) config.get("process"), terminal, args);
    JSON.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("config.json").toFile(), config);
    return dir;
  }

  /** An exec's process.json: the bundle's process with other args. */
  public static Path execProcess(Path bundle, Path file, boolean terminal, String... args) throws IOException {
    ObjectNode process = (ObjectNode) JSON.readTree(bundle.resolve("config.json").toFile()).get("process");
    setProcess(process, terminal, args);
    JSON.writeValue(file.toFile(), process);
    return file;
  }

  private static void setProcess(ObjectNode process, boolean terminal, String... args) {
    process.put("terminal", terminal);
    ArrayNode argv = process.putArray("args");
    for (String a : args) argv.add(a);
  }
}
