package dev.berth.it.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.it.fixtures.BerthHome;
import dev.berth.it.fixtures.Berthd;
import dev.berth.it.fixtures.Cmd;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Every byte accounted: removing an image removes the blobs and unpacked layers nothing else owns,
 * and `berthd check` names what nobody owns and, with --remove, removes it.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ImageGarbageIT {
  @Test
  void removedImagesLeaveNoBytesAndCheckFindsWhatNobodyOwns() throws Exception {
    Path dir = Files.createDirectories(Path.of("/tmp/bg" + ProcessHandle.current().pid()));
    try (Berthd berthd = Berthd.start(dir)) {
      Cmd.run(List.of(BerthHome.root().resolve("scripts/make-base-images.sh").toString(), dir.resolve("images").toString()),
          Map.of(), null, 300).ok();
      berthd.docker("load", "-i", dir.resolve("images/busybox.tar").toString()).ok();
      berthd.docker("run", "--name", "user", "busybox", "true").ok();
      Path blobs = berthd.dataRoot().resolve("images/content/blobs/sha256");
      Path layers = berthd.dataRoot().resolve("snapshots/layers");
      assertTrue(count(blobs) > 0 && count(layers) > 0, "loading and running stored blobs and a layer");
      assertNotEquals(0, berthd.docker("rmi", "busybox").exit(), "an image a container uses is removed");
      berthd.docker("rm", "user").ok();
      berthd.docker("rmi", "busybox").ok();
      assertEquals(0, count(blobs), "blobs outlived their image");
      assertEquals(0, count(layers), "unpacked layers outlived their image");

      berthd.docker("load", "-i", dir.resolve("images/busybox.tar").toString()).ok();
      berthd.stop();
      Cmd.Result clean = check(berthd, false);
      assertEquals(0, clean.exit(), clean.toString());
      assertTrue(clean.out().lines().anyMatch(l -> l.startsWith("image sha256:")), clean.out());
      assertTrue(clean.out().lines().anyMatch(l -> l.startsWith("layer sha256:")), clean.out());

      byte[] stray = "nobody's".getBytes(StandardCharsets.UTF_8);
      String hex = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(stray));
      Files.write(blobs.resolve(hex), stray);
      Cmd.Result found = check(berthd, false);
      assertEquals(1, found.exit(), found.toString());
      assertTrue(found.out().contains("nobody: blob sha256:" + hex), found.out());
      assertEquals(0, check(berthd, true).exit());
      assertTrue(Files.notExists(blobs.resolve(hex)), "--remove left the stray blob");
      assertEquals(0, check(berthd, false).exit(), "the image's own bytes were kept");
      berthd.launch();
      assertEquals("ok", berthd.docker("run", "--rm", "busybox", "echo", "ok").ok().out().strip());
    }
  }

  private static Cmd.Result check(Berthd berthd, boolean remove) {
    List<String> command = new java.util.ArrayList<>(List.of(BerthHome.root().resolve("bin/berthd").toString(), "check",
        "--data-root", berthd.dataRoot().toString()));
    if (remove) command.add("--remove");
    return Cmd.run(command, Map.of(), null, 60);
  }

  private static long count(Path dir) throws Exception {
    if (!Files.isDirectory(dir)) return 0;
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> !p.getFileName().toString().startsWith(".")).count();
    }
  }
}
