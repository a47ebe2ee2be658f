# Evaluates flake.nix's outputs against a fake nixpkgs (no network, no store): the package's
# derivation attributes as nix/package.nix sets them, the overlay, and the flake's NixOS module
# with its default package. src is never forced (the release tarball need not exist).
{ lib }:

let
  fake = import ./fake-pkgs.nix { inherit lib; };
  drv = name: extra: { type = "derivation"; inherit name; outPath = "/nix/store/00000000000000000000000000000000-${name}"; } // extra;

  # No pkgs.tidemark: the flake's module must bring its own package.
  pkgs = builtins.removeAttrs fake [ "tidemark" ] // {
    inherit lib;
    stdenv.mkDerivation = attrs: drv "${attrs.pname}-${attrs.version}" { inherit attrs; inherit (attrs) pname version meta; };
    autoPatchelfHook = drv "auto-patchelf-hook" { };
    installShellFiles = drv "install-shell-files" { };
    openssl = drv "openssl-3.4.0" { lib = drv "openssl-3.4.0-lib" { }; };
    fetchurl = _: throw "fetchurl: not in these tests";
    # As nixpkgs' callPackage: the function's arguments from pkgs, overridden by args.
    callPackage = fn: args:
      let f = import fn; in f (builtins.intersectAttrs (builtins.functionArgs f) pkgs // args);
  };

  flake = import ../../flake.nix;
  outputs = flake.outputs { self = outputs; nixpkgs.legacyPackages.x86_64-linux = pkgs; };
  package = outputs.packages.x86_64-linux.default;

  module = lib.evalModules {
    specialArgs = { inherit pkgs; };
    modules = [
      ./stubs.nix
      outputs.nixosModules.default
      { services.tidemark.enable = true; }
    ];
  };
in
{
  outputs = lib.mapAttrs (_: builtins.attrNames) outputs;
  inherit (package) pname version;
  mainProgram = package.meta.mainProgram;
  platforms = package.meta.platforms;
  nativeBuildInputs = map (d: d.name) package.attrs.nativeBuildInputs;
  runtimeDependencies = map (d: d.name) package.attrs.runtimeDependencies;
  overlayVersion = ((outputs.overlays.default pkgs pkgs).tidemark).version;
  modulePackage = module.config.services.tidemark.package.name;
  modulePackageIsPackageNix = module.config.services.tidemark.package ? attrs;
  moduleExecStart = module.config.systemd.services.tidemark.serviceConfig.ExecStart;
}
