# CUDA userland for the RTX 3060, from the binary cache.
#
# Deliberately NOT setting nixpkgs.config.cudaSupport: that rebuilds half
# of nixpkgs from source and is exactly the kind of build that OOMs here.
{ config, lib, pkgs, ... }:

{
  nix.settings = {
    extra-substituters = [ "https://cuda-maintainers.cachix.org" ];
    extra-trusted-public-keys = [
      "cuda-maintainers.cachix.org-1:0dq3bujKpuEPMCX6U4WylrUDZ9JyUG0VpVZa7CNfq5E="
    ];
  };

  hardware.nvidia-container-toolkit.enable = true;

  environment.systemPackages = with pkgs; [
    cudaPackages.cudatoolkit
    nvtopPackages.nvidia
  ];
}
