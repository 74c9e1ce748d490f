package dev.berth.it.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.it.fixtures.BerthHome;
import dev.berth.it.fixtures.Berthd;
import dev.berth.it.fixtures.Cmd;
import dev.berth.supervisor.api.v1.Event;
import dev.berth.supervisor.client.SupervisorClient;
import dev.berth.supervisor.client.SupervisorConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The supervisor as its own process: berthd drives it over its socket, its event stream reports the
 * container and task lifecycle, and a restart of the supervisor, like one of berthd, stops no
 * container.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class StandaloneSupervisorIT {
  private static Path dir;
  private static Process supervisor;
  private static Berthd berthd;

  private static Path socket() {
    return dir.resolve("sup.sock");
  }

  private static Process startSupervisor() throws Exception {
    Process p = new ProcessBuilder(BerthHome.root().resolve("bin/berth-supervisor").toString(), "--address",
        "unix://" + socket(), "--data-root", dir.resolve("data").toString(), "--exec-root", dir.resolve("run").toString())
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("sup.log").toFile()))
        .start();
    for (int i = 0; i < 200 && !Files.readString(dir.resolve("sup.log")).contains("serving on") && p.isAlive(); i++) {
      Thread.sleep(25);
    }
    assertTrue(p.isAlive(), "the supervisor did not start: " + Files.readString(dir.resolve("sup.log")));
    return p;
  }

  @BeforeAll
  static void start() throws Exception {
    dir = Files.createDirectories(Path.of("/tmp/bs" + ProcessHandle.current().pid()));
    Files.writeString(dir.resolve("sup.log"), "");
    supervisor = startSupervisor();
    berthd = Berthd.start(dir, List.of("--supervisor", "unix://" + socket()));
    Cmd.run(List.of(BerthHome.root().resolve("scripts/make-base-images.sh").toString(), dir.resolve("images").toString()),
        Map.of(), null, 300).ok();
    berthd.docker("load", "-i", dir.resolve("images/busybox.tar").toString()).ok();
  }

  @AfterAll
  static void stop() throws Exception {
    try {
      if (berthd != null) berthd.close(); // removes the containers through the supervisor, then the dir
    } finally {
      if (supervisor != null) {
        supervisor.destroy();
        supervisor.waitFor(30, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void berthdRunsContainersThroughItAndItsEventsTellTheLifecycle() throws Exception {
    List<Event> seen = new CopyOnWriteArrayList<>();
    try (SupervisorConnection connection = new SupervisorConnection(socket());
        SupervisorClient.EventStream events = new SupervisorClient(connection.channel()).subscribe(null, List.of())) {
      Thread reader = Thread.ofVirtual().start(() -> {
        try {
          while (true) seen.add(events.next());
        } catch (RuntimeException e) {
          // the stream was closed
        }
      });
      Thread.sleep(200); // the subscription is live before the container starts
      assertEquals("hi", berthd.docker("run", "--rm", "busybox", "sh", "-c", "echo hi; exit 3").out().strip());
      String id = null;
      for (int i = 0; i < 100 && (id == null || topicsOf(seen, id).size() < 6); i++) {
        id = seen.isEmpty() ? null : seen.get(0).getContainerId();
        Thread.sleep(50);
      }
      assertEquals(List.of("/containers/create", "/tasks/create", "/tasks/start", "/tasks/exit", "/tasks/delete",
          "/containers/delete"), topicsOf(seen, id));
      Event exit = seen.stream().filter(e -> e.getTopic().equals("/tasks/exit")).findFirst().orElseThrow();
      assertEquals(3, exit.getExit().getExitCode());
      events.close();
      reader.join(5000);
    }
  }

  @Test
  void aSecondSupervisorOnTheSameDataRootIsRefused() {
    Cmd.Result second = Cmd.run(List.of(BerthHome.root().resolve("bin/berth-supervisor").toString(), "--address",
        "unix://" + dir.resolve("other.sock"), "--data-root", dir.resolve("data").toString(), "--exec-root",
        dir.resolve("run").toString()), Map.of(), null, 60);
    assertEquals(1, second.exit());
    assertTrue(second.err().contains("another supervisor (pid " + supervisor.pid() + ") is running"), second.err());
  }

  @Test
  void containersOutliveASupervisorRestart() throws Exception {
    String id = berthd.docker("run", "-d", "busybox", "sleep", "1000").ok().out().strip();
    long pid = Long.parseLong(berthd.docker("inspect", "-f", "{{.State.Pid}}", id).ok().out().strip());
    supervisor.destroyForcibly().waitFor();
    assertTrue(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "the container died with its supervisor");
    supervisor = startSupervisor();
    // berthd's channel reconnects by itself: exec and stop reach the container again.
    String out = "";
    for (int i = 0; i < 50 && !out.equals("still here"); i++) {
      out = berthd.docker("exec", id, "echo", "still here").out().strip();
      if (!out.equals("still here")) Thread.sleep(100);
    }
    assertEquals("still here", out);
    berthd.docker("stop", "-t", "1", id).ok();
    berthd.docker("rm", id).ok();
  }

  private static List<String> topicsOf(List<Event> events, String id) {
    List<String> topics = new ArrayList<>();
    for (Event e : events) if (e.getContainerId().equals(id)) topics.add(e.getTopic());
    return topics;
  }
}
