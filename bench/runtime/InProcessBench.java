import dev.berth.runtime.ContainerRuntime;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The runtime as a library, as Berth's supervisor calls it: create + start + wait + delete of a
 * bundle running `true`, in one warm JVM. Prints the median in milliseconds.
 * Usage: java -cp 'lib/*' bench/runtime/InProcessBench.java BUNDLE RUNS
 */
public class InProcessBench {
  public static void main(String[] args) throws Exception {
    Path bundle = Path.of(args[0]);
    int runs = Integer.parseInt(args[1]);
    Path root = Files.createTempDirectory(Path.of("/run"), "berth-bench-state");
    ContainerRuntime rt = new ContainerRuntime(root);
    rt.becomeSubreaper();
    List<Double> times = new ArrayList<>();
    for (int i = 0; i < runs + 10; i++) {
      String id = "bench-" + ProcessHandle.current().pid() + "-" + i;
      long start = System.nanoTime();
      rt.create(id, bundle, ContainerRuntime.CreateOptions.defaults());
      rt.start(id);
      int code = rt.waitForExit(id);
      rt.delete(id, false);
      long end = System.nanoTime();
      if (code != 0) {
        throw new IllegalStateException("the container exited with " + code);
      }
      if (i >= 10) { // the first runs warm the JIT up
        times.add((end - start) / 1e6);
      }
    }
    try (var walk = Files.walk(root)) {
      walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
    Collections.sort(times);
    System.out.printf("%.2f%n", times.get(times.size() / 2));
  }
}
