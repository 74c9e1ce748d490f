package dev.berth.it.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.it.fixtures.BerthHome;
import dev.berth.it.fixtures.Cmd;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** scripts/install-service.sh writes a unit systemd accepts, for this checkout's berthd. */
class ServiceUnitIT {
  @TempDir Path tmp;

  @Test
  void theInstalledUnitStartsThisBerthdAndLeavesContainersAlone() throws Exception {
    Path units = tmp.resolve("units");
    Path etc = tmp.resolve("etc");
    Cmd.run(List.of(BerthHome.root().resolve("scripts/install-service.sh").toString()),
        Map.of("UNIT_DIR", units.toString(), "CONFIG_DIR", etc.toString(), "CREATE_GROUP", "0"), null, 60).ok();
    Path unit = units.resolve("berthd.service");
    String text = Files.readString(unit);
    assertTrue(text.contains("ExecStart=" + BerthHome.root().resolve("bin/berthd") + " --config-file /etc/berth/daemon.json"),
        text);
    assertTrue(text.contains("KillMode=process"), "stopping berthd must not kill the shims");
    assertTrue(text.contains("Delegate=yes"));
    assertEquals("{}", Files.readString(etc.resolve("daemon.json")).strip());
    Cmd.run("systemd-analyze", "verify", unit.toString()).ok();
  }
}
