#!/usr/bin/env bash
# Issue 9's release artefacts, end to end: runs scripts/release (skipping the build when
# artifacts/tidemark is newer than every source file), then checks what the tarball and the .deb
# hold, their checksums, the man page, completions and example config, lintian, and installs the
# .deb into a clean Debian root (debootstrap --variant=minbase) where the installed binary runs
# `tidemark version` and `tidemark config check`, and `dpkg --purge` leaves the root as it was.
#
#   tests/release/test-release.sh [--fresh-root]
#
# Needs root (chroot). The clean root is debootstrapped once from the mirror apt already uses
# (read from /etc/apt/sources.list{,.d/*}) and cached as a tarball in
# $TIDEMARK_RELEASE_CACHE (default /var/tmp/tidemark-release-cache); every run unpacks a fresh
# copy. --fresh-root debootstraps it again. Installs debootstrap, lintian and zsh with apt when
# missing.
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=scripts/lib/runtime-libs.sh
. scripts/lib/runtime-libs.sh

fresh=0
for arg in "$@"; do
  case "$arg" in
    --fresh-root) fresh=1 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "usage: tests/release/test-release.sh [--fresh-root]" >&2; exit 64 ;;
  esac
done
[ "$(id -u)" -eq 0 ] || { echo "test-release: run as root (it chroots into a Debian root)" >&2; exit 77; }

export LC_ALL=C
started=$SECONDS
failures=0
ok() { echo "ok   $*"; }
fail() { echo "FAIL $*"; failures=$((failures + 1)); }
check() { local what=$1; shift; if "$@"; then ok "$what"; else fail "$what"; fi; }

