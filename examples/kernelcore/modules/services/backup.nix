# Nightly restic backup of /home and /srv/data to the NAS over SFTP.
{ config, lib, pkgs, ... }:

{
  services.restic.backups.nas = {
    repository = "sftp:restic@nas.tail0c8e1.ts.net:/volume1/restic/kernelcore";
    passwordFile = "/var/lib/restic/password";
    initialize = true;

    paths = [ "/home" "/srv/data" ];
    exclude = [
      "/home/*/.cache"
      "/home/*/.local/share/Steam"
      "/home/*/.ollama"
      "**/target"
      "**/node_modules"
    ];

    timerConfig = {
      OnCalendar = "01:30";
      Persistent = true;
      RandomizedDelaySec = "15m";
    };
    pruneOpts = [
      "--keep-daily 7"
      "--keep-weekly 4"
      "--keep-monthly 6"
    ];
  };
}
