# NixOS module for Tidemark: services.tidemark.
#
# It writes the config with pkgs.formats.toml (only the keys set here: every other key keeps
# Tidemark's own default), checks it with `tidemark config check` at build time, and runs
# `tidemark run` from a timer or `tidemark watch` as a service, with exactly the [Service]
# hardening of the shipped units in packaging/systemd/ (tests/Tidemark.Tests/Packaging/
# NixModuleTests.cs compares the two). docs/nixos.md has an example.
{ config, lib, pkgs, ... }:

let
  cfg = config.services.tidemark;
  inherit (lib) mkOption types;

  settingsFormat = pkgs.formats.toml { };

  # --- value types, as docs/configuration.md checks them --------------------------------------

  # "90s", "24h", "1h30m": units ms s m h d w, combinable (Tidemark.Core DurationText).
  durationPattern = "([0-9]+(ms|s|m|h|d|w))+";
  duration = types.strMatching durationPattern;
  durationMs = s:
    let
      unit = { ms = 1; s = 1000; m = 60000; h = 3600000; d = 86400000; w = 604800000; };
      parts = builtins.filter builtins.isList (builtins.split "([0-9]+)(ms|s|m|h|d|w)" s);
    in
    lib.foldl' (total: p: total + lib.toIntBase10 (builtins.elemAt p 0) * unit.${builtins.elemAt p 1}) 0 parts;
  durationAtLeast1s = types.addCheck duration (s: durationMs s >= 1000) // {
    description = "duration of at least 1s (e.g. \"30s\", \"5m\")";
  };

  percent = types.ints.between 1 100;
  percentBelow100 = types.ints.between 1 99;

  # Absolute, no control character (a NUL or newline would cut or forge the path).
  absolutePath = types.strMatching "/[^[:cntrl:]]*";
  # …and naming a file: not "/", not ending in "/".
  absoluteFile = types.strMatching "/[^[:cntrl:]]*[^/[:cntrl:]]";
  unixSocket = types.strMatching "(unix://)?/[^[:cntrl:]]*";
  # .NET regular expressions: Nix cannot check their syntax; `tidemark config check` does, at build time.
  regexes = types.listOf types.str;

  # An option whose null default means "Tidemark's own default": null keys are not rendered.
  key = type: default: description: mkOption {
    type = types.nullOr type;
    default = null;
    description = "${description} Null: Tidemark's default (${default}).";
  };

  section = name: options: mkOption {
    type = types.submodule { inherit options; };
    default = { };
    description = "The `[${name}]` section of tidemark.toml (docs/configuration.md).";
  };

  settingsOptions = {
    docker = section "docker" {
      host = key unixSocket "`unix:///var/run/docker.sock`; `DOCKER_HOST` wins"
        "The daemon's socket: a local unix socket only.";
    };

    disk = section "disk" {
      path = key (types.either (types.enum [ "" ]) absolutePath) "`\"\"`, the daemon's DockerRootDir"
        "File system to watch; empty for the daemon's data root.";
      high_watermark_percent = key percent "80"
        "The disk gate passes at or above this used percentage; below it nothing is removed.";
      low_watermark_percent = key percentBelow100 "70"
        "Stage 2 reclaims down to this; must be below the high watermark.";
      critical_watermark_percent = key percent "90, or the high watermark if higher"
        "Critical pressure: at or above this, stage 2 acts even while a run is live (100 turns it off).";
      inode_high_watermark_percent = key percent "the byte high watermark"
        "The disk gate also passes when inode use is at or above this.";
      inode_low_watermark_percent = key percentBelow100 "the byte low watermark"
        "Stage 2 also works towards this inode use.";
    };

    busy = section "busy" {
      stack_patterns = key regexes "`[]`"
        "Regexes on `com.docker.stack.namespace`: a live match blocks the idle gate.";
      service_patterns = key regexes "`[]`"
        "Regexes on swarm service names (services that want tasks).";
      container_patterns = key regexes "`[]`"
        "Regexes on running, paused or restarting containers' names.";
      labels = key (types.listOf (types.strMatching "[^=].*")) "`[\"tidemark.busy\"]`"
        "`key` or `key=value` labels on live containers or services that block.";
    };

    prune = section "prune" {
      min_age = key duration "`\"24h\"`" "Nothing younger is removed.";
      protect = key (types.listOf (types.strMatching ".*[^[:space:]].*")) "`[]`"
        "Image reference globs (or image IDs) never removed.";
      stage2 = key types.bool "`true`"
        "Stage 2: evict unused tagged images down to the low watermark.";
      eviction_order = key (types.enum [ "predicted-reuse" "lru" ]) "`\"predicted-reuse\"`"
        "Stage 2's order.";
      critical_min_age = key duration "`\"10m\"`"
        "Under critical pressure, images used more recently than this are kept.";
    };

    ledger = section "ledger" {
      path = key absoluteFile "`/var/lib/tidemark/ledger.json`, the unit's state directory"
        "The usage ledger. Under this module's hardening only the state and runtime directories are writable.";
    };

    watch = section "watch" {
      interval = key durationAtLeast1s "`\"5m\"`"
        "In watch mode, how often the gates are checked when no event prompts it.";
    };

    converge = section "converge" {
      max_wait = key duration "`\"1h\"`"
        "A service converging longer than this stops holding the converge gate (`\"0s\"` waits for ever).";
      ignore_services = key regexes "`[]`"
        "Regexes on service names that never hold the converge gate.";
    };

    lock = section "lock" {
      path = key absoluteFile "`/run/tidemark/tidemark.lock`, the unit's runtime directory"
        "The single-instance lock.";
    };

    swarm = section "swarm" {
      worker_service_memory = key duration "`\"7d\"`"
        "On a swarm worker, which cannot read service specs: how long after a service's task last ran on the node its image is still kept as that service's.";
    };

    registry = section "registry" {
      docker_config = key absolutePath "`$DOCKER_CONFIG/config.json`, else `~/.docker/config.json` of the user running Tidemark"
        "The Docker client configuration (a config.json or its directory) whose registry credentials `tidemark doctor` reports and `tidemark probe` sends. The units run as a dynamic user: point it at the deploying user's config (readable by the tidemark group).";
    };
  };

  # --- the config file ---------------------------------------------------------------------------

  dropNulls = lib.filterAttrs (_: v: v != null);
  metricsSection = dropNulls { inherit (cfg.metrics) file listen; };
  rendered = lib.filterAttrs (_: keys: keys != { })
    (lib.mapAttrs (_: dropNulls) cfg.settings // { metrics = metricsSection; });

  generatedConfig = settingsFormat.generate "tidemark.toml" rendered;
  configFile =
    if cfg.checkConfig then
      pkgs.runCommand "tidemark-checked.toml" { nativeBuildInputs = [ cfg.package ]; } ''
        tidemark config check --config ${generatedConfig}
        cp ${generatedConfig} $out
      ''
    else generatedConfig;

  # --- units ---------------------------------------------------------------------------------------

  # Every Tidemark unit's [Service] hardening, as in packaging/systemd/*.service: one list for
  # both modes. No root: the docker group's access to the socket is all Tidemark needs; the ledger
  # lives in the state directory (/var/lib/tidemark), the lock in the runtime directory (/run/tidemark).
  hardening = {
    Nice = 10;
    IOSchedulingClass = "idle";
    DynamicUser = true;
    # One dynamic user for both units, and a runtime directory kept when one stops: the timer's
    # run never takes the ledger from a running watch nor removes its lock.
    User = "tidemark";
    Group = "tidemark";
    SupplementaryGroups = "docker";
    StateDirectory = "tidemark";
    StateDirectoryMode = "0700";
    RuntimeDirectory = "tidemark";
    RuntimeDirectoryMode = "0700";
    RuntimeDirectoryPreserve = true;
    UMask = "0077";
    NoNewPrivileges = true;
    CapabilityBoundingSet = "";
    AmbientCapabilities = "";
    ProtectSystem = "strict";
    ProtectHome = true;
    PrivateTmp = true;
    PrivateDevices = true;
    PrivateNetwork = true;
    PrivateUsers = false;
    ProtectKernelTunables = true;
    ProtectKernelModules = true;
    ProtectKernelLogs = true;
    ProtectControlGroups = true;
    ProtectClock = true;
    ProtectHostname = true;
    ProtectProc = "invisible";
    ProcSubset = "pid";
    RestrictAddressFamilies = "AF_UNIX";
    RestrictNamespaces = true;
    RestrictRealtime = true;
    RestrictSUIDSGID = true;
    LockPersonality = true;
    MemoryDenyWriteExecute = true;
    RemoveIPC = true;
    KeyringMode = "private";
    DevicePolicy = "closed";
    IPAddressDeny = "any";
    SystemCallArchitectures = "native";
    SystemCallFilter = [ "@system-service" "~@privileged @resources" ];
    # A call outside the filter fails with EPERM instead of killing the process: Tidemark reports it.
    SystemCallErrorNumber = "EPERM";
  };

  # packaging/systemd/tidemark-watch-metrics.conf: what serving [metrics] listen needs.
  metricsListener = {
    PrivateNetwork = false;
    RestrictAddressFamilies = "AF_UNIX AF_INET AF_INET6";
    IPAddressDeny = "any";
    IPAddressAllow = "localhost";
  };

  # packaging/systemd/tidemark-metrics-file.conf: the service's own directories are private to
  # its dynamic user, so the textfile goes to a directory of its own, readable by the collector
  # and writable by the docker group the service runs in (made by tmpfiles, then opened in the
  # sandbox with ReadWritePaths).
  metricsFileDir = if cfg.metrics.file == null then null else dirOf cfg.metrics.file;
  metricsFileIsPrivate = metricsFileDir != null && lib.elem metricsFileDir [ "/var/lib/tidemark" "/run/tidemark" ];
  metricsFileAccess = lib.optionalAttrs (metricsFileDir != null && !metricsFileIsPrivate) {
    ReadWritePaths = [ "-${metricsFileDir}" ];
  };

  unitBase = {
    documentation = [ "man:tidemark(1)" ];
    after = [ "docker.service" "docker.socket" ];
  };

  exec = command: "${cfg.package}/bin/tidemark ${command} --config ${configFile}";
in
{
  options.services.tidemark = {
    enable = lib.mkEnableOption "Tidemark, which prunes the Docker image cache only under disk pressure and only while no CI run or deploy is in flight";

    package = lib.mkPackageOption pkgs "tidemark" { };

    settings = mkOption {
      type = types.submodule { options = settingsOptions; };
      default = { };
      description = ''
        tidemark.toml, one attribute set per section (docs/configuration.md). Every key defaults
        to null, meaning Tidemark's own default; only keys set here are written. Unknown keys and
        values of the wrong type or out of range fail evaluation.
      '';
      example = lib.literalExpression ''
        {
          disk.high_watermark_percent = 80;
          busy.stack_patterns = [ "^[a-z0-9]{1,4}-[0-9a-f]{6}_ci_" ];
        }
      '';
    };

    mode = mkOption {
      type = types.enum [ "timer" "watch" ];
      default = "timer";
      description = ''
        `timer`: `tidemark run` from tidemark.timer (oneshot tidemark.service).
        `watch`: `tidemark watch` as the long-lived tidemark-watch.service, following the
        daemon's events; choose it when more than 256 image or container events happen between
        two timer runs (packaging/systemd/README.md).
      '';
    };

    dates = mkOption {
      type = types.singleLineStr;
      default = "daily";
      example = "*-*-* 00/4:00:00";
      description = "When tidemark.timer runs `tidemark run` (systemd.time(7) OnCalendar). Timer mode only.";
    };

    metrics = {
      file = mkOption {
        type = types.nullOr absoluteFile;
        default = null;
        example = "/var/lib/tidemark-metrics/tidemark.prom";
        description = ''
          `[metrics] file`: a node_exporter textfile-collector file written after each run or
          cycle. Its directory is created (tmpfiles: 0775 root:docker, so the service's dynamic
          user, in the docker group, can write it and the collector can read it) and opened in
          the sandbox (ReadWritePaths). Point the collector's textfile directory at it.
        '';
      };
      listen = mkOption {
        type = types.nullOr (types.strMatching "[^[:space:][:cntrl:]]+:[0-9]+");
        default = null;
        example = "127.0.0.1:9477";
        description = ''
          `[metrics] listen`: serve /metrics on this address (watch mode only). The unit then
          allows IPv4/IPv6 sockets and the loopback address only, as
          packaging/systemd/tidemark-watch-metrics.conf does.
        '';
      };
    };

    checkConfig = mkOption {
      type = types.bool;
      default = true;
      description = ''
        Run `tidemark config check` on the generated file at build time, so what Nix cannot
        check (regular expressions, cross-key rules) fails the build instead of the unit.
      '';
    };
  };

  config = lib.mkIf cfg.enable (lib.mkMerge [
    {
      assertions = [
        {
          assertion = !config.virtualisation.docker.autoPrune.enable;
          message = ''
            services.tidemark is enabled while virtualisation.docker.autoPrune.enable is true.
            autoPrune runs `docker system prune` on a timer whatever the disk use and whether a CI
            run is in flight; with `--all` (the usual flags) it removes every image no running
            container uses, which between runs is the whole warm cache Tidemark keeps, so the next
            run re-pulls everything. Set virtualisation.docker.autoPrune.enable = false when
            enabling Tidemark: it prunes only under disk pressure and only while idle.
          '';
        }
        {
          assertion = cfg.metrics.listen == null || cfg.mode == "watch";
          message = ''
            services.tidemark.metrics.listen is served by `tidemark watch` only: set
            services.tidemark.mode = "watch", or use services.tidemark.metrics.file with the timer.
          '';
        }
        (
          let
            high = lib.defaultTo 80 cfg.settings.disk.high_watermark_percent;
            low = lib.defaultTo 70 cfg.settings.disk.low_watermark_percent;
          in
          {
            assertion = low < high;
            message = "services.tidemark.settings.disk: low watermark ${toString low}% must be below the high watermark ${toString high}%.";
          }
        )
        (
          let
            high = lib.defaultTo 80 cfg.settings.disk.high_watermark_percent;
            critical = cfg.settings.disk.critical_watermark_percent;
          in
          {
            assertion = critical == null || critical >= high;
            message = "services.tidemark.settings.disk: critical watermark ${toString critical}% must be at or above the high watermark ${toString high}% (100 turns it off).";
          }
        )
        (
          let
            d = cfg.settings.disk;
            inodeHigh = lib.defaultTo (lib.defaultTo 80 d.high_watermark_percent) d.inode_high_watermark_percent;
            inodeLow = lib.defaultTo (lib.defaultTo 70 d.low_watermark_percent) d.inode_low_watermark_percent;
          in
          {
            assertion = inodeLow < inodeHigh;
            message = "services.tidemark.settings.disk: inode low watermark ${toString inodeLow}% must be below the inode high watermark ${toString inodeHigh}%.";
          }
        )
      ];

      warnings = lib.optional metricsFileIsPrivate ''
        services.tidemark.metrics.file is in ${metricsFileDir}, which is private to the service's
        dynamic user: node_exporter cannot read it there. Use a directory of its own, such as
        /var/lib/tidemark-metrics/tidemark.prom.
      '';

      systemd.tmpfiles.rules = lib.optional (metricsFileDir != null && !metricsFileIsPrivate)
        "d ${metricsFileDir} 0775 root docker - -";

      # The same config for commands run by hand (`tidemark plan`, `tidemark config show`).
      environment.etc."tidemark/tidemark.toml".source = configFile;
      environment.systemPackages = [ cfg.package ];
    }

    # Names never clash with NixOS's docker-prune.service / docker-prune.timer (autoPrune).
    (lib.mkIf (cfg.mode == "timer") {
      systemd.services.tidemark = unitBase // {
        description = "Tidemark: prune the Docker image cache under pressure, once";
        serviceConfig = {
          Type = "oneshot";
          ExecStart = exec "run";
          # 75: another run holds the lock (the watch service, say); try again next time.
          SuccessExitStatus = 75;
        } // hardening // metricsFileAccess;
      };

      systemd.timers.tidemark = {
        description = "Tidemark: prune the Docker image cache under pressure, daily";
        documentation = [ "man:tidemark(1)" ];
        wantedBy = [ "timers.target" ];
        timerConfig = {
          OnCalendar = cfg.dates;
          # A random moment (not every host at once); a missed run is made up at boot.
          RandomizedDelaySec = "4h";
          Persistent = true;
        };
      };
    })

    (lib.mkIf (cfg.mode == "watch") {
      systemd.services.tidemark-watch = unitBase // {
        description = "Tidemark watch: keep the Docker image store a warm cache, pruning only under pressure";
        wantedBy = [ "multi-user.target" ];
        serviceConfig = {
          # Ready once it watches; it keeps the watchdog fed from its loop.
          Type = "notify";
          NotifyAccess = "main";
          ExecStart = exec "watch";
          WatchdogSec = "5min";
          # SIGTERM stops it cleanly with the usage ledger saved.
          TimeoutStopSec = 30;
          Restart = "on-failure";
          RestartSec = 10;
        } // hardening
        // lib.optionalAttrs (cfg.metrics.listen != null) metricsListener
        // metricsFileAccess;
      };
    })
  ]);
}
