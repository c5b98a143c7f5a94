# Resource policy for nix-daemon and the builds it spawns.
#
# Builds run inside nix-daemon.service, so its cgroup is where memory and
# CPU can be capped. Goal: a runaway rustc or LLVM link slows itself down
# (MemoryHigh makes the kernel reclaim and swap to zram first) and, at
# worst, gets OOM-killed alone, instead of taking the desktop with it.
{ config, lib, ... }:

let
  cfg = config.kernelcore.nixDaemon;
in
{
  options.kernelcore.nixDaemon = {
    enable = lib.mkEnableOption "the kernelcore nix-daemon resource policy";

    allowedUsers = lib.mkOption {
      type = lib.types.listOf lib.types.str;
      default = [ ];
      example = [ "ci" ];
      description = ''
        Users, besides root and members of wheel, that may connect to the
        daemon and start builds.
      '';
    };

    memoryHigh = lib.mkOption {
      type = lib.types.str;
      default = "10G";
      description = ''
        Soft memory limit (systemd MemoryHigh=) for nix-daemon.service and
        every builder in it. Above this the kernel throttles the builds and
        reclaims their memory instead of waking the OOM killer.
      '';
    };

    memoryMax = lib.mkOption {
      type = lib.types.str;
      default = "13G";
      description = ''
        Hard memory limit (systemd MemoryMax=) for the daemon's cgroup.
        Leaves about 3G of the 16G for the desktop when a build goes wild.
      '';
    };

    oomScoreAdjust = lib.mkOption {
      type = lib.types.ints.between (-1000) 1000;
      default = 500;
      description = ''
        OOM score adjustment for the daemon and its builders, so the kernel
        picks a build over plasmashell or the browser.
      '';
    };

    cpuWeight = lib.mkOption {
      type = lib.types.ints.between 1 10000;
      default = 50;
      description = "systemd CPUWeight= for builds (interactive units get 100).";
    };

    ioWeight = lib.mkOption {
      type = lib.types.ints.between 1 10000;
      default = 50;
      description = "systemd IOWeight= for builds (interactive units get 100).";
    };

    maxSilentTime = lib.mkOption {
      type = lib.types.ints.unsigned;
      default = 3600;
      description = ''
        Seconds a build may go without output before the daemon kills it.
        A builder stuck in swap usually goes quiet long before it fails.
      '';
    };
  };

  config = lib.mkIf cfg.enable (
    let
      # Who may talk to the daemon: root and wheel always, then per host.
      builders = [ "root" "@wheel" ] ++ cfg.allowedUsers;
    in
    {
      # Scheduling: builds only get the CPU and disk nobody else wants
      nix.daemonCPUSchedPolicy = "batch";
      nix.daemonIOSchedClass = "idle";
      nix.daemonIOSchedPriority = 7;

      # MemoryHigh throttles, MemoryMax kills. Swap stays allowed so zram
      # can absorb a peak before either of them kicks in.
      systemd.services.nix-daemon.serviceConfig = {
        MemoryAccounting = true;
        MemoryHigh = cfg.memoryHigh;
        MemoryMax = cfg.memoryMax;
        MemorySwapMax = "infinity";
        OOMScoreAdjust = cfg.oomScoreAdjust;
        # Kill the one builder that ran out, keep the daemon and others
        OOMPolicy = "continue";
        CPUWeight = cfg.cpuWeight;
        IOWeight = cfg.ioWeight;
      };

      nix.settings = {
        # Access
        allowed-users = builders;

        # Parallelism, kept in step with modules/system/nix.nix and
        # sec/hardening.nix (all three define it at mkDefault priority)
        max-jobs = lib.mkDefault 4;  # Was "auto" (12 jobs)
        cores = lib.mkDefault 3;     # Was 0 (all 12 cores per job)

        max-silent-time = cfg.maxSilentTime;
        # Cap one build at 4 hours, even if it keeps printing
        timeout = 4 * 3600;
      };
    }
  );
}
