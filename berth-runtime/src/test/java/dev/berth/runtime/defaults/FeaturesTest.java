package dev.berth.runtime.defaults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.runtime.spec.SpecLoader;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class FeaturesTest {
  private static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  @Test
  void describesWhatBerthImplements() throws Exception {
    JsonNode f = SpecLoader.mapper().readTree(Features.json());
    assertEquals("1.0.0", f.get("ociVersionMin").asText());
    assertEquals("1.3.0", f.get("ociVersionMax").asText());
    assertEquals(6, f.get("hooks").size());
    assertTrue(strings(f.get("mountOptions")).containsAll(List.of("ro", "rbind", "rprivate", "nosuid")));
    assertFalse(strings(f.get("mountOptions")).contains("idmap"));
    JsonNode linux = f.get("linux");
    assertEquals(List.of("cgroup", "ipc", "mount", "network", "pid", "time", "user", "uts"),
        strings(linux.get("namespaces")));
    assertTrue(strings(linux.get("capabilities")).contains("CAP_CHECKPOINT_RESTORE"));
    assertTrue(linux.get("cgroup").get("v1").asBoolean());
    assertTrue(linux.get("cgroup").get("v2").asBoolean());
    assertFalse(linux.get("cgroup").get("systemd").asBoolean());
    assertFalse(linux.get("apparmor").get("enabled").asBoolean());
    assertFalse(linux.get("selinux").get("enabled").asBoolean());
    JsonNode seccomp = linux.get("seccomp");
    assertTrue(seccomp.get("enabled").asBoolean(), "libseccomp2 is installed on these machines");
    assertTrue(strings(seccomp.get("actions")).contains("SCMP_ACT_KILL_PROCESS"));
    assertFalse(strings(seccomp.get("actions")).contains("SCMP_ACT_NOTIFY"), "no seccomp agent support yet");
    assertEquals(7, seccomp.get("operators").size());
    assertTrue(strings(seccomp.get("archs")).containsAll(List.of("SCMP_ARCH_X86_64", "SCMP_ARCH_AARCH64")));
    assertTrue(f.get("annotations").get("io.github.seccomp.libseccomp.version").asText().matches("\\d+\\.\\d+\\.\\d+"));
  }
}
