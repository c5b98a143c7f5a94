# Login users. Passwords are set with `passwd` after install.
{ config, lib, pkgs, ... }:

{
  users.mutableUsers = true;

  users.users.kc = {
    isNormalUser = true;
    description = "kc";
    extraGroups = [ "wheel" "networkmanager" "video" "audio" ];
    shell = pkgs.zsh;
    openssh.authorizedKeys.keys = [
      "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGFuirqPt4znJfDZArWuOeVl4Ecy4fucSi6HpKuLGraC kc@sentinel"
    ];
  };

  programs.zsh.enable = true;
}
