# Compilers and per-project shells. Project toolchains come from each
# repository's flake via direnv; only the basics live in the system.
{ config, lib, pkgs, ... }:

{
  environment.systemPackages = with pkgs; [
    git
    git-lfs
    gnumake
    gcc
    pkg-config
    rustup
    python3
    nodejs_22
    jq
    ripgrep
    fd
    nixd
    nixfmt-rfc-style
  ];

  programs.direnv = {
    enable = true;
    nix-direnv.enable = true;
  };

  # Run unpatched binaries from rustup, npm and pip
  programs.nix-ld.enable = true;
}
