# Baseline hardening for all kernelcore hosts.
{ config, lib, pkgs, ... }:

let
  inherit (lib) mkIf mkMerge mkDefault mkEnableOption mkOption types;
  cfg = config.kernelcore.hardening;
in
{
  options.kernelcore.hardening = {
    enable = mkEnableOption "the kernelcore baseline hardening profile";

    strictNixSandbox = mkOption {
      type = types.bool;
      default = true;
      description = "Build in the Nix sandbox and never fall back to an unsandboxed build.";
    };
  };

  config = mkIf cfg.enable {
    # Nix: sandboxed builds, same parallelism as modules/system/nix.nix
    nix.settings = mkMerge [
      (mkIf cfg.strictNixSandbox {
        sandbox = true;
        sandbox-fallback = false;
      })
      {
        max-jobs = mkDefault 4;  # Was "auto" (12 jobs)
        cores = mkDefault 3;     # Was 0 (all 12 cores per job)
        allowed-users = [ "@wheel" ];
        require-sigs = true;
      }
    ];

    # Kernel
    boot.kernel.sysctl = {
      "kernel.kptr_restrict" = 2;
      "kernel.dmesg_restrict" = 1;
      "kernel.unprivileged_bpf_disabled" = 1;
      "kernel.yama.ptrace_scope" = 1;
      "net.core.bpf_jit_harden" = 2;
      "net.ipv4.conf.all.accept_redirects" = 0;
      "net.ipv4.conf.all.send_redirects" = 0;
      "net.ipv6.conf.all.accept_redirects" = 0;
      "net.ipv4.tcp_syncookies" = 1;
    };
    boot.blacklistedKernelModules = [ "dccp" "sctp" "rds" "tipc" "firewire-core" ];
    security.protectKernelImage = true;

    # Privilege escalation
    security.sudo.execWheelOnly = true;
    security.sudo.extraConfig = ''
      Defaults lecture = never
      Defaults timestamp_timeout = 5
    '';
    security.polkit.enable = true;

    # Network
    networking.firewall = {
      enable = true;
      allowPing = false;
      logRefusedConnections = false;
    };

    services.fail2ban = mkIf config.services.openssh.enable {
      enable = true;
      maxretry = 5;
      bantime = "1h";
    };

    environment.systemPackages = [ pkgs.lynis ];
  };
}
