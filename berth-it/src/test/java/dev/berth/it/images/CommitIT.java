package dev.berth.it.images;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.berth.images.archive.ArchiveWriter;
import dev.berth.images.base.BaseImages;
import dev.berth.images.digest.Digest;
import dev.berth.images.fs.LinuxFileSystemOps;
import dev.berth.images.importer.Committer;
import dev.berth.images.layer.LayerDiff;
import dev.berth.images.layer.LayerUnpacker;
import dev.berth.images.model.ImageRecord;
import dev.berth.images.reference.Reference;
import dev.berth.images.snapshot.Snapshots;
import dev.berth.images.store.ImageStore;
import dev.berth.images.store.ImageUnpacker;
import dev.berth.it.fixtures.Cmd;
import dev.berth.it.fixtures.DockerdExtension;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A container's changes committed by Berth (new file, deleted file, replaced directory) run in Docker. */
class CommitIT {
  @RegisterExtension static final DockerdExtension DOCKER = new DockerdExtension();


  @Test
  void committedChangesAreWhatDockerRuns() throws Exception {
    ImageStore store = new ImageStore(DOCKER.dir().resolve("store"));
    ImageRecord busybox = BaseImages.busybox(store);
    Snapshots snapshots = new Snapshots(DOCKER.dir().resolve("snapshots"));
    Digest top = new ImageUnpacker(store, snapshots, new LayerUnpacker(new LinuxFileSystemOps(), true)).unpack(busybox);
    snapshots.createContainer("c", top);
    Path merged = DOCKER.dir().resolve("merged");
    Files.createDirectory(merged);
    snapshots.mount("c", merged);
    try {
      Files.writeString(merged.resolve("hello.txt"), "committed by berth\n");
      Files.delete(merged.resolve("etc/group"));
      Cmd.run("rm", "-rf", merged.resolve("home").toString()).ok();
      Files.createDirectories(merged.resolve("home/new"));
    } finally {
      snapshots.unmount(merged);
    }
    new Committer(store, new LayerDiff(new LinuxFileSystemOps())).commit(busybox, snapshots.upperDir("c"),
        List.of("CMD [\"cat\", \"/hello.txt\"]"), "berth", "a test commit", Reference.parse("committed:1"));
    snapshots.removeContainer("c");

    Path archive = DOCKER.dir().resolve("committed.tar");
    ArchiveWriter writer = new ArchiveWriter(store);
    try (OutputStream out = Files.newOutputStream(archive)) {
      writer.dockerArchive(List.of(writer.select("committed:1")), out);
    }
    DOCKER.dockerd().docker("load", "-i", archive.toString()).ok();
    assertEquals("committed by berth\n", DOCKER.dockerd().docker("run", "--rm", "--network", "none", "committed:1").ok().out());
    assertEquals("gone\nnew\n", DOCKER.dockerd().docker("run", "--rm", "--network", "none", "committed:1", "sh", "-c",
        "test -e /etc/group || echo gone; ls /home").ok().out());
  }
}
