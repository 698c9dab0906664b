# shellcheck shell=bash
# Helpers shared by demo.sh and test.sh (sourced, not run). The caller defines die().

# Installs Debian packages as root (directly, or through sudo).
apt_install() {
  local sudo=()
  if ((EUID != 0)); then
    command -v sudo >/dev/null || die "missing $* and not root: install them (apt-get install $*)"
    sudo=(sudo)
  fi
  command -v apt-get >/dev/null || die "missing $*: install them with your package manager"
  echo "installing $* with apt-get" >&2
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# make and a C and C++ compiler build the bundled librdkafka (rdkafka-sys runs its configure
# script and `make libs`, which builds the C and C++ libraries). Installs what is missing.
ensure_build_tools() {
  local missing=()
  command -v make >/dev/null || missing+=(make)
  command -v cc >/dev/null || missing+=(gcc)
  command -v c++ >/dev/null || missing+=(g++)
  if ((${#missing[@]} == 0)); then
    echo "build tools present: make, cc, c++" >&2
    return 0
  fi
  apt_install "${missing[@]}"
}

# Headless Chromium and its WebDriver (Debian's chromium and chromium-driver, same version) for
# the dashboard's browser tests. Installs what is missing.
ensure_chromium() {
  local missing=()
  [[ -x /usr/bin/chromium ]] || missing+=(chromium)
  [[ -x /usr/bin/chromedriver ]] || missing+=(chromium-driver)
  if ((${#missing[@]} == 0)); then
    echo "browser present: chromium, chromedriver" >&2
    return 0
  fi
  apt_install "${missing[@]}"
}

# Prints $1 TCP ports on 127.0.0.1 that are free now, on one line.
free_ports() {
  python3 - "$1" <<'PY'
import socket, sys
socks = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))
PY
}
