package dev.berth.runtime.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.common.error.InvalidArgument;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ValidatorTest {
  @TempDir Path bundle;

  @BeforeEach
  void rootfs() throws Exception {
    Files.createDirectory(bundle.resolve("rootfs"));
  }

  /** A valid config with {@code extraLinux} spliced into the linux section and {@code extraTop} at the top. */
  private Spec spec(String extraTop, String process, String extraLinux) {
    String json = "{\"ociVersion\": \"1.3.0\", \"root\": {\"path\": \"rootfs\"}, " + extraTop
        + "\"process\": " + process + ", \"linux\": {" + extraLinux + "}}";
    return SpecLoader.parse(json.getBytes(StandardCharsets.UTF_8), "config.json");
  }

  private Spec linux(String extraLinux) {
    return spec("", "{\"args\": [\"sh\"]}", extraLinux);
  }

  private String fails(Spec s) {
    return assertThrows(InvalidArgument.class, () -> Validator.validate(s, bundle)).getMessage();
  }

  @Test
  void acceptsAValidConfigAndReturnsTheRootfs() {
    Spec s = spec("\"hostname\": \"h\", ", "{\"args\": [\"sh\"], \"cwd\": \"/\"}",
        "\"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"uts\"}, {\"type\": \"network\"}, {\"type\": \"ipc\"}],"
            + "\"sysctl\": {\"net.ipv4.ip_forward\": \"1\", \"kernel.shmmax\": \"1\", \"kernel.domainname\": \"x\"},"
            + "\"cgroupsPath\": \"/berth/c1\"");
    assertEquals(bundle.resolve("rootfs").toAbsolutePath(), Validator.validate(s, bundle));
  }

  @Test
  void timeOffsetsNeedANewTimeNamespaceAndKnownClocks() {
    assertEquals(bundle.resolve("rootfs").toAbsolutePath(), Validator.validate(linux(
        "\"namespaces\": [{\"type\": \"mount\"}, {\"type\": \"time\"}],"
            + "\"timeOffsets\": {\"monotonic\": {\"secs\": -60}, \"boottime\": {\"secs\": 1, \"nanosecs\": 999999999}}"),
        bundle));
    assertTrue(fails(linux("\"namespaces\": [{\"type\": \"mount\"}],"
        + "\"timeOffsets\": {\"boottime\": {\"secs\": 1}}")).contains("has no time namespace"));
    assertTrue(fails(linux("\"namespaces\": [{\"type\": \"mount\"}, {\"type\": \"time\", \"path\": \"/proc/self/ns/time\"}],"
        + "\"timeOffsets\": {\"boottime\": {\"secs\": 1}}")).contains("joined by path"));
    assertTrue(fails(linux("\"namespaces\": [{\"type\": \"mount\"}, {\"type\": \"time\"}],"
        + "\"timeOffsets\": {\"realtime\": {\"secs\": 1}}")).contains("unknown clock \"realtime\""));
    assertTrue(fails(linux("\"namespaces\": [{\"type\": \"mount\"}, {\"type\": \"time\"}],"
        + "\"timeOffsets\": {\"boottime\": {\"nanosecs\": 1000000000}}")).contains("nanosecs must be below"));
  }

  @Test
  void ociVersionMissing() {
    Spec s = SpecLoader.parse("{\"root\": {\"path\": \"rootfs\"}, \"process\": {\"args\": [\"sh\"]}}"
        .getBytes(StandardCharsets.UTF_8), "config.json");
    assertEquals("config.json: ociVersion is missing", fails(s));
  }

  @Test
  void rootMissingOrNotADirectory() throws Exception {
    Spec noRoot = SpecLoader.parse("{\"ociVersion\": \"1.3.0\", \"process\": {\"args\": [\"sh\"]}}"
        .getBytes(StandardCharsets.UTF_8), "config.json");
    assertEquals("config.json: root is missing", fails(noRoot));
    Spec gone = SpecLoader.parse("{\"ociVersion\": \"1.3.0\", \"root\": {\"path\": \"nope\"}, \"process\": {\"args\": [\"sh\"]}}"
        .getBytes(StandardCharsets.UTF_8), "config.json");
    assertEquals("rootfs " + bundle.resolve("nope").toAbsolutePath() + " does not exist", fails(gone));
    Files.writeString(bundle.resolve("file"), "x");
    Spec file = SpecLoader.parse("{\"ociVersion\": \"1.3.0\", \"root\": {\"path\": \"file\"}, \"process\": {\"args\": [\"sh\"]}}"
        .getBytes(StandardCharsets.UTF_8), "config.json");
    assertTrue(fails(file).endsWith("is not a directory"));
  }

  @Test
  void emptyArgs() {
    assertEquals("process.args must not be empty", fails(spec("", "{\"args\": []}", "")));
    assertEquals("process.args must not be empty", fails(spec("", "{\"cwd\": \"/\"}", "")));
  }

  @Test
  void relativeCwd() {
    assertTrue(fails(spec("", "{\"args\": [\"sh\"], \"cwd\": \"tmp\"}", "")).contains("cwd must be an absolute path"));
  }

  @Test
  void unknownNamespaceType() {
    assertTrue(fails(linux("\"namespaces\": [{\"type\": \"foo\"}]")).startsWith("unknown namespace type \"foo\""));
  }

  @Test
  void duplicateNamespace() {
    assertEquals("namespace type \"pid\" is listed twice",
        fails(linux("\"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"pid\"}]")));
  }

  @Test
  void userNamespaceAndMappingsGoTogether() {
    assertTrue(fails(linux("\"namespaces\": [{\"type\": \"user\"}]")).contains("needs both linux.uidMappings"));
    assertTrue(fails(linux("\"uidMappings\": [{\"containerID\": 0, \"hostID\": 1000, \"size\": 1}],"
        + "\"gidMappings\": [{\"containerID\": 0, \"hostID\": 1000, \"size\": 1}]")).contains("no user namespace"));
    Validator.validate(linux("\"namespaces\": [{\"type\": \"user\"}],"
        + "\"uidMappings\": [{\"containerID\": 0, \"hostID\": 1000, \"size\": 1}],"
        + "\"gidMappings\": [{\"containerID\": 0, \"hostID\": 1000, \"size\": 1}]"), bundle);
  }

  @Test
  void namespacePathMustExist() {
    assertTrue(fails(linux("\"namespaces\": [{\"type\": \"network\", \"path\": \"/nonexistent/ns\"}]"))
        .contains("does not exist"));
  }

  @Test
  void mountDestinationMustBeAbsolute() {
    assertEquals("mount destination \"proc\" must be an absolute path",
        fails(spec("\"mounts\": [{\"destination\": \"proc\", \"type\": \"proc\"}], ", "{\"args\": [\"sh\"]}", "")));
  }

  @Test
  void unknownCapability() {
    assertEquals("process.capabilities.effective: unknown capability \"CAP_FLY\"",
        fails(spec("", "{\"args\": [\"sh\"], \"capabilities\": {\"effective\": [\"CAP_FLY\"]}}", "")));
  }

  @Test
  void unknownOrBadRlimit() {
    assertEquals("process.rlimits: unknown rlimit type \"RLIMIT_FOO\"",
        fails(spec("", "{\"args\": [\"sh\"], \"rlimits\": [{\"type\": \"RLIMIT_FOO\", \"hard\": 1, \"soft\": 1}]}", "")));
    assertTrue(fails(spec("", "{\"args\": [\"sh\"], \"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"hard\": 1, \"soft\": 2}]}", ""))
        .contains("soft limit exceeds"));
  }

  @Test
  void sysctlNeedsItsNamespace() {
    assertEquals("sysctl \"net.ipv4.ip_forward\" needs the container to have its own network namespace",
        fails(linux("\"sysctl\": {\"net.ipv4.ip_forward\": \"1\"}")));
    assertEquals("sysctl \"kernel.msgmax\" needs the container to have its own ipc namespace",
        fails(linux("\"sysctl\": {\"kernel.msgmax\": \"1\"}")));
    assertEquals("sysctl \"fs.mqueue.msg_max\" needs the container to have its own ipc namespace",
        fails(linux("\"sysctl\": {\"fs.mqueue.msg_max\": \"1\"}")));
    assertEquals("sysctl \"kernel.hostname\" needs the container to have its own uts namespace",
        fails(linux("\"sysctl\": {\"kernel.hostname\": \"x\"}")));
    assertTrue(fails(linux("\"sysctl\": {\"vm.swappiness\": \"1\"}")).contains("is not namespaced"));
  }

  @Test
  void hostnameNeedsUts() {
    assertTrue(fails(spec("\"hostname\": \"h\", ", "{\"args\": [\"sh\"]}", "")).contains("no uts namespace"));
  }

  @Test
  void hookPathMustBeAbsolute() {
    assertEquals("hook path \"true\" must be absolute",
        fails(spec("\"hooks\": {\"createRuntime\": [{\"path\": \"true\"}]}, ", "{\"args\": [\"sh\"]}", "")));
    assertTrue(fails(spec("\"hooks\": {\"poststop\": [{\"path\": \"/bin/true\", \"timeout\": 0}]}, ",
        "{\"args\": [\"sh\"]}", "")).contains("timeout must be positive"));
  }

  @Test
  void systemdCgroupsPathRefused() {
    assertEquals("systemd cgroup paths are not supported (\"system.slice:berth:abc\"): "
        + "berth-runtime manages cgroups through cgroupfs",
        fails(linux("\"cgroupsPath\": \"system.slice:berth:abc\"")));
    assertTrue(fails(linux("\"cgroupsPath\": \"/a/../../etc\"")).contains("must not contain \"..\""));
  }

  @Test
  void devicesAndPropagation() {
    assertTrue(fails(linux("\"devices\": [{\"path\": \"dev/fuse\", \"type\": \"c\", \"major\": 10, \"minor\": 229}]"))
        .contains("must be absolute"));
    assertTrue(fails(linux("\"devices\": [{\"path\": \"/dev/x\", \"type\": \"z\", \"major\": 1, \"minor\": 1}]"))
        .contains("expected c, b, u or p"));
    assertTrue(fails(linux("\"devices\": [{\"path\": \"/dev/x\", \"type\": \"c\"}]")).contains("needs major and minor"));
    assertTrue(fails(linux("\"rootfsPropagation\": \"sideways\"")).contains("rootfsPropagation \"sideways\""));
    Validator.validate(linux("\"rootfsPropagation\": \"rslave\", \"devices\": [{\"path\": \"/dev/fifo\", \"type\": \"p\"}]"),
        bundle);
  }
}
