# Home Manager configuration for kc (used on kernelcore).
{ config, lib, pkgs, ... }:

{
  home.username = "kc";
  home.homeDirectory = "/home/kc";
  home.stateVersion = "25.05";

  programs.git = {
    enable = true;
    userName = "kc";
    userEmail = "kc@kernelcore.lan";
    extraConfig = {
      init.defaultBranch = "main";
      pull.rebase = true;
    };
  };

  programs.zsh = {
    enable = true;
    autosuggestion.enable = true;
    syntaxHighlighting.enable = true;
    shellAliases = {
      rebuild = "sudo nixos-rebuild switch --flake ~/nixos#kernelcore";
      mem = "watch -n 1 free -h";
    };
  };

  programs.starship.enable = true;
  programs.btop.enable = true;

  home.packages = with pkgs; [
    htop
    ncdu
    tldr
  ];
}
