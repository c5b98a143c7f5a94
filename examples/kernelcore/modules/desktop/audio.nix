# PipeWire for everything (PulseAudio and ALSA clients included).
{ config, lib, pkgs, ... }:

{
  services.pulseaudio.enable = false;
  security.rtkit.enable = true;

  services.pipewire = {
    enable = true;
    alsa.enable = true;
    alsa.support32Bit = true;
    pulse.enable = true;
    jack.enable = false;
    wireplumber.enable = true;
  };

  environment.systemPackages = [ pkgs.pavucontrol pkgs.helvum ];
}
