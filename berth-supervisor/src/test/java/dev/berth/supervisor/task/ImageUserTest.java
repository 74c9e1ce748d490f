package dev.berth.supervisor.task;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.common.error.InvalidArgument;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageUserTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path rootfs;

  @BeforeEach
  void etc() throws Exception {
    Files.createDirectories(rootfs.resolve("etc"));
    Files.writeString(rootfs.resolve("etc/passwd"), """
        root:x:0:0:root:/root:/bin/sh
        www:x:33:33:web:/var/www:/bin/false
        """);
    Files.writeString(rootfs.resolve("etc/group"), """
        root:x:0:
        wheel:x:10:root
        www:x:33:
        video:x:44:www,other
        """);
  }

  private ObjectNode process() throws Exception {
    return (ObjectNode) JSON.readTree("{\"user\":{\"uid\":0,\"gid\":0},\"env\":[\"PATH=/bin\"],"
        + "\"capabilities\":{\"bounding\":[\"CAP_KILL\"],\"effective\":[\"CAP_KILL\"],\"permitted\":[\"CAP_KILL\"]}}");
  }

  @Test
  void namesBecomeIdsGroupsAndHome() throws Exception {
    ObjectNode p = process();
    ImageUser.resolve("www", rootfs, p);
    assertEquals(33, p.at("/user/uid").asLong());
    assertEquals(33, p.at("/user/gid").asLong());
    assertEquals("[33,44]", p.at("/user/additionalGids").toString());
    assertTrue(p.get("env").toString().contains("HOME=/var/www"));
    assertTrue(p.at("/capabilities/effective").isEmpty());
    assertEquals(1, p.at("/capabilities/bounding").size());
  }

  @Test
  void rootKeepsItsCapabilitiesAndGroups() throws Exception {
    ObjectNode p = process();
    ImageUser.resolve("", rootfs, p);
    assertEquals(0, p.at("/user/uid").asLong());
    assertEquals("[0,10]", p.at("/user/additionalGids").toString());
    assertEquals(1, p.at("/capabilities/effective").size());
    assertTrue(p.get("env").toString().contains("HOME=/root"));
  }

  @Test
  void idsAndGroupsWork() throws Exception {
    ObjectNode p = process();
    ImageUser.resolve("1234:video", rootfs, p);
    assertEquals(1234, p.at("/user/uid").asLong());
    assertEquals(44, p.at("/user/gid").asLong());
    assertTrue(p.get("env").toString().contains("HOME=/"));
  }

  @Test
  void unknownNamesAndLinkedFilesAreRefused() throws Exception {
    assertThrows(InvalidArgument.class, () -> ImageUser.resolve("nobody", rootfs, process()));
    assertThrows(InvalidArgument.class, () -> ImageUser.resolve("www:nogroup", rootfs, process()));
    Files.delete(rootfs.resolve("etc/passwd"));
    Files.createSymbolicLink(rootfs.resolve("etc/passwd"), Path.of("/etc/passwd"));
    // The host's passwd is never read through a link the image planted.
    assertThrows(InvalidArgument.class, () -> ImageUser.resolve("root", rootfs, process()));
    ObjectNode p = process();
    ImageUser.resolve("", rootfs, p); // no user asked for: root, passwd or not
    assertEquals(0, p.at("/user/uid").asLong());
  }
}
