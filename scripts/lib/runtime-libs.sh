# Sourced by scripts/release, scripts/image and tests/release.
# runtime_libs BIN: every shared library the AOT binary needs at run time, one absolute path per
# line. ldd names what it links (libc, libm, the loader); .NET's crypto shim also dlopens
# OpenSSL (libssl.so.3, libcrypto.so.3) the first time it hashes (layer chain IDs, ledger
# checks), which ldd cannot see, so those and what they link are added by name.
runtime_libs() {
  local bin=$1 lib found
  {
    ldd_paths "$bin"
    for lib in libssl.so.3 libcrypto.so.3; do
      found=$(ldconfig -p | awk -v l="$lib" '$1 == l && $NF ~ /^\// { print $NF; exit }')
      [ -n "$found" ] || { echo "runtime_libs: $lib not found (install libssl3)" >&2; return 1; }
      echo "$found"
      ldd_paths "$found"
    done
  } | LC_ALL=C sort -u
}

ldd_paths() {
  ldd "$1" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'
}

# debian_packages: the Debian packages owning the libraries on stdin, one per line, sorted.
debian_packages() {
  local lib
  while read -r lib; do
    dpkg -S "$lib" 2>/dev/null || dpkg -S "$(readlink -f "$lib")" 2>/dev/null || dpkg -S "/usr$lib" 2>/dev/null \
      || { echo "debian_packages: no package owns $lib" >&2; return 1; }
  done | cut -d: -f1 | LC_ALL=C sort -u
}
