# Tidemark from its release tarball (scripts/release: tidemark-<version>-linux-x64.tar.gz holding
# the Native AOT binary `tidemark`, units/, tidemark.toml.example, man/tidemark.1, shell
# completions and LICENSE), patched for the Nix store by autoPatchelfHook.
#
#   pkgs.callPackage ./nix/package.nix { version = "0.1.0"; src = ./tidemark-0.1.0-linux-x64.tar.gz; }
#   pkgs.callPackage ./nix/package.nix { version = "0.1.0"; src = fetchurl { url = …; hash = …; }; }
#
# Why the tarball and not buildDotnetModule: buildDotnetModule builds from source, which needs a
# NuGet lock file (deps.json, generated with its fetch-deps script over the network and updated on
# every dependency change) and, for Native AOT, the ILCompiler packages and a linker set up inside
# the sandbox; the result would be a different binary from the one the release was tested as. The
# tarball is the exact binary scripts/test and scripts/release checked, it has no runtime to
# install, and it needs only glibc (and OpenSSL, see runtimeDependencies). The cost: this is a
# binary package (sourceProvenance binaryNativeCode), x86_64-linux only, and a source build would
# be the way to add another platform.
{ lib
, stdenv
, autoPatchelfHook
, installShellFiles
, openssl
, version
, src
}:

stdenv.mkDerivation {
  pname = "tidemark";
  inherit version src;

  nativeBuildInputs = [ autoPatchelfHook installShellFiles ];

  # `ldd tidemark`: libc.so.6 and libm.so.6 only, both glibc's, which autoPatchelfHook takes from
  # stdenv (no libstdc++: the AOT binary links its C++ runtime parts statically).
  # Not in ldd: .NET's crypto shim dlopen()s libssl.so.3 (and libcrypto.so.3) the first time a
  # SHA-256 is computed (layer chain IDs in every plan; seen with LD_DEBUG=files). autoPatchelfHook
  # adds runtimeDependencies to the binary's RUNPATH, which dlopen() searches.
  runtimeDependencies = [ (lib.getLib openssl) ];

  # The tarball holds one top-level directory (tidemark-<version>-linux-x64/) or the files
  # themselves: take either.
  unpackPhase = ''
    runHook preUnpack
    mkdir source
    tar -xzf "$src" -C source
    cd source
    entries=( * )
    if [ ''${#entries[@]} -eq 1 ] && [ -d "''${entries[0]}" ]; then
      cd "''${entries[0]}"
    fi
    runHook postUnpack
  '';

  dontConfigure = true;
  dontBuild = true;
  # The release binary is stripped already; patchelf is the only change made to it.
  dontStrip = true;

  installPhase = ''
    runHook preInstall

    install -Dm0755 tidemark "$out/bin/tidemark"
    installManPage man/tidemark.1

    # Completions: bash and zsh (fish if the release ever adds it), by file name.
    for f in $(find completions -type f 2>/dev/null); do
      case "$f" in
        *.bash | */bash/*) installShellCompletion --cmd tidemark --bash "$f" ;;
        *.zsh | */_tidemark | */zsh/*) installShellCompletion --cmd tidemark --zsh "$f" ;;
        *.fish | */fish/*) installShellCompletion --cmd tidemark --fish "$f" ;;
      esac
    done

    # The shipped units name /usr/local/bin/tidemark: kept for reference only (not in
    # lib/systemd, so systemd.packages never picks them up). On NixOS use nix/module.nix.
    mkdir -p "$out/share/tidemark" "$out/share/doc/tidemark"
    cp -r units "$out/share/tidemark/units"
    install -m0644 tidemark.toml.example LICENSE "$out/share/doc/tidemark/"

    runHook postInstall
  '';

  doInstallCheck = true;
  installCheckPhase = ''
    runHook preInstallCheck
    "$out/bin/tidemark" version | grep -F "${version}"
    "$out/bin/tidemark" config check --config "$out/share/doc/tidemark/tidemark.toml.example"
    # Computes SHA-256s: fails here, not on a host, if libssl cannot be loaded.
    "$out/bin/tidemark" simulate generate --preset small-ci --out "$TMPDIR/trace.jsonl"
    runHook postInstallCheck
  '';

  meta = {
    description = "Prunes a Docker host's image cache only under disk pressure and only while no CI run or deploy is in flight";
    longDescription = ''
      Tidemark keeps a Docker host's local image store as a warm cache: it prunes only when the
      disk passes a high watermark, only while no CI run or deploy is in flight, never touches
      volumes or images in use, and evicts the images least likely to be needed again first.
    '';
    # meta.license: the LICENSE the tarball ships (issue 9 chooses it; see docs/decisions.md).
    mainProgram = "tidemark";
    platforms = [ "x86_64-linux" ];
    sourceProvenance = [ lib.sourceTypes.binaryNativeCode ];
  };
}
