package dev.berth.daemon.containers;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class ContainerViewsTest {
  @Test
  void durationsReadAsDockersStatusColumn() {
    assertEquals("Less than a second", ContainerViews.human(Duration.ofMillis(300)));
    assertEquals("1 second", ContainerViews.human(Duration.ofSeconds(1)));
    assertEquals("59 seconds", ContainerViews.human(Duration.ofSeconds(59)));
    assertEquals("About a minute", ContainerViews.human(Duration.ofSeconds(90)));
    assertEquals("5 minutes", ContainerViews.human(Duration.ofMinutes(5)));
    assertEquals("About an hour", ContainerViews.human(Duration.ofMinutes(70)));
    assertEquals("3 hours", ContainerViews.human(Duration.ofHours(3)));
    assertEquals("3 days", ContainerViews.human(Duration.ofDays(3)));
  }

  @Test
  void statusSaysUpExitedOrCreated() {
    Instant t = Instant.parse("2026-01-01T00:00:00Z");
    ContainerState running = ContainerState.created().started(42, t);
    assertEquals("Up 5 seconds", ContainerViews.status(running, t.plusSeconds(5)));
    assertEquals("Exited (3) 2 minutes ago",
        ContainerViews.status(running.exited(3, t.plusSeconds(10)), t.plusSeconds(130)));
    assertEquals("Created", ContainerViews.status(ContainerState.created(), t));
  }

  @Test
  void psShowsTheImageNameOnlyWhileItNamesTheContainersImage() {
    String id = "sha256:" + "ab".repeat(32);
    var json = new com.fasterxml.jackson.databind.ObjectMapper();
    Container c = new Container("c".repeat(64), "/web", Instant.EPOCH, id, json.createObjectNode().put("Image", "busybox"),
        json.createObjectNode(), ContainerState.created(), 0, false);
    assertEquals("busybox", ContainerViews.summary(c, Instant.EPOCH, name -> id).get("Image"));
    assertEquals(id, ContainerViews.summary(c, Instant.EPOCH, name -> null).get("Image"), "untagged or deleted");
    assertEquals(id, ContainerViews.summary(c, Instant.EPOCH, name -> "sha256:" + "cd".repeat(32)).get("Image"),
        "the name moved to another image");
    assertEquals(id, ContainerViews.summary(c, Instant.EPOCH, name -> id).get("ImageID"));
  }

  @Test
  void sizesAreBinaryMultiples() {
    assertEquals(10L * 1024 * 1024, ByteSizes.parse("10m"));
    assertEquals(1024, ByteSizes.parse("1k"));
    assertEquals(2L << 30, ByteSizes.parse("2g"));
    assertEquals(100, ByteSizes.parse("100"));
  }
}