missing=()
command -v debootstrap >/dev/null || missing+=(debootstrap)
command -v lintian >/dev/null || missing+=(lintian)
command -v zsh >/dev/null || missing+=(zsh)
if [ ${#missing[@]} -gt 0 ]; then
  echo "test-release: installing ${missing[*]}" >&2
  apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
fi

tmp=$(mktemp -d /var/tmp/tidemark-release-test.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# --- Build -------------------------------------------------------------------------------------
newer=$(find src \( -name bin -o -name obj \) -prune -o -type f -newer artifacts/tidemark -print -quit 2>/dev/null || echo missing)
if [ -x artifacts/tidemark ] && [ -z "$newer" ]; then
  scripts/release --no-build
else
  scripts/release
fi
version=$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' src/Tidemark/Tidemark.csproj | head -n1)
rel=artifacts/release
tarball=tidemark-$version-linux-x64.tar.gz
deb=tidemark_${version}_amd64.deb

# --- Checksums and the tarball -----------------------------------------------------------------
check "SHA256SUMS beside the artefacts verifies both" \
  sh -c "cd $rel && sha256sum --strict -c SHA256SUMS >/dev/null && [ \$(wc -l <SHA256SUMS) -eq 2 ]"

expected_tar="tidemark-$version/
tidemark-$version/LICENSE
tidemark-$version/README.md
tidemark-$version/SHA256SUMS
tidemark-$version/THIRD-PARTY-NOTICES
tidemark-$version/completions/
tidemark-$version/completions/_tidemark
tidemark-$version/completions/tidemark.bash
tidemark-$version/man/
tidemark-$version/man/tidemark.1
tidemark-$version/tidemark
tidemark-$version/tidemark.toml.example
tidemark-$version/units/
$(cd packaging/systemd && ls | LC_ALL=C sort | sed "s|^|tidemark-$version/units/|")"
check "tar -tzf lists exactly the expected files" \
  diff <(echo "$expected_tar" | LC_ALL=C sort) <(tar -tzf "$rel/$tarball" | LC_ALL=C sort)
tar -xzf "$rel/$tarball" -C "$tmp"
t=$tmp/tidemark-$version
check "the checksum list inside the tarball verifies every file in it" \
  sh -c "cd $t && sha256sum --strict -c SHA256SUMS >/dev/null && [ \$(wc -l <SHA256SUMS) -eq \$(find . -type f ! -name SHA256SUMS | wc -l) ]"
check "the tarball's binary is version $version" sh -c "$t/tidemark version | grep -q '^tidemark $version '"
check "the tarball's units are packaging/systemd's as shipped (ExecStart=/usr/local/bin/tidemark)" \
  sh -c "diff -r packaging/systemd $t/units && grep -q '^ExecStart=/usr/local/bin/tidemark run$' $t/units/tidemark.service && grep -q '^ExecStart=/usr/local/bin/tidemark watch$' $t/units/tidemark-watch.service"
check "LICENSE and README.md are the repository's" cmp -s LICENSE "$t/LICENSE"
check "THIRD-PARTY-NOTICES names every package compiled in, and the .NET runtime's notices" \
  sh -c "grep -q '^- System.CommandLine:' $t/THIRD-PARTY-NOTICES && grep -q '^- Tomlyn:' $t/THIRD-PARTY-NOTICES && grep -q '^- YamlDotNet:' $t/THIRD-PARTY-NOTICES && grep -q 'The .NET runtime.s own third-party notices' $t/THIRD-PARTY-NOTICES"

# --- Man page, completions, example config -----------------------------------------------------
man_warnings=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$t/man/tidemark.1" 2>&1 >/dev/null || echo "man failed")
check "man --warnings -l tidemark.1: no warning${man_warnings:+ ($man_warnings)}" test -z "$man_warnings"
check "the man page documents every command" \
  sh -c "for c in plan run watch prepare doctor probe 'config check' 'config show' 'simulate run' 'simulate compare' 'simulate generate' 'simulate presets' 'simulate from-ledger' version; do grep -qF \".SS \\\"tidemark \$c\\\"\" $t/man/tidemark.1 || exit 1; done"
check "bash -n completions/tidemark.bash" bash -n "$t/completions/tidemark.bash"
check "zsh -n completions/_tidemark" zsh -n "$t/completions/_tidemark"
check "bash completion offers the commands" \
  bash -c "source $t/completions/tidemark.bash; COMP_WORDS=(tidemark ''); COMP_CWORD=1; _tidemark; [[ \"\${COMPREPLY[*]}\" == 'plan run watch prepare config units doctor probe simulate version'* ]]"

example=$t/tidemark.toml.example
check "the example config is valid as shipped (every key commented out)" \
  sh -c "$t/tidemark config check --config $example | grep -q ': 0 keys set'"
sed -E 's/^# ([a-z_0-9]+ = )/\1/' "$example" >"$tmp/uncommented.toml"
: >"$tmp/empty.toml"
check "uncommented, the example sets every key and is valid" \
  sh -c "$t/tidemark config check --config $tmp/uncommented.toml >/dev/null && ! $t/tidemark config show --config $tmp/uncommented.toml | grep -q '# default$'"
# Values as written ("24h") and as the defaults print ("1d") are compared in seconds.
values() {
  "$t/tidemark" config show --config "$1" | grep -v '^#' \
    | sed -E 's/^([a-z_0-9]+) = ("[^"]*"|\[[^]]*\]|[^ ]+).*/\1 = \2/' \
    | awk '{ if (match($0, /"[0-9]+[smhdw]"$/)) { v = substr($0, RSTART + 1, RLENGTH - 3); u = substr($0, RSTART + RLENGTH - 2, 1);
             f = (u == "s") ? 1 : (u == "m") ? 60 : (u == "h") ? 3600 : (u == "d") ? 86400 : 604800;
             $0 = substr($0, 1, RSTART - 1) v * f "s" } print }'
}
check "uncommented, the example's values are the built-in defaults" diff <(values "$tmp/empty.toml") <(values "$tmp/uncommented.toml")

# --- The .deb ----------------------------------------------------------------------------------
expected_deb="./
./lib/
./lib/systemd/
./lib/systemd/system/
./lib/systemd/system/tidemark-watch.service
./lib/systemd/system/tidemark.service
./lib/systemd/system/tidemark.timer
./usr/
./usr/bin/
./usr/bin/tidemark
./usr/share/
./usr/share/bash-completion/
./usr/share/bash-completion/completions/
./usr/share/bash-completion/completions/tidemark
./usr/share/doc/
./usr/share/doc/tidemark/
./usr/share/doc/tidemark/THIRD-PARTY-NOTICES.gz
./usr/share/doc/tidemark/changelog.gz
./usr/share/doc/tidemark/copyright
./usr/share/doc/tidemark/examples/
./usr/share/doc/tidemark/examples/tidemark-metrics-file.conf
./usr/share/doc/tidemark/examples/tidemark-watch-metrics.conf
./usr/share/doc/tidemark/tidemark.toml.example
./usr/share/man/
./usr/share/man/man1/
./usr/share/man/man1/tidemark.1.gz
./usr/share/zsh/
./usr/share/zsh/vendor-completions/
./usr/share/zsh/vendor-completions/_tidemark"
check "dpkg-deb --contents lists exactly the expected paths, all root-owned" \
  bash -c "diff <(echo '$expected_deb' | LC_ALL=C sort) <(dpkg-deb --contents $rel/$deb | awk '{ print \$6 }' | LC_ALL=C sort) && ! dpkg-deb --contents $rel/$deb | awk '{ print \$2 }' | grep -v '^root/root$'"
mkdir "$tmp/deb"
dpkg-deb -R "$rel/$deb" "$tmp/deb"
check "no conffile, and postrm (purge: state only) is the only maintainer script" \
  sh -c "[ \"\$(ls $tmp/deb/DEBIAN | tr '\n' ' ')\" = 'control md5sums postrm ' ] && ! grep -v '^ *#' $tmp/deb/DEBIAN/postrm | grep -Eq 'systemctl|deb-systemd|invoke-rc|update-rc|enable|start'"
check "control: Section admin, Priority optional, a Description, Maintainer" \
  sh -c "[ \"\$(dpkg-deb -f $rel/$deb Section)\" = admin ] && [ \"\$(dpkg-deb -f $rel/$deb Priority)\" = optional ] && dpkg-deb -f $rel/$deb Description | grep -q 'enables and starts nothing' && dpkg-deb -f $rel/$deb Maintainer | grep -q '@'"
depends=$(dpkg-deb -f "$rel/$deb" Depends)
needed_packages=$(runtime_libs "$tmp/deb/usr/bin/tidemark" | debian_packages | tr '\n' ' ')
depends_packages=$(tr ',' '\n' <<<"$depends" | sed 's/(.*//; s/ //g' | grep . | LC_ALL=C sort -u | tr '\n' ' ')
check "Depends ($depends) names exactly the packages of the libraries it needs, linked or dlopened ($needed_packages)" \
  test -n "$needed_packages" -a "$needed_packages" = "$depends_packages"
check "the .deb's units start /usr/bin/tidemark and otherwise equal packaging/systemd's" \
  sh -c "for u in tidemark.service tidemark.timer tidemark-watch.service; do sed 's|^ExecStart=/usr/local/bin/|ExecStart=/usr/bin/|' packaging/systemd/\$u | cmp -s - $tmp/deb/lib/systemd/system/\$u || exit 1; done; ! grep -rq /usr/local $tmp/deb/lib/systemd/system"
check "the .deb's binary, man page and completions are the tarball's" \
  sh -c "cmp -s $t/tidemark $tmp/deb/usr/bin/tidemark && zcat $tmp/deb/usr/share/man/man1/tidemark.1.gz | cmp -s - $t/man/tidemark.1 && cmp -s $t/completions/tidemark.bash $tmp/deb/usr/share/bash-completion/completions/tidemark && cmp -s $t/completions/_tidemark $tmp/deb/usr/share/zsh/vendor-completions/_tidemark && cmp -s $example $tmp/deb/usr/share/doc/tidemark/tidemark.toml.example"

# Informational tags are accepted (docs/decisions.md says why); any warning or error fails.
lintian_out=$(lintian --pedantic --display-info --fail-on error,warning "$rel/$deb" 2>&1 | grep -v '^running with root privileges') \
  && lintian_rc=0 || lintian_rc=$?
echo "$lintian_out" | sed 's/^/     lintian: /'
check "lintian: no error or warning" test "$lintian_rc" -eq 0

# --- A clean Debian root -----------------------------------------------------------------------
. /etc/os-release
suite=${VERSION_CODENAME:-bookworm}
cache=${TIDEMARK_RELEASE_CACHE:-/var/tmp/tidemark-release-cache}
cached=$cache/debian-$suite-minbase.tar

# The mirror apt uses for the suite: deb822 .sources first, then one-line sources.list entries.
mirror() {
  local f
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    awk -v suite="$suite" 'BEGIN { RS = ""; FS = "\n" }
      { deb = 0; off = 0; uri = ""; found = 0
        for (i = 1; i <= NF; i++) {
          if ($i ~ /^Types:.*[ :]deb( |$)/) deb = 1
          if ($i ~ /^Enabled: *no/) off = 1
          if ($i ~ /^URIs:/) { split($i, u, " "); uri = u[2] }
          if ($i ~ /^Suites:/) { n = split($i, w, " "); for (j = 2; j <= n; j++) if (w[j] == suite) found = 1 } }
        if (deb && !off && found && uri != "") { print uri; exit } }' "$f"
  done
  { cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null || true; } | sed -E 's/\[[^]]*\]//' \
    | awk -v suite="$suite" '$1 == "deb" && $3 == suite { print $2; exit }'
}
root_kind=""
if [ $fresh -eq 1 ] || [ ! -f "$cached" ]; then
  url=$(mirror | head -n1)
  if [ -z "$url" ]; then
    echo "test-release: no apt source for $suite found in /etc/apt: cannot debootstrap" >&2
  else
    echo "test-release: debootstrap --variant=minbase $suite from $url (once; cached in $cached)" >&2
    rm -rf "$tmp/bootstrap"
    if debootstrap --variant=minbase "$suite" "$tmp/bootstrap" "$url" >"$tmp/debootstrap.log" 2>&1; then
      mkdir -p "$cache"
      tar -C "$tmp/bootstrap" -cf "$cached.part" . && mv "$cached.part" "$cached"
      rm -rf "$tmp/bootstrap"
    else
      echo "test-release: debootstrap failed (last lines below)" >&2
      tail -n 5 "$tmp/debootstrap.log" >&2
    fi
  fi
fi

r=$tmp/root
if [ -f "$cached" ]; then
  mkdir "$r" && tar -C "$r" -xf "$cached"
  root_kind="debootstrap $suite minbase"
  snapshot() {
    # Everything but dpkg's own database and logs, which record the install and the purge.
    (cd "$r" && find . -xdev \( -path ./var/lib/dpkg -o -path ./var/log -o -path ./tmp \) -prune -o -printf '%p %y %m %l\n' | LC_ALL=C sort)
  }
  # What Depends names beyond a minbase root (OpenSSL, for the crypto shim), from the host's
  # apt, installed first: the root is "before" with it.
  missing_deps=$(for p in $(tr ',' '\n' <<<"$depends" | sed 's/(.*//; s/ //g' | grep .); do
    chroot "$r" dpkg -s "$p" >/dev/null 2>&1 || echo "$p"; done)
  if [ -n "$missing_deps" ]; then
    mkdir -p "$tmp/deps" && (cd "$tmp/deps" && apt-get download $missing_deps >/dev/null 2>&1) || true
    cp "$tmp"/deps/*.deb "$r/tmp/" 2>/dev/null || true
    check "the root takes what Depends names beyond minbase ($(echo $missing_deps))" \
      sh -c "chroot $r sh -c 'dpkg -i /tmp/*.deb' >$tmp/deps.log 2>&1 || { cat $tmp/deps.log; exit 1; }"
    rm -f "$r"/tmp/*.deb
  fi
  snapshot >"$tmp/before"
  cp "$rel/$deb" "$r/tmp/"
  check "dpkg -i in the clean root ($root_kind) installs it with its Depends met" \
    sh -c "chroot $r dpkg -i /tmp/$deb >$tmp/dpkg-i.log 2>&1 || { cat $tmp/dpkg-i.log; exit 1; }"
  snapshot >"$tmp/installed"
  # Paths as they land: on a merged-/usr root, /lib/systemd is /usr/lib/systemd.
  usrmerged="cat"
  [ -L "$r/lib" ] && usrmerged="sed s|^\./lib/|./usr/lib/|"
  echo "$expected_deb" | sed 's|/$||' | grep -v '^\.$' | $usrmerged | LC_ALL=C sort -u >"$tmp/expected"
  comm -13 "$tmp/before" "$tmp/installed" | awk '{ print $1 }' | LC_ALL=C sort >"$tmp/added"
  only_own() {
    local stray missing
    stray=$(comm -23 "$tmp/added" "$tmp/expected")
    missing=$(echo "$expected_deb" | grep -v '/$' | $usrmerged | LC_ALL=C sort | comm -23 - "$tmp/added")
    [ -z "$stray$missing" ] || { echo "     not the package's: ${stray:-none}; not installed: ${missing:-none}"; return 1; }
  }
  check "installing adds only the package's own paths (nothing in /etc, nothing enabled)" only_own
  has() { grep -q -- "$2" <<<"$1"; }
  out=$(chroot "$r" tidemark version 2>&1) && rc=0 || rc=$?
  check "tidemark version in the root (exit $rc): $out" has "$out" "^tidemark $version "
  out=$(chroot "$r" tidemark config check 2>&1) && rc=0 || rc=$?
  check "tidemark config check in the root, no config file (exit $rc): $out" has "$rc $out" "^0 config ok: .*every key at its default"
  out=$(chroot "$r" tidemark config check --config /usr/share/doc/tidemark/tidemark.toml.example 2>&1) && rc=0 || rc=$?
  check "tidemark config check --config the installed example (exit $rc): $out" has "$rc $out" "^0 config ok: "
  # Hashing loads OpenSSL (layer chain IDs): with a Depends short of it this crashes.
  out=$(chroot "$r" tidemark simulate generate --preset small-ci --out /dev/null 2>&1) && rc=0 || rc=$?
  check "tidemark simulate generate in the root, which hashes with OpenSSL (exit $rc)${out:+: $out}" test "$rc" = 0

  # What the units' StateDirectory= would have made (DynamicUser=yes): purge removes it too.
  mkdir -p "$r/var/lib/private/tidemark" && echo '{}' >"$r/var/lib/private/tidemark/ledger.json"
  ln -s private/tidemark "$r/var/lib/tidemark"
  [ -d "$r/var/lib/private" ] && chmod 0700 "$r/var/lib/private"
  # And what tidemark-metrics-file.conf makes for the textfile collector.
  mkdir -p "$r/var/lib/tidemark-metrics" && echo 'tidemark_daemon_up 1' >"$r/var/lib/tidemark-metrics/tidemark.prom"
  check "dpkg --purge tidemark succeeds" sh -c "chroot $r dpkg --purge tidemark >$tmp/purge.log 2>&1 || { cat $tmp/purge.log; exit 1; }"
  rmdir "$r/var/lib/private" 2>/dev/null || true
  snapshot >"$tmp/after"
  check "after dpkg --purge the root is as before the install (nothing left behind)" diff "$tmp/before" "$tmp/after"
  check "dpkg no longer knows the package" sh -c "! chroot $r dpkg -s tidemark >/dev/null 2>&1"
else
  # No clean root could be made (no network or mirror): the weakest check the issue allows.
  root_kind="dpkg-deb -x only (no debootstrap root)"
  echo "test-release: WARNING: no clean Debian root; running the binary from dpkg-deb -x instead" >&2
  mkdir "$tmp/x" && dpkg-deb -x "$rel/$deb" "$tmp/x"
  check "tidemark version from dpkg-deb -x" sh -c "$tmp/x/usr/bin/tidemark version | grep -q '^tidemark $version '"
  check "tidemark config check from dpkg-deb -x" sh -c "TIDEMARK_CONFIG= $tmp/x/usr/bin/tidemark config check --config $tmp/x/usr/share/doc/tidemark/tidemark.toml.example"
fi

echo "test-release: $((SECONDS - started)) s; clean root: $root_kind; $failures failed"
[ $failures -eq 0 ]
