# Editors: Neovim as the default, VS Code for the notebooks.
{ config, lib, pkgs, ... }:

{
  programs.neovim = {
    enable = true;
    defaultEditor = true;
    viAlias = true;
    vimAlias = true;
  };

  environment.systemPackages = [
    pkgs.vscode
    pkgs.unstable.zed-editor
  ];
}
