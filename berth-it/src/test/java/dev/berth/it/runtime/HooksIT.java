package dev.berth.it.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.it.fixtures.BusyboxBundle;
import dev.berth.it.fixtures.Cmd;
import dev.berth.it.fixtures.HostState;
import dev.berth.it.fixtures.OciRuntime;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The six hook kinds under runc and berth-runtime: the order they run in, the state each reads on
 * stdin, its argv, env, working directory and namespaces (createContainer and startContainer in the
 * container's, the others in the runtime's), hook output kept out of the container's, and timeouts
 * that fail the operation, leave nothing behind and still run the poststop hooks.
 *
 * <p>One place where runc 1.1.5 is not followed: it runs poststart hooks during
 * `create`, before the container's process even starts, with status "created" (runc fixed this after
 * 1.1, PR 5186). berth-runtime runs them as the spec says, after the process started, with status
 * "running"; everything else is compared with runc as it is.
 */
class HooksIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String ID = "hooks-" + ProcessHandle.current().pid();
  private static final List<String> KINDS = List.of("prestart", "createRuntime", "createContainer",
      "startContainer", "poststart", "poststop");
  /**
   * What a hook reports, run as `busybox sh -c REPORT kind dir`: its argv[0] (busybox runs sh only when
   * called so), args, env, working directory, host name, namespaces and stdin, into dir/kind.txt; and
   * its kind onto dir/order.
   */
  private static final String REPORT = "{ echo \"argv0=$(tr '\\0' '\\n' < /proc/$$/cmdline | head -n 1)\"; "
      + "echo \"args=$0 $1\"; env | sort | sed 's/^/env./'; echo \"cwd=$(pwd)\"; echo \"hostname=$(hostname)\"; "
      + "for n in mnt pid net uts ipc; do echo \"ns.$n=$(readlink /proc/self/ns/$n)\"; done; "
      + "echo \"stdin=$(cat)\"; } > $1/$0.txt; echo $0 >> $1/order; "
      + "echo \"$0 writes to its stdout\"; echo \"$0 writes to its stderr\" >&2";

  @TempDir Path tmp;
  private OciRuntime runc;
  private OciRuntime berth;
  private BusyboxBundle bundle;
  private Path reports;

  @BeforeEach
  void setUp() throws IOException {
    runc = OciRuntime.runc(tmp.resolve("state"));
    berth = OciRuntime.berth(tmp.resolve("state"));
    Files.createDirectories(runc.root());
    bundle = BusyboxBundle.create(tmp.resolve("bundle"), "sh", "-c",
        "for n in mnt pid net uts ipc; do echo \"ns.$n=$(readlink /proc/self/ns/$n)\"; done > /hooks/process.txt; "
            + "echo process >> /hooks/order; echo the process writes to its stdout");
    reports = bundle.rootfs().resolve("hooks");
    bundle.edit(c -> {
      ((ObjectNode) c.get("root")).put("readonly", false);
      c.putObject("annotations").put("it.berth/test", "hooks");
    });
  }

  @AfterEach
  void cleanUp() {
    runc.forceDelete(ID);
    berth.forceDelete(ID);
  }

  /** Every kind reports; startContainer runs inside the container, where the rootfs is /. */
  private void reportingHooks(ObjectNode c) {
    ObjectNode hooks = c.putObject("hooks");
    for (String kind : KINDS) {
      String dir = kind.equals("startContainer") ? "/hooks" : reports.toString();
      ObjectNode h = hooks.putArray(kind).addObject().put("path", "/bin/busybox");
      h.putArray("args").add("sh").add("-c").add(REPORT).add(kind).add(dir);
      h.putArray("env").add("HOOK_ENV=" + kind).add("ONLY=this");
    }
  }

  private void freshReports() throws IOException {
    Cmd.run("rm", "-rf", reports.toString()).ok();
    Files.createDirectories(reports);
  }

  /** One lifecycle: create, start, wait for the process, delete. Returns the container's host pid. */
  private long lifecycle(OciRuntime rt) throws Exception {
    freshReports();
    rt.run("create", "--bundle", bundle.dir().toString(), ID).ok();
    long pid = JSON.readTree(rt.run("state", ID).ok().out()).path("pid").asLong();
    rt.run("start", ID).ok();
    for (int i = 0; i < 200 && !JSON.readTree(rt.run("state", ID).out()).path("status").asText().equals("stopped"); i++) {
      Thread.sleep(25);
    }
    rt.run("delete", ID).ok();
    return pid;
  }

  /** Each kind's report, its namespaces named host, container or other, its stdin's pid named too. */
  private Map<String, Map<String, String>> reports(long containerPid) throws Exception {
    Map<String, String> container = properties(reports.resolve("process.txt"));
    Map<String, Map<String, String>> all = new LinkedHashMap<>();
    for (String kind : KINDS) {
      Map<String, String> r = properties(reports.resolve(kind + ".txt"));
      for (String ns : List.of("mnt", "pid", "net", "uts", "ipc")) {
        String link = r.get("ns." + ns);
        String host = Files.readSymbolicLink(Path.of("/proc/self/ns/" + ns)).toString();
        r.put("ns." + ns, link.equals(host) ? "host" : link.equals(container.get("ns." + ns)) ? "container" : link);
      }
      ObjectNode state = (ObjectNode) JSON.readTree(r.get("stdin"));
      state.remove("ociVersion");
      if (state.has("pid")) {
        long pid = state.get("pid").asLong();
        state.put("pid", pid == containerPid ? "the container's" : pid == 1 ? "1" : Long.toString(pid));
      }
      Map<String, Object> normalised = new TreeMap<>();
      state.fields().forEachRemaining(e -> normalised.put(e.getKey(), e.getValue().isObject()
          ? JSON.convertValue(e.getValue(), Map.class) : e.getValue().asText()));
      r.put("stdin", normalised.toString());
      all.put(kind, r);
    }
    return all;
  }

  private static Map<String, String> properties(Path file) throws IOException {
    Map<String, String> p = new TreeMap<>();
    for (String line : Files.readAllLines(file)) {
      int eq = line.indexOf('=');
      if (eq > 0) {
        p.put(line.substring(0, eq), line.substring(eq + 1));
      }
    }
    return p;
  }

  @Test
  void allSixKindsAsRunc() throws Exception {
    bundle.edit(this::reportingHooks);
    long runcPid = lifecycle(runc);
    Map<String, Map<String, String>> expected = reports(runcPid);
    List<String> runcOrder = Files.readAllLines(reports.resolve("order"));
    long berthPid = lifecycle(berth);
    Map<String, Map<String, String>> actual = reports(berthPid);
    List<String> berthOrder = Files.readAllLines(reports.resolve("order"));

    // runc 1.1.5 runs poststart at create; berth-runtime after the process started, as the spec says.
    List<String> specOrder = new ArrayList<>(runcOrder);
    specOrder.remove("poststart");
    specOrder.remove("process");
    specOrder.add(specOrder.indexOf("startContainer") + 1, "poststart");
    List<String> hooksOnly = new ArrayList<>(berthOrder);
    hooksOnly.remove("process");
    assertEquals(List.of("prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"),
        hooksOnly, "the order hooks ran in");
    assertEquals(specOrder, hooksOnly);
    assertTrue(berthOrder.indexOf("process") > berthOrder.indexOf("startContainer")
        && berthOrder.indexOf("process") < berthOrder.indexOf("poststop"), berthOrder.toString());

    for (String kind : KINDS) {
      Map<String, String> r = new TreeMap<>(expected.get(kind));
      Map<String, String> b = new TreeMap<>(actual.get(kind));
      if (kind.equals("poststart")) {
        assertEquals(state("created", "the container's"), r.get("stdin"), "runc 1.1.5's poststart state, at create");
        assertEquals(state("running", "the container's"), b.get("stdin"), "poststart's state");
        // ... and, run by create, in create's directory (the bundle); berth-runtime runs it in start's.
        for (String key : List.of("stdin", "cwd", "env.PWD")) {
          r.remove(key);
          b.remove(key);
        }
      }
      assertEquals(r, b, kind + " hook: what it saw differs from runc's");
    }
    // What the spec asks, stated outright too: the namespaces, the exact env, argv[0], the state.
    assertEquals("container", actual.get("createContainer").get("ns.mnt"));
    assertEquals("container", actual.get("startContainer").get("ns.pid"));
    assertEquals("host", actual.get("prestart").get("ns.mnt"));
    assertEquals("host", actual.get("poststop").get("ns.net"));
    assertEquals("sh", actual.get("createRuntime").get("argv0"));
    assertEquals("createRuntime", actual.get("createRuntime").get("env.HOOK_ENV"));
    assertEquals(state("creating", "the container's"), actual.get("prestart").get("stdin"));
    assertEquals(state("creating", "1"), actual.get("createContainer").get("stdin"));
    assertEquals(state("created", "1"), actual.get("startContainer").get("stdin"));
    assertEquals(state("stopped", null), actual.get("poststop").get("stdin"));
  }

  /** A normalised hook state as {@link #reports} renders it. */
  private String state(String status, String pid) {
    Map<String, Object> m = new TreeMap<>(Map.of("annotations", Map.of("it.berth/test", "hooks"), "bundle",
        bundle.dir().toString(), "id", ID, "status", status));
    if (pid != null) {
      m.put("pid", pid);
    }
    return m.toString();
  }

  @Test
  void hookOutputStaysOutOfTheContainersAsWithRunc() throws Exception {
    bundle.edit(this::reportingHooks);
    List<String> outputs = new ArrayList<>();
    for (OciRuntime rt : List.of(runc, berth)) {
      freshReports();
      Cmd.Result r = rt.run("run", "--bundle", bundle.dir().toString(), ID);
      assertEquals(0, r.exit(), r.toString());
      outputs.add(r.out());
    }
    assertEquals("the process writes to its stdout\n", outputs.get(0), "runc itself");
    assertEquals(outputs.get(0), outputs.get(1));
  }

  /**
   * A hook that outlives its timeout (and leaves a child behind) fails the operation with a message
   * naming it; nothing of the container or the hook remains, and the poststop hooks ran.
   */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"prestart", "createRuntime", "createContainer", "startContainer"})
  void aHookPastItsTimeoutFailsAndLeavesNothing(String kind) throws Exception {
    String marker = "30." + ProcessHandle.current().pid() + kind.length();
    Path poststopRan = tmp.resolve("poststop-ran");
    bundle.edit(c -> {
      ObjectNode hooks = c.putObject("hooks");
      ObjectNode slow = hooks.putArray(kind).addObject().put("path", "/bin/busybox").put("timeout", 1);
      slow.putArray("args").add("sh").add("-c").add("sleep " + marker + " & sleep " + marker + "; true");
      ObjectNode poststop = hooks.putArray("poststop").addObject().put("path", "/bin/busybox");
      poststop.putArray("args").add("sh").add("-c").add("cat > " + poststopRan);
    }).args("true");
    long started = System.nanoTime();
    Cmd.Result created = berth.run("create", "--bundle", bundle.dir().toString(), ID);
    Cmd.Result failed = created;
    if (kind.equals("startContainer")) {
      assertEquals(0, created.exit(), created.toString());
      failed = berth.run("start", ID);
      assertEquals("stopped", JSON.readTree(berth.run("state", ID).ok().out()).path("status").asText());
      berth.run("delete", ID).ok();
    }
    long seconds = (System.nanoTime() - started) / 1_000_000_000L;
    assertNotEquals(0, failed.exit(), failed.toString());
    assertTrue(failed.err().contains(kind + " hook /bin/busybox timed out after 1s"), failed.err());
    assertTrue(seconds < 10, "took " + seconds + "s: the hook's child was waited for");
    assertFalse(berth.hasState(ID), "a state dir was left behind");
    assertEquals(List.of(), HostState.cgroupsNamed(ID), "a cgroup was left behind");
    assertEquals(List.of(), processesRunning("sleep " + marker), "the hook or its child outlived the timeout");
    JsonNode state = JSON.readTree(Files.readString(poststopRan));
    assertEquals("stopped", state.path("status").asText(), "poststop ran with the state of a stopped container");
  }

  @Test
  void aFailingCreateContainerHookIsNamedWithItsOutput() {
    bundle.edit(c -> {
      ObjectNode h = c.putObject("hooks").putArray("createContainer").addObject().put("path", "/bin/busybox");
      h.putArray("args").add("sh").add("-c").add("echo no network for you >&2; exit 3");
    });
    Cmd.Result r = berth.run("run", "--bundle", bundle.dir().toString(), ID);
    assertNotEquals(0, r.exit());
    assertTrue(r.err().contains("createContainer hook /bin/busybox failed with exit status 3: no network for you"),
        r.err());
    assertFalse(berth.hasState(ID));
    assertEquals(List.of(), HostState.cgroupsNamed(ID));
  }

  /** Pids of processes whose command line is exactly {@code command} (a marker this test chose). */
  private static List<Long> processesRunning(String command) throws IOException, InterruptedException {
    for (int attempt = 0; ; attempt++) {
      List<Long> found = new ArrayList<>();
      try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
        for (Path p : procs.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
          try {
            String cmdline = Files.readString(p.resolve("cmdline")).replace('\0', ' ').trim();
            String stat = Files.readString(p.resolve("stat"));
            boolean zombie = stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
            if (cmdline.equals(command) && !zombie) {
              found.add(Long.parseLong(p.getFileName().toString()));
            }
          } catch (IOException gone) {
            // exited while we looked
          }
        }
      }
      if (found.isEmpty() || attempt == 20) {
        return found;
      }
      Thread.sleep(50);
    }
  }
}
