# Nix daemon, store and binary-cache settings shared by every host.
#
# Build parallelism was cut on 2025-11-22: with automatic job and core
# counts the Ryzen ran 12 builds x 12 threads and rustc got OOM-killed.
{ config, lib, pkgs, ... }:

with lib;

{
  nix.settings = {
    experimental-features = [ "nix-command" "flakes" ];
    auto-optimise-store = true;
    warn-dirty = false;

    trusted-users = [ "root" "@wheel" ];

    substituters = [
      "https://cache.nixos.org"
      "https://nix-community.cachix.org"
    ];
    trusted-public-keys = [
      "cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY="
      "nix-community.cachix.org-1:mB9FSh9qf2dCimDSUo8Zy7bkq5CX+/rkCWyvRCYg3Fs="
    ];
    connect-timeout = 5;
    fallback = true;

    # Keep build inputs around so `nix develop` shells survive a gc
    keep-outputs = true;
    keep-derivations = true;

    # Start collecting garbage mid-build when the store disk runs low
    min-free = 5 * 1024 * 1024 * 1024; # 5 GiB
    max-free = 20 * 1024 * 1024 * 1024; # 20 GiB

    # Build parallelism: 4 builds at once, 3 threads each = 12 threads,
    # one per hardware thread instead of 144 fighting over them.
    max-jobs = mkDefault 4;  # Was "auto" (12 jobs)
    cores = mkDefault 3;     # Was 0 (all 12 cores per job)
  };

  nix.gc = {
    automatic = true;
    dates = "weekly";
    options = "--delete-older-than 14d";
    persistent = true;
  };

  nix.optimise = {
    automatic = true;
    dates = [ "03:45" ];
  };

  # Flakes only: nixosSystem already pins the registry and NIX_PATH to the
  # nixpkgs this system was built from, so the legacy channels can go.
  nix.channel.enable = false;
}
