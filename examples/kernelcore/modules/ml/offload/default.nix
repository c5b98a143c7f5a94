# unified-llm offload endpoint.
#
# Importing this module turns the service on (enable defaults to true);
# set kernelcore.ml.offload.enable = false to keep the option but not run it.
{ config, lib, pkgs, ... }:

let
  cfg = config.kernelcore.ml.offload;
in
{
  options.kernelcore.ml.offload = {
    enable = lib.mkEnableOption "the unified-llm offload endpoint" // {
      default = true;
    };

    package = lib.mkOption {
      type = lib.types.package;
      default = pkgs.callPackage ./package.nix { };
      defaultText = lib.literalExpression "pkgs.callPackage ./package.nix { }";
      description = "The unified-llm package to run.";
    };

    port = lib.mkOption {
      type = lib.types.port;
      default = 8090;
      description = "Local port unified-llm listens on.";
    };

    backend = lib.mkOption {
      type = lib.types.str;
      default = "127.0.0.1:${toString config.services.ollama.port}";
      defaultText = lib.literalExpression ''"127.0.0.1:''${toString config.services.ollama.port}"'';
      description = "host:port of the LLM backend requests are relayed to.";
    };
  };

  config = lib.mkIf cfg.enable {
    environment.systemPackages = [ cfg.package ];

    systemd.services.unified-llm = {
      description = "unified-llm offload endpoint";
      wantedBy = [ "multi-user.target" ];
      after = [ "network.target" "ollama.service" ];
      wants = [ "ollama.service" ];

      serviceConfig = {
        ExecStart = "${lib.getExe cfg.package} --listen 127.0.0.1:${toString cfg.port} --backend ${cfg.backend}";
        DynamicUser = true;
        Restart = "on-failure";
        RestartSec = 5;

        MemoryMax = "512M";
        NoNewPrivileges = true;
        ProtectSystem = "strict";
        ProtectHome = true;
        PrivateTmp = true;
        PrivateDevices = true;
        RestrictAddressFamilies = [ "AF_INET" "AF_INET6" ];
        SystemCallFilter = [ "@system-service" ];
      };
    };
  };
}
