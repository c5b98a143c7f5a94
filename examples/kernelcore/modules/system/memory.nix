# Memory management: kernel VM tuning, zram swap, journald limits and two
# housekeeping timers. Tuned on 2025-11-22 after builds hit OOM on 16GB.
{ config, lib, pkgs, ... }:

with lib;

let
  cfg = config.kernelcore.memory;
in
{
  options.kernelcore.memory = {
    enable = mkEnableOption "kernelcore memory tuning (sysctl, zram, log limits)";

    zram.enable = mkOption {
      type = types.bool;
      default = true;
      description = "Use zstd-compressed RAM as the first swap device.";
    };
  };

  config = mkIf cfg.enable {
    # Prefer compressed swap over dropping page cache, reclaim early
    boot.kernel.sysctl = {
      "vm.swappiness" = 100;  # Was 80 - more aggressive for builds
      "vm.vfs_cache_pressure" = 200;
      "vm.min_free_kbytes" = 65536;  # Keep 64MB free
      "vm.watermark_scale_factor" = 200;  # Aggressive reclaim
      "vm.watermark_boost_factor" = 0;

      # zram has no seek cost: read single pages, not clusters of 8
      "vm.page-cluster" = 0;

      # Start writeback early so a big unpack doesn't stall the desktop
      "vm.dirty_background_ratio" = 5;
      "vm.dirty_ratio" = 15;
      "vm.dirty_expire_centisecs" = 1500;
      "vm.dirty_writeback_centisecs" = 500;

      # Let idle memory compact in the background for huge pages
      "vm.compaction_proactiveness" = 20;
    };

    # Compressed swap in RAM; the disk swap partition stays as a fallback
    zramSwap = mkIf cfg.zram.enable {
      enable = true;
      algorithm = "zstd";
      memoryPercent = 50;  # Was 25% - now gives ~24GB effective RAM
      priority = 10;       # Higher than disk swap
    };

    # The journal had grown to most of the 110GB in /var/log
    services.journald.extraConfig = ''
      SystemMaxUse=2G
      SystemMaxFileSize=200M
      MaxRetentionSec=1month
      RuntimeMaxUse=256M
      Compress=yes
    '';

    # Every 5 minutes: above 90% used, drop clean caches and compact
    systemd.services.memory-pressure-relief = {
      description = "Drop caches and compact memory under pressure";
      serviceConfig = {
        Type = "oneshot";
        Nice = 19;
        IOSchedulingClass = "idle";
      };
      script = ''
        total=$(${pkgs.gawk}/bin/awk '/^MemTotal:/ { print $2 }' /proc/meminfo)
        available=$(${pkgs.gawk}/bin/awk '/^MemAvailable:/ { print $2 }' /proc/meminfo)
        used=$(( (total - available) * 100 / total ))

        if [ "$used" -gt 90 ]; then
          echo "memory at $used%, dropping caches and compacting"
          ${pkgs.coreutils}/bin/sync
          echo 1 > /proc/sys/vm/drop_caches
          echo 1 > /proc/sys/vm/compact_memory
          ${pkgs.procps}/bin/free -h
        fi
      '';
    };

    systemd.timers.memory-pressure-relief = {
      wantedBy = [ "timers.target" ];
      timerConfig = {
        OnCalendar = "*:0/5";
        AccuracySec = "30s";
      };
    };

    # Daily at 03:00: vacuum the journal, drop huge stale logs, gzip the rest
    systemd.services.log-cleanup = {
      description = "Trim journald and /var/log";
      path = [ pkgs.findutils pkgs.gzip ];
      serviceConfig = {
        Type = "oneshot";
        Nice = 19;
        IOSchedulingClass = "idle";
      };
      script = ''
        ${config.systemd.package}/bin/journalctl --vacuum-time=30d
        ${config.systemd.package}/bin/journalctl --vacuum-size=2G

        # Logs over 100MB untouched for a week are never read again
        find /var/log -xdev -type f -size +100M -mtime +7 -print -delete

        # Compress rotated logs that are still plain text
        find /var/log -xdev -type f \( -name '*.log.[0-9]*' -o -name '*.[0-9]' \) \
          ! -name '*.gz' -mtime +1 -exec gzip -9 {} +

        ${pkgs.coreutils}/bin/du -sh /var/log
      '';
    };

    systemd.timers.log-cleanup = {
      wantedBy = [ "timers.target" ];
      timerConfig = {
        OnCalendar = "*-*-* 03:00:00";
        Persistent = true;
      };
    };
  };
}
