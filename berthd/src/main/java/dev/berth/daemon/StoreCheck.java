package dev.berth.daemon;

import dev.berth.common.error.BerthException;
import dev.berth.common.io.ProcessLock;
import dev.berth.daemon.containers.ContainerStore;
import dev.berth.images.gc.GarbageCollector;
import dev.berth.images.snapshot.Snapshots;
import dev.berth.images.store.ImageStore;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code berthd check}: every byte of the data root's images and snapshots with its owner (an image,
 * a layer, a container), what nobody owns, and the store's consistency problems; {@code --remove}
 * removes what nobody owns. Run with berthd stopped: it takes the daemon's lock.
 */
@Command(name = "check", mixinStandardHelpOptions = true,
    description = "Account for every byte of the image store and snapshots; find (and --remove) what nobody owns.")
final class StoreCheck implements Callable<Integer> {
  @Option(names = "--data-root", description = "the daemon's data root (default /var/lib/berth)")
  Path dataRoot = Path.of("/var/lib/berth");

  @Option(names = "--remove", description = "remove blobs and layer snapshots nobody owns")
  boolean remove;

  @Override
  public Integer call() {
    try (ProcessLock lock = ProcessLock.acquire(dataRoot.resolve("berthd.lock"), "berthd",
        "data root " + dataRoot + "; stop it before checking")) {
      ImageStore images = new ImageStore(dataRoot.resolve("images"));
      GarbageCollector gc = new GarbageCollector(images, new Snapshots(dataRoot.resolve("snapshots")));
      var containers = Daemon.containerIds(new ContainerStore(dataRoot.resolve("containers")));
      List<GarbageCollector.Item> items = gc.account(containers);
      Map<String, Long> byOwner = new TreeMap<>();
      for (GarbageCollector.Item i : items) {
        if (i.owner() != null) byOwner.merge(i.owner(), i.bytes(), Long::sum);
      }
      System.out.printf("%-90s %14s%n", "OWNER", "BYTES");
      byOwner.forEach((owner, bytes) -> System.out.printf("%-90s %14d%n", owner, bytes));
      List<GarbageCollector.Item> orphans = items.stream().filter(i -> i.owner() == null).toList();
      for (GarbageCollector.Item o : orphans) {
        System.out.printf("%-90s %14d%n", "nobody: " + o.kind() + " " + o.name(), o.bytes());
      }
      List<String> problems = images.check();
      problems.forEach(p -> System.out.println("problem: " + p));
      if (remove && !orphans.isEmpty()) {
        List<GarbageCollector.Item> removed = gc.collect(containers);
        long bytes = removed.stream().mapToLong(GarbageCollector.Item::bytes).sum();
        System.out.println("removed " + removed.size() + " items, " + bytes + " bytes");
        orphans = gc.account(containers).stream().filter(i -> i.owner() == null).toList();
      }
      // Non-zero while something is unowned or inconsistent, for scripts.
      return orphans.isEmpty() && problems.isEmpty() ? 0 : 1;
    } catch (BerthException e) {
      System.err.println("berthd check: " + e.getMessage());
      return 2;
    }
  }
}
