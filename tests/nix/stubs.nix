# Stub declarations of the NixOS options nix/module.nix sets or reads, so that lib.evalModules
# can evaluate the module without nixpkgs' NixOS modules. Declared explicitly: a top-level
# freeformType ends in infinite recursion (/work/shared/nixpkgs-lib/README.md).
{ lib, ... }:

let
  inherit (lib) mkOption types;
  anything = mkOption { type = types.attrsOf types.anything; default = { }; };
in
{
  options = {
    systemd.services = anything;
    systemd.timers = anything;
    systemd.tmpfiles.rules = mkOption { type = types.listOf types.str; default = [ ]; };
    warnings = mkOption { type = types.listOf types.str; default = [ ]; };
    environment.etc = anything;
    environment.systemPackages = mkOption { type = types.listOf types.anything; default = [ ]; };
    users.users = anything;
    users.groups = anything;
    virtualisation.docker.autoPrune.enable = mkOption { type = types.bool; default = false; };
    assertions = mkOption {
      type = types.listOf (types.submodule {
        options.assertion = mkOption { type = types.bool; };
        options.message = mkOption { type = types.str; };
      });
      default = [ ];
    };
  };
}
