# systemd-boot on UEFI, latest stable kernel, quiet graphical boot.
{ config, lib, pkgs, ... }:

{
  boot.loader.systemd-boot = {
    enable = true;
    configurationLimit = 15; # keep /boot from filling up with generations
    editor = false;
  };
  boot.loader.efi.canTouchEfiVariables = true;
  boot.loader.timeout = 3;

  boot.kernelPackages = pkgs.linuxPackages_latest;
  boot.kernelParams = [ "quiet" "splash" ];

  boot.initrd.systemd.enable = true;
  boot.plymouth.enable = true;

  # /tmp on tmpfs would compete with builds for RAM; keep it on disk
  boot.tmp.useTmpfs = false;
  boot.tmp.cleanOnBoot = true;
}
