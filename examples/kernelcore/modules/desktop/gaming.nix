# Steam, Proton and friends. Needs the 32-bit graphics stack.
{ config, lib, pkgs, ... }:

{
  programs.steam = {
    enable = true;
    remotePlay.openFirewall = true;
    extraCompatPackages = [ pkgs.proton-ge-bin ];
  };

  programs.gamemode.enable = true;
  programs.gamescope.enable = true;

  hardware.graphics.enable32Bit = true;

  environment.systemPackages = with pkgs; [
    mangohud
    protonup-qt
    lutris
  ];
}
