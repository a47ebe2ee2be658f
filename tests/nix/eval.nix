# Evaluates nix/module.nix with the stubs and the fake pkgs, and returns what the tests compare,
# as JSON-printable values:
#   nix-instantiate --eval --strict --json -E \
#     'import ./tests/nix/eval.nix { lib = import <nixpkgs/lib>; tidemark = { enable = true; }; }'
{ lib
, tidemark ? { enable = true; }
, autoPrune ? false
}:

let
  pkgs = import ./fake-pkgs.nix { inherit lib; };
  evaluated = lib.evalModules {
    specialArgs = { inherit pkgs; };
    modules = [
      ./stubs.nix
      ../../nix/module.nix
      { services.tidemark = tidemark; virtualisation.docker.autoPrune.enable = autoPrune; }
    ];
  };
  inherit (evaluated) config options;
  failed = map (a: a.message) (builtins.filter (a: !a.assertion) config.assertions);
  docs = builtins.filter (o: o.visible && !o.internal) (lib.optionAttrSetToDocList options.services.tidemark);
in
{
  inherit (config.systemd) services timers;
  cfg = config.services.tidemark;
  etc = config.environment.etc;
  # The generated tidemark.toml (checkConfig = false), else null.
  configText = config.environment.etc."tidemark/tidemark.toml".source.text or null;
  # With checkConfig (the default): the build script that checks the generated file.
  configCheck = config.environment.etc."tidemark/tidemark.toml".source.script or null;
  failedAssertions = failed;
  tmpfiles = config.systemd.tmpfiles.rules;
  inherit (config) warnings;
  # As NixOS's system.build.toplevel: failed assertions stop the evaluation.
  checked = if failed == [ ] then true else throw "\nFailed assertions:\n${lib.concatMapStringsSep "\n" (m: "- ${m}") failed}";
  options = map (o: { inherit (o) name type; default = o.default.text or null; }) docs;
}
