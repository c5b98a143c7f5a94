# Hardware scan of kernelcore (Ryzen 5 5600X, 16GB, NVMe + SATA data disk).
# Produced by nixos-generate-config at install time; regenerate it rather
# than editing by hand.
{ config, lib, pkgs, modulesPath, ... }:

{
  imports = [
    (modulesPath + "/installer/scan/not-detected.nix")
  ];

  boot.initrd.availableKernelModules = [ "nvme" "xhci_pci" "ahci" "usbhid" "usb_storage" "sd_mod" ];
  boot.initrd.kernelModules = [ ];
  boot.kernelModules = [ "kvm-amd" ];
  boot.extraModulePackages = [ ];

  fileSystems."/" = {
    device = "/dev/disk/by-uuid/3f6c2a8e-91d4-4b7a-a0e5-6d2c8f14b9a3";
    fsType = "ext4";
  };

  fileSystems."/boot" = {
    device = "/dev/disk/by-uuid/7A1E-C4D2";
    fsType = "vfat";
    options = [ "fmask=0077" "dmask=0077" ];
  };

  fileSystems."/srv/data" = {
    device = "/dev/disk/by-uuid/b82d4e17-5c0a-4f93-8e6b-2a7f9c3d1e50";
    fsType = "ext4";
    options = [ "noatime" "nofail" ];
  };

  # 16G disk swap; zram (modules/system/memory.nix) sits in front of it
  swapDevices = [
    { device = "/dev/disk/by-uuid/e4a9b3c1-2f7d-4d86-9b05-c8e1f6a2d7b4"; }
  ];

  networking.useDHCP = lib.mkDefault true;

  nixpkgs.hostPlatform = lib.mkDefault "x86_64-linux";
  hardware.cpu.amd.updateMicrocode = lib.mkDefault config.hardware.enableRedistributableFirmware;
}
