{
  description = "kernelcore: NixOS workstation (Ryzen 5600X, 16GB) and ThinkPad";

  inputs = {
    # Stable channel for the system, unstable only for a few fast-moving tools
    nixpkgs.url = "github:NixOS/nixpkgs/nixos-25.05";
    nixpkgs-unstable.url = "github:NixOS/nixpkgs/nixos-unstable";

    home-manager = {
      url = "github:nix-community/home-manager/release-25.05";
      inputs.nixpkgs.follows = "nixpkgs";
    };

    # Only used by the laptop (sentinel)
    nixos-hardware.url = "github:NixOS/nixos-hardware/master";
  };

  outputs = { self, nixpkgs, ... }@inputs: {
  # ==========================================================================
  # kernelcore: desktop workstation
  # ==========================================================================
  nixosConfigurations.kernelcore = nixpkgs.lib.nixosSystem {
    system = "x86_64-linux";
    specialArgs = { inherit inputs; };
    modules = [
      # ---- Hardware ------------------------------------------------------
      ./hosts/kernelcore/hardware-configuration.nix
      ./modules/hardware/nvidia.nix # RTX 3060, proprietary driver
      ./modules/hardware/bluetooth.nix
      ./modules/hardware/ssd.nix # fstrim + nvme scheduler

      # ---- Host ----------------------------------------------------------
      {
        networking.hostName = "kernelcore";
        networking.networkmanager.enable = true;

        time.timeZone = "Europe/Lisbon";
        i18n.defaultLocale = "en_US.UTF-8";
        console.keyMap = "pt-latin1";

        nixpkgs.config.allowUnfree = true; # nvidia, cuda
        nixpkgs.overlays = [
          # pkgs.unstable.<name> for the handful of tools that move fast
          (final: prev: {
            unstable = import inputs.nixpkgs-unstable {
              inherit (prev.stdenv.hostPlatform) system;
              config.allowUnfree = true;
            };
          })
        ];

        # Feature switches for the kernelcore.* modules below
        kernelcore.hardening.enable = true;
        kernelcore.nixDaemon.enable = true;
        kernelcore.nixDaemon.allowedUsers = [ "kc" ];
        kernelcore.memory.enable = true;

        system.stateVersion = "25.05"; # Do not change after install
      }

      # ---- System --------------------------------------------------------
      ./modules/system/boot.nix
      ./modules/system/nix.nix # daemon settings, caches, gc
      ./modules/system/memory.nix # sysctl, zram, journald, cleanup timers
      ./modules/system/users.nix

      # ---- Security ------------------------------------------------------
      ./sec/hardening.nix
      ./modules/security/nix-daemon.nix # cgroup limits for builds

      # ---- Desktop -------------------------------------------------------
      ./modules/desktop/plasma.nix
      ./modules/desktop/audio.nix
      ./modules/desktop/fonts.nix
      # ./modules/desktop/gaming.nix # DISABLED: Steam pulls 32-bit mesa/LLVM, rebuild later

      # ---- Services ------------------------------------------------------
      ./modules/services/ssh.nix
      ./modules/services/tailscale.nix
      ./modules/services/containers.nix
      ./modules/services/printing.nix
      ./modules/services/backup.nix # restic to the NAS, nightly

      # ---- Development ---------------------------------------------------
      ./modules/development/toolchains.nix
      ./modules/development/editors.nix

      # ---- Home ----------------------------------------------------------
      inputs.home-manager.nixosModules.home-manager
      {
        home-manager.useGlobalPkgs = true;
        home-manager.useUserPackages = true;
        home-manager.backupFileExtension = "hm-bak";
        home-manager.users.kc = import ./home/kc.nix;
      }

      # ---- Machine learning ----------------------------------------------
      ./modules/ml/cuda.nix # toolkit + binary cache
      ./modules/ml/ollama.nix # local inference on the 3060
      # ./modules/ml/offload # DISABLED: Rust compilation consumes 7GB+ RAM causing OOM
    ];
  };

  # ==========================================================================
  # sentinel: ThinkPad T480, travel machine
  # ==========================================================================
  nixosConfigurations.sentinel = nixpkgs.lib.nixosSystem {
    system = "x86_64-linux";
    specialArgs = { inherit inputs; };
    modules = [
      ./hosts/sentinel/hardware-configuration.nix
      inputs.nixos-hardware.nixosModules.lenovo-thinkpad-t480

      {
        networking.hostName = "sentinel";
        networking.networkmanager.enable = true;

        time.timeZone = "Europe/Lisbon";
        i18n.defaultLocale = "en_US.UTF-8";

        kernelcore.hardening.enable = true;

        services.tlp.enable = true;
        services.power-profiles-daemon.enable = false; # conflicts with tlp

        system.stateVersion = "25.05";
      }

      ./modules/system/boot.nix
      ./modules/system/nix.nix
      ./modules/system/users.nix
      ./sec/hardening.nix
      ./modules/desktop/plasma.nix
      ./modules/desktop/audio.nix
      ./modules/services/ssh.nix
      ./modules/services/tailscale.nix
    ];
  };
  };
}
