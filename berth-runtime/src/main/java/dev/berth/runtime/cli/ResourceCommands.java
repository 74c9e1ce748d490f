package dev.berth.runtime.cli;

import dev.berth.runtime.spec.LinuxBlockIo;
import dev.berth.runtime.spec.LinuxCpu;
import dev.berth.runtime.spec.LinuxMemory;
import dev.berth.runtime.spec.LinuxPids;
import dev.berth.runtime.spec.LinuxResources;
import dev.berth.runtime.spec.SpecLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** pause, resume, update: the container's cgroup. */
final class ResourceCommands {
  private ResourceCommands() {}

  @Command(name = "pause", description = "freeze every process of a container")
  static final class Pause implements Callable<Integer> {
    @ParentCommand Main main;
    @Parameters(paramLabel = "ID") String id;

    @Override
    public Integer call() {
      main.runtime().pause(id);
      return 0;
    }
  }

  @Command(name = "resume", description = "thaw a paused container")
  static final class Resume implements Callable<Integer> {
    @ParentCommand Main main;
    @Parameters(paramLabel = "ID") String id;

    @Override
    public Integer call() {
      main.runtime().resume(id);
      return 0;
    }
  }

  @Command(name = "update", description = "change a container's resource limits")
  static final class Update implements Callable<Integer> {
    @ParentCommand Main main;
    @Option(names = {"--resources", "-r"}, description = "linux.resources JSON file, - for stdin") String resources;
    @Option(names = "--memory") Long memory;
    @Option(names = "--memory-swap") Long memorySwap;
    @Option(names = "--memory-reservation") Long memoryReservation;
    @Option(names = "--cpu-shares") Long cpuShares;
    @Option(names = "--cpu-quota") Long cpuQuota;
    @Option(names = "--cpu-period") Long cpuPeriod;
    @Option(names = "--cpuset-cpus") String cpusetCpus;
    @Option(names = "--cpuset-mems") String cpusetMems;
    @Option(names = "--pids-limit") Long pidsLimit;
    @Option(names = "--blkio-weight") Integer blkioWeight;
    @Parameters(paramLabel = "ID") String id;

    @Override
    public Integer call() throws IOException {
      LinuxResources r;
      if (resources != null) {
        byte[] json = resources.equals("-") ? System.in.readAllBytes() : Files.readAllBytes(Path.of(resources));
        r = SpecLoader.parseResources(json, resources);
      } else {
        LinuxMemory mem = memory == null && memorySwap == null && memoryReservation == null ? null
            : new LinuxMemory(memory, memoryReservation, memorySwap, null, null, null, null, null, null);
        LinuxCpu cpu = cpuShares == null && cpuQuota == null && cpuPeriod == null && cpusetCpus == null
            && cpusetMems == null ? null
            : new LinuxCpu(cpuShares, cpuQuota, null, cpuPeriod, null, null, cpusetCpus, cpusetMems, null);
        r = new LinuxResources(null, mem, cpu, pidsLimit == null ? null : new LinuxPids(pidsLimit),
            blkioWeight == null ? null : new LinuxBlockIo(blkioWeight, null, null, null, null, null, null),
            null, null, null);
      }
      main.runtime().update(id, r);
      return 0;
    }
  }
}
