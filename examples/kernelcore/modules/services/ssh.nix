# OpenSSH: keys only, no root login.
{ config, lib, pkgs, ... }:

{
  services.openssh = {
    enable = true;
    openFirewall = true;
    settings = {
      PasswordAuthentication = false;
      KbdInteractiveAuthentication = false;
      PermitRootLogin = "no";
      AllowUsers = [ "kc" ];
      X11Forwarding = false;
    };
  };
}
