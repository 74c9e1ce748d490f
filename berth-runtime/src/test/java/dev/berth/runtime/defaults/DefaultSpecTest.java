package dev.berth.runtime.defaults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.runtime.spec.LinuxNamespace;
import dev.berth.runtime.spec.Mount;
import dev.berth.runtime.spec.Spec;
import dev.berth.runtime.spec.SpecLoader;
import dev.berth.runtime.spec.Validator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DefaultSpecTest {
  @TempDir Path bundle;

  private static List<String> namespaces(Spec s) {
    return s.linux().namespaces().stream().map(LinuxNamespace::type).toList();
  }

  private static Mount mount(Spec s, String dest) {
    return s.mounts().stream().filter(m -> m.destination().equals(dest)).findFirst().orElseThrow();
  }

  @Test
  void rootfulSpecIsRuncsAndValid() throws Exception {
    Spec s = SpecLoader.parse(DefaultSpec.bytes(false), "config.json");
    assertEquals(Spec.OCI_VERSION, s.ociVersion());
    assertEquals(List.of("sh"), s.process().args());
    assertTrue(s.process().terminal());
    assertEquals(List.of("CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"), s.process().capabilities().bounding());
    assertNull(s.process().capabilities().inheritable());
    assertEquals(1024L, s.process().rlimits().get(0).hard());
    assertTrue(s.process().noNewPrivileges());
    assertEquals("rootfs", s.root().path());
    assertTrue(s.root().readonly());
    assertEquals(List.of("pid", "network", "ipc", "uts", "mount"), namespaces(s));
    assertEquals(List.of("/proc", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue", "/sys", "/sys/fs/cgroup"),
        s.mounts().stream().map(Mount::destination).toList());
    assertTrue(mount(s, "/dev/pts").options().contains("gid=5"));
    assertEquals("sysfs", mount(s, "/sys").type());
    assertEquals(false, s.linux().resources().devices().get(0).allow());
    assertTrue(s.linux().maskedPaths().contains("/proc/kcore"));
    assertTrue(s.linux().readonlyPaths().contains("/proc/sysrq-trigger"));
    Files.createDirectory(bundle.resolve("rootfs"));
    Validator.validate(s, bundle);
  }

  @Test
  void rootlessSpecMapsTheCallerAndBindsSys() throws Exception {
    Spec s = DefaultSpec.spec(true, 1000, 1001);
    assertEquals(List.of("pid", "ipc", "uts", "mount", "user"), namespaces(s));
    assertEquals(1000L, s.linux().uidMappings().get(0).hostID());
    assertEquals(1001L, s.linux().gidMappings().get(0).hostID());
    assertEquals(1L, s.linux().uidMappings().get(0).size());
    assertNull(s.linux().resources());
    assertFalse(mount(s, "/dev/pts").options().contains("gid=5"));
    assertEquals("/sys", mount(s, "/sys").source());
    assertEquals(List.of("rbind", "nosuid", "noexec", "nodev", "ro"), mount(s, "/sys").options());
    Files.createDirectory(bundle.resolve("rootfs"));
    Validator.validate(SpecLoader.parse(DefaultSpec.bytes(true), "config.json"), bundle);
  }

  @Test
  void defaultDevicesAndRules() {
    assertEquals(List.of("/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty"),
        DefaultDevices.list().stream().map(d -> d.path()).toList());
    assertTrue(DefaultDevices.list().stream().allMatch(d -> d.fileMode() == 0666 && "c".equals(d.type())));
    var rules = DefaultDevices.cgroupRules();
    assertTrue(rules.stream().allMatch(r -> r.allowed()));
    assertEquals("m", rules.get(0).access());
    assertTrue(rules.stream().anyMatch(r -> Long.valueOf(136).equals(r.major()) && r.minor() == null));
    assertTrue(rules.stream().anyMatch(r -> Long.valueOf(5).equals(r.major()) && Long.valueOf(2).equals(r.minor())));
  }

  @Test
  void defaultRulesGoAfterTheConfigsOwn() {
    var own = new dev.berth.runtime.spec.LinuxDeviceCgroup(true, "c", 10L, 229L, "rwm");
    var r = DefaultDevices.withDefaultRules(new dev.berth.runtime.spec.LinuxResources(
        List.of(new dev.berth.runtime.spec.LinuxDeviceCgroup(false, null, null, null, "rwm"), own),
        new dev.berth.runtime.spec.LinuxMemory(5L, null, null, null, null, null, null, null, null),
        null, null, null, null, null, null));
    assertEquals(2 + DefaultDevices.cgroupRules().size(), r.devices().size());
    assertEquals(own, r.devices().get(1));
    assertEquals(5L, r.memory().limit());
    var none = DefaultDevices.withDefaultRules(null);
    assertFalse(none.devices().get(0).allowed(), "no rules given: deny everything else");
    assertEquals(1 + DefaultDevices.cgroupRules().size(), none.devices().size());
  }
}
