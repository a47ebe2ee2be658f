{
  description = "Tidemark: prune a Docker host's image cache only under disk pressure, never mid-run";

  # No flake.lock is committed: it was written without network access. `nix flake lock` pins
  # nixpkgs on first use.
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";

  outputs = { self, nixpkgs }:
    let
      system = "x86_64-linux";

      # One version, the project's: <Version> in src/Tidemark/Tidemark.csproj.
      version = builtins.head (builtins.elemAt
        (builtins.split "<Version>([^<]+)</Version>" (builtins.readFile ./src/Tidemark/Tidemark.csproj)) 1);

      # The release tarball scripts/release writes. artifacts/ is not tracked by git, so a flake
      # read from git does not see it: build with `nix build path:.` (the working tree), or
      # override src with a fetchurl of a published release.
      tarball = ./artifacts + "/tidemark-${version}-linux-x64.tar.gz";
      src =
        if builtins.pathExists tarball then tarball
        else throw "tidemark: ${toString tarball} does not exist: run scripts/release, then `nix build path:.` (or override src)";

      tidemarkFor = pkgs: pkgs.callPackage ./nix/package.nix { inherit version src; };
    in
    {
      packages.${system} = rec {
        tidemark = tidemarkFor nixpkgs.legacyPackages.${system};
        default = tidemark;
      };

      overlays.default = final: _prev: { tidemark = tidemarkFor final; };

      # The module, with this flake's package as services.tidemark.package (no overlay needed).
      nixosModules.default = { lib, pkgs, ... }: {
        imports = [ ./nix/module.nix ];
        services.tidemark.package = lib.mkDefault (tidemarkFor pkgs);
      };
    };
}
