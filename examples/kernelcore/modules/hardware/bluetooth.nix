# Bluetooth for the headset and the keyboard.
{ config, lib, pkgs, ... }:

{
  hardware.bluetooth = {
    enable = true;
    powerOnBoot = true;
    settings.General = {
      Experimental = true; # battery level of the headset
      FastConnectable = true;
    };
  };
}
