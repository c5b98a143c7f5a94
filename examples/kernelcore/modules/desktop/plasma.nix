# KDE Plasma 6 on Wayland with SDDM.
{ config, lib, pkgs, ... }:

{
  services.xserver.enable = true;
  services.xserver.xkb.layout = "pt";

  services.displayManager.sddm = {
    enable = true;
    wayland.enable = true;
  };
  services.desktopManager.plasma6.enable = true;

  environment.plasma6.excludePackages = with pkgs.kdePackages; [
    elisa
    kate
    oxygen
  ];

  environment.systemPackages = with pkgs; [
    firefox
    kdePackages.kcalc
    kdePackages.partitionmanager
    wl-clipboard
  ];

  programs.kdeconnect.enable = true;
  xdg.portal.enable = true;
}
