# SSD care: weekly TRIM and no I/O scheduler in front of NVMe.
{ config, lib, pkgs, ... }:

{
  services.fstrim = {
    enable = true;
    interval = "weekly";
  };

  services.udev.extraRules = ''
    ACTION=="add|change", KERNEL=="nvme[0-9]*n[0-9]*", ATTR{queue/scheduler}="none"
    ACTION=="add|change", KERNEL=="sd[a-z]", ATTR{queue/rotational}=="0", ATTR{queue/scheduler}="mq-deadline"
  '';

  environment.systemPackages = [ pkgs.nvme-cli pkgs.smartmontools ];
}
