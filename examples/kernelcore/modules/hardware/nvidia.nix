# NVIDIA RTX 3060 with the proprietary driver (Wayland via KMS).
{ config, lib, pkgs, ... }:

{
  services.xserver.videoDrivers = [ "nvidia" ];

  hardware.graphics.enable = true;

  hardware.nvidia = {
    modesetting.enable = true;
    open = false; # the open kernel module still hangs on resume here
    nvidiaSettings = true;
    powerManagement.enable = true; # keep VRAM across suspend
    package = config.boot.kernelPackages.nvidiaPackages.stable;
  };

  environment.sessionVariables = {
    LIBVA_DRIVER_NAME = "nvidia";
    NIXOS_OZONE_WL = "1";
  };
}
