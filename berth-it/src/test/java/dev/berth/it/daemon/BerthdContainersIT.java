package dev.berth.it.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.it.fixtures.BerthHome;
import dev.berth.it.fixtures.Berthd;
import dev.berth.it.fixtures.Cmd;
import dev.berth.it.fixtures.HostState;
import dev.berth.it.fixtures.PrivateDockerd;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 4: the real docker CLIs (28.2 and Debian's 20.10) run containers on bin/berthd, as a user
 * would: foreground, detached, with stdin, with a pty, and across a berthd crash (live restore).
 */
class BerthdContainersIT {
  private static final String NEW_CLI = "/usr/local/bin/docker";
  private static final String OLD_CLI = "/usr/bin/docker";
  private static Berthd berthd;

  @BeforeAll
  static void start() throws Exception {
    // Short: a shim's socket lives in <data-root>/tasks/<64-hex id>/ and must fit sun_path's 107 bytes.
    Path dir = Files.createDirectories(Path.of("/tmp/bd" + ProcessHandle.current().pid()));
    berthd = Berthd.start(dir);
    Cmd.run(List.of(BerthHome.root().resolve("scripts/make-base-images.sh").toString(), dir.resolve("images").toString()),
        Map.of(), null, 300).ok();
    berthd.docker("load", "-i", dir.resolve("images/busybox.tar").toString()).ok();
    berthd.docker("load", "-i", dir.resolve("images/hello-world.tar").toString()).ok();
  }

  @AfterAll
  static void stop() throws Exception {
    if (berthd != null) berthd.close();
  }

  /** The shims of this berthd that run now. */
  private static long shims() {
    String root = berthd.dataRoot().toString();
    return ProcessHandle.allProcesses().filter(p -> p.info().commandLine()
        .map(c -> c.contains("berth-shim") && c.contains(root)).orElse(false)).count();
  }

  /** Waits until only {@code count} shims of this berthd run (one told to go exits within moments). */
  private static void awaitShims(long count) {
    for (int i = 0; i < 100 && shims() > count; i++) {
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
    assertEquals(count, shims(), "shims of " + berthd.dataRoot() + " left running");
  }

  @ParameterizedTest
  @ValueSource(strings = {NEW_CLI, OLD_CLI})
  void foregroundRunsPrintAndPassExitCodes(String cli) {
    assertEquals("hi", berthd.dockerWith(cli, "run", "--rm", "busybox", "echo", "hi").ok().out().strip());
    assertTrue(berthd.dockerWith(cli, "run", "--rm", "hello-world").ok().out().contains("Hello from Berth!"));
    assertEquals(3, berthd.dockerWith(cli, "run", "--rm", "busybox", "sh", "-c", "echo out; echo err >&2; exit 3").exit());
    Cmd.Result both = berthd.dockerWith(cli, "run", "--rm", "busybox", "sh", "-c", "echo out; echo err >&2");
    assertEquals("out", both.out().strip());
    assertEquals("err", both.err().strip());
    assertEquals("", berthd.dockerWith(cli, "ps", "-aq").ok().out().strip(), "--rm left a container");
  }

  @Test
  void sizesOfWhatAContainerWroteInInspectPsAndSystemDf() {
    berthd.docker("run", "--name", "sz", "busybox", "dd", "if=/dev/zero", "of=/data", "bs=1024", "count=300").ok();
    assertEquals("307200", berthd.docker("inspect", "-s", "-f", "{{.SizeRw}}", "sz").ok().out().strip());
    long rootFs = Long.parseLong(berthd.docker("inspect", "-s", "-f", "{{.SizeRootFs}}", "sz").ok().out().strip());
    assertTrue(rootFs > 307200, "SizeRootFs counts the image too: " + rootFs);
    String ps = berthd.docker("ps", "-a", "-s", "--filter", "name=sz", "--format", "{{.Size}}").ok().out();
    assertTrue(ps.startsWith("307kB (virtual "), ps);
    String df = berthd.docker("system", "df", "-v").ok().out();
    assertTrue(df.lines().anyMatch(l -> l.contains(" sz") && l.contains("307kB")), df);
    berthd.docker("rm", "sz").ok();
  }

  @Test
  void healthchecksTurnHealthyThenUnhealthy() throws Exception {
    berthd.docker("run", "-d", "--name", "hc", "--health-cmd", "test -f /tmp/ok", "--health-interval", "200ms",
        "--health-retries", "2", "busybox", "sh", "-c", "touch /tmp/ok; sleep 1000").ok();
    assertEquals("healthy", awaitHealth("hc", "healthy"));
    assertTrue(berthd.docker("ps", "--format", "{{.Status}}", "--filter", "name=hc").ok().out().contains("(healthy)"));
    berthd.docker("exec", "hc", "rm", "/tmp/ok").ok();
    assertEquals("unhealthy", awaitHealth("hc", "unhealthy"));
    String log = berthd.docker("inspect", "-f", "{{range .State.Health.Log}}{{.ExitCode}} {{end}}", "hc").ok().out();
    assertTrue(log.contains("0") && log.contains("1"), log);
    berthd.docker("rm", "-f", "hc").ok();
  }

  private static String awaitHealth(String name, String wanted) {
    String status = "";
    for (int i = 0; i < 100 && !status.equals(wanted); i++) {
      sleepQuietly(100);
      status = berthd.docker("inspect", "-f", "{{.State.Health.Status}}", name).ok().out().strip();
    }
    return status;
  }

  @Test
  void initRunsFirstReapsAndForwardsSignals() {
    String ps = berthd.docker("run", "--rm", "--init", "busybox", "ps", "-o", "pid,args").ok().out();
    assertTrue(ps.lines().anyMatch(l -> l.strip().startsWith("1 /sbin/docker-init -- ps")), ps);
    assertEquals(5, berthd.docker("run", "--rm", "--init", "busybox", "sh", "-c", "exit 5").exit());
    berthd.docker("run", "-d", "--init", "--name", "ini", "busybox", "sleep", "1000").ok();
    long t0 = System.nanoTime();
    berthd.docker("stop", "ini").ok(); // sleep as PID 1 would ignore SIGTERM and take the 10 s timeout
    assertTrue(System.nanoTime() - t0 < 5_000_000_000L, "SIGTERM was not forwarded to the command");
    assertEquals("143", berthd.docker("inspect", "-f", "{{.State.ExitCode}}", "ini").ok().out().strip());
    berthd.docker("rm", "ini").ok();
  }

  @Test
  void usersAreLookedUpInTheImage() {
    assertEquals("uid=65534(nobody) gid=65534(nogroup) groups=65534(nogroup) /nonexistent",
        berthd.docker("run", "--rm", "--user", "nobody", "busybox", "sh", "-c", "echo $(id) $HOME").ok().out().strip());
    assertEquals("uid=0(root) gid=0(root) groups=0(root) /root",
        berthd.docker("run", "--rm", "busybox", "sh", "-c", "echo $(id) $HOME").ok().out().strip());
    long shims = shims();
    Cmd.Result unknown = berthd.docker("run", "--rm", "--user", "nosuchuser", "busybox", "id");
    assertNotEquals(0, unknown.exit());
    assertTrue(unknown.err().contains("unable to find user nosuchuser"), unknown.err());
    // The shim, started while the bundle was made, is told to go when the bundle cannot be.
    awaitShims(shims);
    berthd.docker("run", "-d", "--name", "usr", "--user", "nobody", "busybox", "sleep", "1000").ok();
    assertTrue(berthd.docker("exec", "usr", "id").ok().out().startsWith("uid=65534(nobody)"),
        "exec does not run as the container's user");
    assertTrue(berthd.docker("exec", "-u", "root", "usr", "id").ok().out().startsWith("uid=0(root)"));
    berthd.docker("rm", "-f", "usr").ok();
  }

  @ParameterizedTest
  @ValueSource(strings = {NEW_CLI, OLD_CLI})
  void stdinIsPipedIn(String cli) {
    Cmd.Result r = Cmd.run(List.of("sh", "-c", "printf 'one\\ntwo\\n' | " + cli + " run --rm -i busybox wc -l"),
        Map.of("DOCKER_HOST", "unix://" + berthd.socket()), null, 60).ok();
    assertEquals("2", r.out().strip());
  }

  @Test
  void aTerminalHasTheClientsSize() {
    Cmd.Result r = Cmd.run(List.of("script", "-qec",
        "stty rows 33 cols 101; " + NEW_CLI + " run -it --rm busybox sh -c 'tty; stty size'", "/dev/null"),
        Map.of("DOCKER_HOST", "unix://" + berthd.socket()), null, 60).ok();
    assertTrue(r.out().contains("/dev/pts/0"), r.out());
    assertTrue(r.out().contains("33 101"), r.out());
  }

  @ParameterizedTest
  @ValueSource(strings = {NEW_CLI, OLD_CLI})
  void detachedContainersLogStopAndGo(String cli) throws Exception {
    String name = "web" + Math.abs(cli.hashCode() % 1000);
    String id = berthd.dockerWith(cli, "run", "-d", "--name", name, "busybox", "sh", "-c",
        "trap 'echo bye; exit 0' TERM; echo started; echo oops >&2; while true; do sleep 0.1; done").ok().out().strip();
    assertEquals(64, id.length(), id);
    waitForLog(cli, name, "started");
    assertTrue(berthd.dockerWith(cli, "ps").ok().out().contains(name));
    assertEquals("running true", berthd.dockerWith(cli, "inspect", "-f", "{{.State.Status}} {{.State.Running}}", name)
        .ok().out().strip());
    Cmd.Result logs = berthd.dockerWith(cli, "logs", name).ok();
    assertEquals("started", logs.out().strip());
    assertEquals("oops", logs.err().strip());
    berthd.dockerWith(cli, "stop", name).ok();
    assertEquals("exited 0", berthd.dockerWith(cli, "inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", name)
        .ok().out().strip());
    assertTrue(berthd.dockerWith(cli, "logs", name).ok().out().contains("bye"));
    assertTrue(berthd.dockerWith(cli, "ps", "-a", "--filter", "status=exited").ok().out().contains(name));
    berthd.dockerWith(cli, "rm", name).ok();
    assertNotEquals(0, berthd.dockerWith(cli, "inspect", name).exit());
    assertNothingLeftOf(id);
  }

  @Test
  void killWaitStartAndRestart() {
    berthd.docker("run", "-d", "--name", "kw", "busybox", "sleep", "1000").ok();
    berthd.docker("kill", "kw").ok();
    assertEquals("137", berthd.docker("wait", "kw").ok().out().strip());
    berthd.docker("start", "kw").ok();
    String pid = berthd.docker("inspect", "-f", "{{.State.Pid}}", "kw").ok().out().strip();
    berthd.docker("restart", "-t", "1", "kw").ok();
    assertNotEquals(pid, berthd.docker("inspect", "-f", "{{.State.Pid}}", "kw").ok().out().strip());
    assertEquals("running", berthd.docker("inspect", "-f", "{{.State.Status}}", "kw").ok().out().strip());
    Cmd.Result refused = berthd.docker("rm", "kw");
    assertEquals(1, refused.exit());
    assertTrue(refused.err().contains("container is running"), refused.err());
    berthd.docker("rm", "-f", "kw").ok();
  }

  @Test
  void badInputIsRefusedAndLeavesNothing() throws Exception {
    Cmd.Result noImage = berthd.docker("create", "--pull", "never", "nosuchimage");
    assertNotEquals(0, noImage.exit());
    assertTrue(noImage.err().contains("No such image"), noImage.err());
    Cmd.Result badName = berthd.docker("create", "--name", "bad name!", "busybox");
    assertTrue(badName.err().contains("Invalid container name"), badName.err());
    Cmd.Result badBind = berthd.docker("create", "-v", "relative:/x:zz", "busybox");
    assertNotEquals(0, badBind.exit());
    Cmd.Result noCommand = berthd.docker("run", "--rm", "busybox", "/no/such/program");
    assertNotEquals(0, noCommand.exit());
    assertTrue(noCommand.err().contains("/no/such/program"), noCommand.err());
    assertEquals("", berthd.docker("ps", "-aq").ok().out().strip());
    try (Stream<Path> bundles = Files.list(berthd.dir().resolve("run/bundles"))) {
      assertEquals(0, bundles.count(), "a failed run left a bundle");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {NEW_CLI, OLD_CLI})
  void execRunsInTheContainer(String cli) throws Exception {
    String name = "ex" + Math.abs(cli.hashCode() % 1000);
    berthd.dockerWith(cli, "run", "-d", "--name", name, "busybox", "sleep", "1000").ok();
    assertEquals("hi", berthd.dockerWith(cli, "exec", name, "echo", "hi").ok().out().strip());
    assertEquals(5, berthd.dockerWith(cli, "exec", name, "sh", "-c", "exit 5").exit());
    assertEquals("uid=1000 gid=0(root)", berthd.dockerWith(cli, "exec", "-u", "1000", name, "id").ok().out().strip());
    assertEquals("bar /tmp", berthd.dockerWith(cli, "exec", "-e", "FOO=bar", "-w", "/tmp", name, "sh", "-c",
        "echo $FOO $(pwd)").ok().out().strip());
    Cmd.Result piped = Cmd.run(List.of("sh", "-c", "echo in | " + cli + " exec -i " + name + " cat"),
        Map.of("DOCKER_HOST", "unix://" + berthd.socket()), null, 60).ok();
    assertEquals("in", piped.out().strip());
    berthd.dockerWith(cli, "exec", "-d", name, "sh", "-c", "echo x > /tmp/done").ok();
    for (int i = 0; i < 50 && berthd.dockerWith(cli, "exec", name, "cat", "/tmp/done").exit() != 0; i++) Thread.sleep(50);
    assertEquals("x", berthd.dockerWith(cli, "exec", name, "cat", "/tmp/done").ok().out().strip());
    String id = berthd.dockerWith(cli, "inspect", "-f", "{{.Id}}", name).ok().out().strip();
    Path taskDir = berthd.dataRoot().resolve("tasks").resolve(id);
    assertTrue(execFiles(taskDir) > 0, "each exec has its pid and exit files while the container runs");
    berthd.dockerWith(cli, "stop", "-t", "1", name).ok();
    assertEquals(0, execFiles(taskDir), "the execs' files go with their task");
    berthd.dockerWith(cli, "rm", "-f", name).ok();
    assertNotEquals(0, berthd.dockerWith(cli, "exec", name, "true").exit());
  }

  @ParameterizedTest
  @ValueSource(strings = {"berth", "runc"})
  void topPauseUnpauseAndRename(String runtime) {
    String name = "tp-" + runtime;
    berthd.docker("run", "-d", "--runtime", runtime, "--name", name, "busybox", "sleep", "1000").ok();
    String top = berthd.docker("top", name).ok().out();
    assertTrue(top.contains("PID") && top.contains("sleep 1000"), top);
    berthd.docker("pause", name).ok();
    assertEquals("paused", berthd.docker("inspect", "-f", "{{.State.Status}}", name).ok().out().strip());
    String frozen = berthd.docker("ps", "--format", "{{.Status}}", "--filter", "name=" + name).ok().out();
    assertTrue(frozen.contains("(Paused)"), frozen);
    assertTrue(berthd.docker("pause", name).err().contains("already paused"));
    berthd.docker("unpause", name).ok();
    berthd.docker("rename", name, name + "-new").ok();
    assertEquals("running /" + name + "-new",
        berthd.docker("inspect", "-f", "{{.State.Status}} {{.Name}}", name + "-new").ok().out().strip());
    berthd.docker("rm", "-f", name + "-new").ok();
  }

  @Test
  void restartPoliciesBringContainersBack() throws Exception {
    berthd.docker("run", "-d", "--name", "onfail", "--restart", "on-failure:2", "busybox", "sh", "-c",
        "echo run; exit 2").ok();
    berthd.docker("run", "-d", "--name", "always", "--restart", "always", "busybox", "sh", "-c", "sleep 0.2").ok();
    String onfail = "";
    for (int i = 0; i < 100 && !onfail.equals("exited 2"); i++) {
      Thread.sleep(100);
      onfail = berthd.docker("inspect", "-f", "{{.State.Status}} {{.RestartCount}}", "onfail").ok().out().strip();
    }
    assertEquals("exited 2", onfail, "on-failure:2 restarts twice, then stays exited");
    assertEquals(3, berthd.docker("logs", "onfail").ok().out().lines().count());
    for (int i = 0; i < 100 && berthd.docker("inspect", "-f", "{{.RestartCount}}", "always").ok().out().strip()
        .equals("0"); i++) {
      Thread.sleep(100);
    }
    berthd.docker("stop", "always").ok();
    Thread.sleep(500);
    assertEquals("exited", berthd.docker("inspect", "-f", "{{.State.Status}}", "always").ok().out().strip(),
        "a stopped container stays stopped whatever its policy");
    berthd.docker("rm", "onfail", "always").ok();
  }

  @ParameterizedTest
  @ValueSource(strings = {NEW_CLI, OLD_CLI})
  void eventsTellTheLifeOfAContainer(String cli) {
    String name = "ev" + Math.abs(cli.hashCode() % 1000);
    long since = System.currentTimeMillis() / 1000 - 1;
    berthd.dockerWith(cli, "run", "--rm", "--name", name, "busybox", "sh", "-c", "exit 3");
    String until = Long.toString(System.currentTimeMillis() / 1000 + 1);
    String actions = berthd.dockerWith(cli, "events", "--since", Long.toString(since), "--until", until, "--filter",
        "container=" + name, "--format", "{{.Action}}").ok().out();
    assertEquals(List.of("create", "start", "die", "destroy"), actions.lines().toList());
    String died = berthd.dockerWith(cli, "events", "--since", Long.toString(since), "--until", until, "--filter",
        "event=die", "--filter", "container=" + name, "--format", "{{.Actor.Attributes.exitCode}}").ok().out();
    assertEquals("3", died.strip());
  }

  @Test
  void exportAndCommitSeeTheContainersChanges() {
    berthd.docker("run", "-d", "--name", "chg", "busybox", "sh", "-c",
        "echo data > /hello; rm /bin/ls; sleep 1000").ok();
    for (int i = 0; i < 50 && !berthd.docker("exec", "chg", "cat", "/hello").out().contains("data"); i++) {
      sleepQuietly(100);
    }
    Path tar = berthd.dir().resolve("chg.tar");
    berthd.docker("export", "-o", tar.toString(), "chg").ok();
    String listing = Cmd.run("tar", "-tf", tar.toString()).ok().out();
    assertTrue(listing.lines().anyMatch(l -> l.equals("hello")), "export lacks the new file");
    assertTrue(listing.lines().anyMatch(l -> l.equals("bin/cat")), "export lacks the image's files");
    assertFalse(listing.lines().anyMatch(l -> l.equals("bin/ls")), "export has a file the container removed");
    assertEquals(List.of("C /bin", "D /bin/ls", "A /hello"), berthd.docker("diff", "chg").ok().out().lines().toList());
    String id = berthd.docker("commit", "-m", "my change", "-c", "CMD [\"cat\", \"/hello\"]", "chg", "snap:1")
        .ok().out().strip();
    assertTrue(id.startsWith("sha256:"), id);
    assertEquals("running", berthd.docker("inspect", "-f", "{{.State.Status}}", "chg").ok().out().strip(),
        "commit left the container paused");
    assertEquals("data", berthd.docker("run", "--rm", "snap:1").ok().out().strip());
    Path saved = berthd.dir().resolve("snap.tar");
    berthd.docker("save", "-o", saved.toString(), "snap:1").ok();
    List<String> inLayers = Cmd.run("sh", "-c", "tar -xOf " + saved + " --wildcards '*.tar' | tar -ti").ok().out()
        .lines().toList();
    assertTrue(inLayers.contains("hello"), "the committed layer was not read: " + inLayers);
    assertFalse(inLayers.contains("etc/hosts") || inLayers.contains("etc/resolv.conf"),
        "the commit carries the runtime's mount points");
    assertNotEquals(0, berthd.docker("run", "--rm", "snap:1", "ls").exit(), "the removal was not committed");
    berthd.docker("rm", "-f", "chg").ok();
    berthd.docker("rmi", "snap:1").ok();
  }

  @ParameterizedTest
  @ValueSource(strings = {NEW_CLI, OLD_CLI})
  void cpCopiesBothWaysAndStaysInside(String cli) throws Exception {
    String name = "cp" + Math.abs(cli.hashCode() % 1000);
    Path src = Files.createDirectories(berthd.dir().resolve(name + "-src/sub"));
    Files.writeString(src.resolve("b.txt"), "deep\n");
    berthd.dockerWith(cli, "run", "-d", "--name", name, "busybox", "sh", "-c",
        "mkdir /data; echo indata > /data/x; ln -s /etc /data/etclink; sleep 1000").ok();
    for (int i = 0; i < 50 && berthd.dockerWith(cli, "exec", name, "test", "-L", "/data/etclink").exit() != 0; i++) {
      sleepQuietly(100);
    }
    berthd.dockerWith(cli, "cp", src.getParent().toString(), name + ":/tmp/in").ok();
    assertEquals("deep", berthd.dockerWith(cli, "exec", name, "cat", "/tmp/in/sub/b.txt").ok().out().strip());
    Path out = Files.createDirectories(berthd.dir().resolve(name + "-out"));
    berthd.dockerWith(cli, "cp", name + ":/data", out.toString()).ok();
    assertEquals("indata\n", Files.readString(out.resolve("data/x")));
    assertTrue(Files.isSymbolicLink(out.resolve("data/etclink")), "a link was copied as its target");
    // The link points at the container's /etc, never the host's.
    berthd.dockerWith(cli, "cp", name + ":/data/etclink/passwd", out.resolve("passwd").toString()).ok();
    assertNotEquals(Files.readString(Path.of("/etc/passwd")), Files.readString(out.resolve("passwd")));
    assertNotEquals(0, berthd.dockerWith(cli, "cp", name + ":/nonexistent", out.toString()).exit());
    berthd.dockerWith(cli, "stop", "-t", "0", name).ok();
    berthd.dockerWith(cli, "cp", src.resolve("b.txt").toString(), name + ":/stopped.txt").ok();
    berthd.dockerWith(cli, "start", name).ok();
    assertEquals("deep", berthd.dockerWith(cli, "exec", name, "cat", "/stopped.txt").ok().out().strip());
    berthd.dockerWith(cli, "rm", "-f", name).ok();
  }

  @ParameterizedTest
  @ValueSource(strings = {"berth", "runc"})
  void updateChangesLimitsNowAndForLaterStarts(String runtime) {
    String name = "up-" + runtime;
    berthd.docker("run", "-d", "--runtime", runtime, "--name", name, "-m", "64m", "busybox", "sleep", "1000").ok();
    berthd.docker("update", "-m", "128m", "--memory-swap", "256m", "--pids-limit", "30", name).ok();
    String limits = "cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max";
    assertEquals(List.of("134217728", "30"), berthd.docker("exec", name, "sh", "-c", limits).ok().out().lines().toList());
    berthd.docker("restart", "-t", "0", name).ok();
    assertEquals(List.of("134217728", "30"), berthd.docker("exec", name, "sh", "-c", limits).ok().out().lines().toList());
    assertNotEquals(0, berthd.docker("update", "--restart", "sometimes", name).exit());
    berthd.docker("rm", "-f", name).ok();
  }

  @ParameterizedTest
  @ValueSource(strings = {"berth", "runc"})
  void statsReportTheCgroupsCounters(String runtime) {
    String name = "st-" + runtime;
    berthd.docker("run", "-d", "--runtime", runtime, "--name", name, "-m", "64m", "--pids-limit", "50", "busybox",
        "sh", "-c", "while true; do :; done").ok();
    String row = berthd.docker("stats", "--no-stream", "--format", "{{.Name}} {{.MemUsage}} {{.PIDs}} {{.CPUPerc}}",
        name).ok().out().strip();
    assertTrue(row.startsWith(name + " ") && row.contains("/ 64MiB") && row.contains(" 1 "), row);
    double cpu = Double.parseDouble(row.substring(row.lastIndexOf(' ') + 1).replace("%", ""));
    assertTrue(cpu > 20, "a busy loop shows as idle: " + row);
    berthd.docker("rm", "-f", name).ok();
  }

  /**
   * `docker rmi` of an image containers use, as a private dockerd 20.10 answers (messages and exit
   * codes checked there): by name, forced, a running container's image loses the name and stays,
   * dangling; by id it cannot be forced while running; once stopped, forced, it is deleted and the
   * container keeps its id and its layers: it starts again, and its layers go with it.
   */
  @Test
  void rmiOfAnImageContainersUseIsDockers() throws Exception {
    List<String> layers = layerSnapshots();
    try {
      berthd.docker("run", "--name", "base", "busybox", "touch", "/made").ok();
      String image = berthd.docker("commit", "base", "solo:1").ok().out().strip();
      String shortImage = image.substring(7, 19);
      berthd.docker("rm", "base").ok();
      String user = berthd.docker("run", "-d", "--name", "user", "solo:1", "sleep", "1000").ok().out().strip()
          .substring(0, 12);

      Cmd.Result unforced = berthd.docker("rmi", "solo:1");
      assertEquals(1, unforced.exit());
      assertEquals("Error response from daemon: conflict: unable to remove repository reference \"solo:1\" (must force) -"
          + " container " + user + " is using its referenced image " + shortImage, unforced.err().strip());
      Cmd.Result runningById = berthd.docker("rmi", "-f", shortImage);
      assertEquals(1, runningById.exit());
      assertEquals("Error response from daemon: conflict: unable to delete " + shortImage + " (cannot be forced) - image"
          + " is being used by running container " + user, runningById.err().strip());
      assertEquals("Untagged: solo:1", berthd.docker("rmi", "-f", "solo:1").ok().out().strip());
      assertTrue(berthd.docker("images", "-q", "--filter", "dangling=true").ok().out().contains(shortImage),
          "the image of a running container went with its last name");
      assertEquals(shortImage, berthd.docker("ps", "--filter", "name=user", "--format", "{{.Image}}").ok().out().strip());

      berthd.docker("stop", "-t", "0", "user").ok();
      Cmd.Result stoppedById = berthd.docker("rmi", shortImage);
      assertEquals(1, stoppedById.exit());
      assertEquals("Error response from daemon: conflict: unable to delete " + shortImage + " (must be forced) - image"
          + " is being used by stopped container " + user, stoppedById.err().strip());
      berthd.docker("image", "prune", "-f").ok();
      assertEquals("Deleted: " + image, berthd.docker("rmi", "-f", shortImage).ok().out().strip());
      assertFalse(berthd.docker("images", "-aq").ok().out().contains(shortImage));
      assertEquals(image, berthd.docker("inspect", "-f", "{{.Image}}", "user").ok().out().strip());
      berthd.docker("start", "user").ok(); // its layers are still held by its snapshot
      berthd.docker("exec", "user", "ls", "/made").ok();
      assertEquals(shortImage, berthd.docker("ps", "--filter", "name=user", "--format", "{{.Image}}").ok().out().strip());
      berthd.docker("rm", "-f", "user").ok();
      assertEquals(layers, layerSnapshots(), "the deleted image's layers outlived its last container");
    } finally {
      berthd.docker("rm", "-f", "base", "user");
      berthd.docker("rmi", "-f", "solo:1");
    }
  }

  private static List<String> layerSnapshots() throws java.io.IOException {
    try (Stream<Path> s = Files.list(berthd.dataRoot().resolve("snapshots/layers"))) {
      return s.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith(".")).sorted().toList();
    }
  }

  private static void sleepQuietly(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Test
  void otherRuntimesRunTheSameContainers() {
    assertEquals("via-runc", berthd.docker("run", "--rm", "--runtime", "runc", "busybox", "echo", "via-runc")
        .ok().out().strip());
  }

  @Test
  void containersOutliveACrashedDaemon() throws Exception {
    berthd.docker("run", "-d", "--name", "live", "busybox", "sh", "-c",
        "i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.2; done").ok();
    berthd.docker("run", "-d", "--name", "brief", "busybox", "sh", "-c", "sleep 1; exit 7").ok();
    waitForLog(NEW_CLI, "live", "tick 1");
    berthd.kill9();
    Thread.sleep(2500); // "brief" exits while no daemon runs
    berthd.launch();
    assertEquals("running", berthd.docker("inspect", "-f", "{{.State.Status}}", "live").ok().out().strip());
    assertEquals("exited 7", berthd.docker("inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", "brief")
        .ok().out().strip());
    String logs = berthd.docker("logs", "live").ok().out();
    assertTrue(logs.contains("tick 10"), "the container did not keep logging while berthd was down: " + logs);
    assertEquals("inside", berthd.docker("exec", "live", "echo", "inside").ok().out().strip());
    Map<String, String> env = Map.of("DOCKER_HOST", "unix://" + berthd.socket());
    String followed = Cmd.run(List.of("timeout", "2", NEW_CLI, "logs", "-f", "--tail", "0", "live"), env, null, 30).out();
    assertTrue(followed.contains("tick"), "logs -f after a restart saw no new line: " + followed);
    String attached = Cmd.run(List.of("timeout", "-s", "KILL", "2", NEW_CLI, "attach", "--no-stdin", "--sig-proxy=false", "live"), env, null, 30).out();
    assertTrue(attached.contains("tick"), "attach after a restart saw no output: " + attached);
    berthd.docker("stop", "-t", "1", "live").ok();
    assertEquals("exited", berthd.docker("inspect", "-f", "{{.State.Status}}", "live").ok().out().strip());
    berthd.docker("rm", "live", "brief").ok();
  }

  @Test
  void aKilledShimStopsItsContainerAndSaysSo() throws Exception {
    String running = berthd.docker("run", "-d", "--name", "orphan", "busybox", "sleep", "1000").ok().out().strip();
    killShim(running);
    String state = "";
    for (int i = 0; i < 100 && !state.startsWith("exited"); i++) {
      sleepQuietly(100);
      state = berthd.docker("inspect", "-f", "{{.State.Status}} {{.State.ExitCode}} {{.State.Error}}", "orphan")
          .ok().out().strip();
    }
    assertTrue(state.startsWith("exited 137 the container's shim died"), state);
    berthd.docker("rm", "orphan").ok();
    assertNothingLeftOf(running);

    // Both gone at once: the restarted daemon finds the task without its shim and stops it.
    String both = berthd.docker("run", "-d", "--name", "orphan2", "busybox", "sleep", "1000").ok().out().strip();
    berthd.kill9();
    killShim(both);
    berthd.launch();
    assertTrue(berthd.docker("inspect", "-f", "{{.State.Status}} {{.State.ExitCode}} {{.State.Error}}", "orphan2")
        .ok().out().strip().startsWith("exited 137 the container's shim died"));
    berthd.docker("rm", "orphan2").ok();
    assertNothingLeftOf(both);
  }

  @Test
  void aCrashMidCreateOrMidRemoveIsSettledAtTheNextStart() throws Exception {
    String halfCreated = berthd.docker("create", "--name", "half", "busybox", "true").ok().out().strip();
    String halfRemoved = berthd.docker("create", "--name", "going", "busybox", "true").ok().out().strip();
    berthd.kill9();
    // As if berthd had died between its record and the supervisor's create, and during a remove.
    PrivateDockerd.deleteTree(berthd.dataRoot().resolve("supervisor/containers").resolve(halfCreated));
    Path record = berthd.dataRoot().resolve("containers").resolve(halfRemoved).resolve("container.json");
    Files.writeString(record, Files.readString(record).replace("\"status\":\"created\"", "\"status\":\"removing\""));
    berthd.launch();
    assertEquals("", berthd.docker("ps", "-aq", "--filter", "name=half").ok().out().strip());
    assertEquals("", berthd.docker("ps", "-aq", "--filter", "name=going").ok().out().strip());
    assertNothingLeftOf(halfRemoved);
    assertFalse(Files.exists(berthd.dataRoot().resolve("supervisor/containers").resolve(halfRemoved)));
    assertTrue(berthd.log().contains("dropped container " + halfCreated), berthd.log());
    assertFalse(Files.exists(berthd.dataRoot().resolve("snapshots/containers").resolve(halfCreated)),
        "the half-created container's snapshot is left");
    // The names are free again.
    berthd.docker("create", "--name", "half", "busybox", "true").ok();
    berthd.docker("rm", "half").ok();
  }

  private static long execFiles(Path taskDir) throws java.io.IOException {
    try (var files = Files.list(taskDir)) {
      return files.filter(f -> f.getFileName().toString().startsWith("exec-")).count();
    }
  }

  private static void killShim(String id) throws Exception {
    long pid = Long.parseLong(Files.readString(berthd.dataRoot().resolve("tasks").resolve(id).resolve("shim.pid")).strip());
    ProcessHandle shim = ProcessHandle.of(pid).orElseThrow();
    shim.destroyForcibly();
    shim.onExit().get();
  }

  private static void waitForLog(String cli, String name, String text) throws InterruptedException {
    for (int i = 0; i < 100; i++) {
      if (berthd.dockerWith(cli, "logs", name).out().contains(text)) return;
      Thread.sleep(50);
    }
    throw new AssertionError("no \"" + text + "\" in the log of " + name);
  }

  private static void assertNothingLeftOf(String id) {
    assertFalse(HostState.mountPoints().stream().anyMatch(p -> p.contains(id)), "a mount of " + id + " is left");
    assertTrue(HostState.cgroupsNamed(id).isEmpty(), "a cgroup of " + id + " is left");
    assertFalse(Files.exists(berthd.dataRoot().resolve("containers").resolve(id)), "the container dir is left");
    assertFalse(Files.exists(berthd.dataRoot().resolve("tasks").resolve(id)), "the task dir is left");
    assertFalse(Files.exists(berthd.dir().resolve("run/bundles").resolve(id)), "the bundle is left");
  }
}
