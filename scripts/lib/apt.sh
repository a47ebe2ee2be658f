# Sourced by the scripts that install what they need on a fresh Debian machine.
# apt_install PKG...: apt-get update, then install without recommends, starting no service:
# policy-rc.d keeps a package (dockerd, prometheus) from starting a system-wide daemon we did
# not ask for.
apt_install() {
  [ "$#" -gt 0 ] || return 0
  [ "$(id -u)" -eq 0 ] || { echo "needs root to install $*; install them or run this as root" >&2; return 1; }
  echo "installing $* (apt-get update first)" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >&2
  local prc=/usr/sbin/policy-rc.d created_prc=0
  if [ ! -e $prc ]; then printf '#!/bin/sh\nexit 101\n' > $prc; chmod +x $prc; created_prc=1; fi
  local rc=0
  apt-get install -y -q --no-install-recommends "$@" >&2 || rc=$?
  if [ $created_prc -eq 1 ]; then rm -f $prc; fi
  return $rc
}
