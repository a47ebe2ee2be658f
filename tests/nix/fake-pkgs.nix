# The few parts of nixpkgs that nix/module.nix uses, faked for evaluation tests.
# formats.toml's generate renders real TOML text (nixpkgs' lib has no TOML generator; nixpkgs
# itself uses remarshal), kept in the fake derivation's `text` so a test can read it.
{ lib }:

let
  inherit (lib) concatStrings concatMapStringsSep mapAttrsToList;

  fakeDrv = name: extra: {
    type = "derivation";
    inherit name;
    outPath = "/nix/store/00000000000000000000000000000000-${name}";
  } // extra;

  # TOML basic strings: backslash, quote and every control character escaped.
  controls = map (i: builtins.fromJSON "\"\\u00${lib.fixedWidthString 2 "0" (lib.toHexString i)}\"")
    (lib.range 1 31 ++ [ 127 ]);
  escapes = map (c: "\\u00${lib.fixedWidthString 2 "0" (lib.toHexString c)}") (lib.range 1 31 ++ [ 127 ]);
  quote = s: "\"" + builtins.replaceStrings ([ "\\" "\"" ] ++ controls) ([ "\\\\" "\\\"" ] ++ escapes) s + "\"";

  value = v:
    if builtins.isBool v then (if v then "true" else "false")
    else if builtins.isInt v then toString v
    else if builtins.isString v then quote v
    else if builtins.isList v then "[" + concatMapStringsSep ", " value v + "]"
    else throw "fake formats.toml: cannot render ${builtins.typeOf v}";

  # One level of tables holding scalars and arrays: all tidemark.toml has.
  render = tables: concatStrings (mapAttrsToList
    (table: keys: "[${table}]\n" + concatStrings (mapAttrsToList (k: v: "${k} = ${value v}\n") keys))
    tables);
in
{
  formats.toml = { }: {
    type = lib.types.attrsOf lib.types.anything;
    generate = name: tables: fakeDrv name { text = render tables; };
  };

  runCommand = name: env: script: fakeDrv name { inherit env script; };

  tidemark = fakeDrv "tidemark-0.1.0" { pname = "tidemark"; version = "0.1.0"; };
}
