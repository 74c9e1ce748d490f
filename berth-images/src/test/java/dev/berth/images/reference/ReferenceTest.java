package dev.berth.images.reference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.common.error.InvalidArgument;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ReferenceTest {
  @ParameterizedTest
  @CsvSource({
    "busybox, docker.io/library/busybox:latest, busybox:latest",
    "busybox:1.36, docker.io/library/busybox:1.36, busybox:1.36",
    "library/busybox, docker.io/library/busybox:latest, busybox:latest",
    "docker.io/busybox, docker.io/library/busybox:latest, busybox:latest",
    "index.docker.io/library/busybox, docker.io/library/busybox:latest, busybox:latest",
    "user/app:v1, docker.io/user/app:v1, user/app:v1",
    "localhost/app, localhost/app:latest, localhost/app:latest",
    "localhost:5000/a/b:tag, localhost:5000/a/b:tag, localhost:5000/a/b:tag",
    "registry.example.com/team/app, registry.example.com/team/app:latest, registry.example.com/team/app:latest",
    "user/a.b-c__d, docker.io/user/a.b-c__d:latest, user/a.b-c__d:latest",
  })
  void normalisesAsDockerDoes(String input, String full, String familiar) {
    Reference r = Reference.parse(input);
    assertEquals(full, r.toString());
    assertEquals(familiar, r.familiar());
  }

  @ParameterizedTest
  @CsvSource({
    "busybox@sha256:0000000000000000000000000000000000000000000000000000000000000000, ",
    "busybox:1.36@sha256:0000000000000000000000000000000000000000000000000000000000000000, 1.36",
  })
  void keepsTagAndDigest(String input, String tag) {
    Reference r = Reference.parse(input);
    assertEquals(tag, r.tag());
    assertEquals("sha256:0000000000000000000000000000000000000000000000000000000000000000", r.digest().toString());
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "BusyBox", "busybox:", "busybox:-bad", "a//b", "-a", "busybox@sha256:abc",
      "busybox@md5:0000", "a/b:tag:tag", "Registry.example.com/a/B", "a.b-c__d/x"})
  void refusesInvalidReferences(String input) {
    InvalidArgument e = assertThrows(InvalidArgument.class, () -> Reference.parse(input));
    assertTrue(e.getMessage().startsWith("invalid reference format"), e.getMessage());
  }
}
