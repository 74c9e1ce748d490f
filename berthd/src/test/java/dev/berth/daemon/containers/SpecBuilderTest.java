package dev.berth.daemon.containers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.common.error.InvalidArgument;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpecBuilderTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final SpecBuilder.EtcFiles ETC = new SpecBuilder.EtcFiles(Path.of("/c/hostname"),
      Path.of("/c/hosts"), Path.of("/c/resolv.conf"));
  @TempDir Path tmp;

  private static Container container(String config, String hostConfig) throws Exception {
    return new Container("0123456789ab" + "0".repeat(52), "/t", Instant.EPOCH, "sha256:x",
        (ObjectNode) JSON.readTree(config), (ObjectNode) JSON.readTree(hostConfig), ContainerState.created(), 0, false);
  }

  private static JsonNode spec(Container c, long uid) {
    try {
      return JSON.readTree(SpecBuilder.build(c, new SpecBuilder.User(uid, 0, List.of()), ETC, null));
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
  }

  private static List<String> texts(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  @Test
  void defaultsAreDockers() throws Exception {
    JsonNode s = spec(container("{\"Cmd\":[\"echo\",\"hi\"],\"Env\":[\"A=1\"]}", "{\"NetworkMode\":\"none\"}"), 0);
    assertEquals(List.of("echo", "hi"), texts(s.at("/process/args")));
    assertEquals(SpecBuilder.DEFAULT_CAPS, texts(s.at("/process/capabilities/bounding")));
    assertEquals(SpecBuilder.DEFAULT_CAPS, texts(s.at("/process/capabilities/effective")));
    assertEquals("/", s.at("/process/cwd").asText());
    assertEquals("0123456789ab", s.at("/hostname").asText());
    assertTrue(texts(s.at("/process/env")).get(0).startsWith("PATH="));
    assertTrue(texts(s.at("/process/env")).contains("HOSTNAME=0123456789ab"));
    assertEquals(SpecBuilder.MASKED, texts(s.at("/linux/maskedPaths")));
    assertEquals("SCMP_ACT_ERRNO", s.at("/linux/seccomp/defaultAction").asText());
    assertFalse(s.at("/root/readonly").asBoolean());
    List<String> namespaces = s.at("/linux/namespaces").findValues("type").stream().map(JsonNode::asText).toList();
    assertEquals(List.of("mount", "uts", "ipc", "pid", "network"), namespaces);
    List<String> destinations = s.at("/mounts").findValues("destination").stream().map(JsonNode::asText).toList();
    assertEquals(List.of("/proc", "/dev", "/dev/pts", "/sys", "/sys/fs/cgroup", "/dev/mqueue", "/dev/shm",
        "/etc/resolv.conf", "/etc/hostname", "/etc/hosts"), destinations);
  }

  @Test
  void aNonRootUserStartsWithoutEffectiveCapabilities() throws Exception {
    JsonNode s = spec(container("{\"Cmd\":[\"id\"]}", "{}"), 1000);
    assertEquals(1000, s.at("/process/user/uid").asLong());
    assertTrue(s.at("/process/capabilities/effective").isEmpty());
    assertEquals(SpecBuilder.DEFAULT_CAPS.size(), s.at("/process/capabilities/bounding").size());
  }

  @Test
  void hostConfigOptionsReachTheSpec() throws Exception {
    String source = tmp.toString();
    JsonNode s = spec(container("{\"Cmd\":[\"sh\"],\"Tty\":true}", """
        {"ReadonlyRootfs":true,"Memory":67108864,"PidsLimit":20,"NanoCpus":500000000,
         "CapAdd":["NET_ADMIN"],"CapDrop":["chown"],"Binds":["%s:/data:ro"],"Tmpfs":{"/run":"size=1m"},
         "ConsoleSize":[30,100],"SecurityOpt":["seccomp=unconfined","no-new-privileges"],"NetworkMode":"host"}
        """.formatted(source)), 0);
    assertTrue(s.at("/root/readonly").asBoolean());
    assertEquals(67108864, s.at("/linux/resources/memory/limit").asLong());
    assertEquals(20, s.at("/linux/resources/pids/limit").asLong());
    assertEquals(50000, s.at("/linux/resources/cpu/quota").asLong());
    assertEquals(100000, s.at("/linux/resources/cpu/period").asLong());
    List<String> caps = texts(s.at("/process/capabilities/bounding"));
    assertTrue(caps.contains("CAP_NET_ADMIN"));
    assertFalse(caps.contains("CAP_CHOWN"));
    assertTrue(s.at("/linux/seccomp").isMissingNode());
    assertTrue(s.at("/process/noNewPrivileges").asBoolean());
    assertEquals(30, s.at("/process/consoleSize/height").asInt());
    assertTrue(texts(s.at("/process/env")).contains("TERM=xterm"));
    assertFalse(s.at("/linux/namespaces").findValues("type").stream().anyMatch(t -> t.asText().equals("network")));
    JsonNode bind = null;
    for (JsonNode m : s.at("/mounts")) if (m.get("destination").asText().equals("/data")) bind = m;
    assertEquals(source, bind.get("source").asText());
    assertTrue(texts(bind.get("options")).containsAll(List.of("rbind", "ro")));
  }

  @Test
  void badInputIsRefusedWithItsName() throws Exception {
    var e = assertThrows(InvalidArgument.class, () -> spec(container("{\"Cmd\":[\"x\"]}",
        "{\"Binds\":[\"relative:/x\"]}"), 0));
    assertTrue(e.getMessage().contains("relative:/x"), e.getMessage());
    assertThrows(InvalidArgument.class, () -> spec(container("{\"Cmd\":[\"x\"]}", "{\"CapAdd\":[\"BOGUS\"]}"), 0));
    assertThrows(InvalidArgument.class, () -> spec(container("{\"Cmd\":[\"x\"]}", "{\"Memory\":1024}"), 0));
    var none = assertThrows(InvalidArgument.class, () -> spec(container("{}", "{}"), 0));
    assertEquals("No command specified", none.getMessage());
  }
}
