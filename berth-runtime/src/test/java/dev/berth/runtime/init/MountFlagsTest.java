package dev.berth.runtime.init;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.common.error.InvalidArgument;
import java.util.List;
import org.junit.jupiter.api.Test;

class MountFlagsTest {
  @Test
  void kernelFlagsPropagationAndDataAreSeparated() {
    MountFlags f = MountFlags.parse("tmpfs", List.of("nosuid", "strictatime", "mode=755", "size=65536k", "rprivate"));
    assertEquals(MountFlags.MS_NOSUID | MountFlags.MS_STRICTATIME, f.flags());
    assertEquals(MountFlags.MS_PRIVATE | MountFlags.MS_REC, f.propagation());
    assertEquals("mode=755,size=65536k", f.data());
  }

  @Test
  void laterOptionsWinAndBindIsRecognised() {
    MountFlags f = MountFlags.parse("none", List.of("ro", "rw", "rbind"));
    assertEquals(MountFlags.MS_BIND | MountFlags.MS_REC, f.flags());
    assertTrue(f.bind());
    assertTrue(MountFlags.parse("bind", List.of()).bind());
  }

  @Test
  void refusesWhatItCannotDo() {
    assertThrows(InvalidArgument.class, () -> MountFlags.parse("bind", List.of("idmap")));
    assertThrows(InvalidArgument.class, () -> MountFlags.propagation("sideways"));
  }
}
