# Ollama on the GPU, reachable from localhost and the tailnet only.
{ config, lib, pkgs, ... }:

{
  services.ollama = {
    enable = true;
    acceleration = "cuda";
    host = "127.0.0.1";
    port = 11434;
    environmentVariables = {
      OLLAMA_KEEP_ALIVE = "10m";
      OLLAMA_MAX_LOADED_MODELS = "1"; # 12GB VRAM, one model at a time
    };
  };

  # A model that spills out of VRAM runs on the CPU; cap what that costs
  systemd.services.ollama.serviceConfig.MemoryMax = "6G";
}
