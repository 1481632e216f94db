# Sourced by scripts/demo and scripts/test: installs what the project needs on
# Debian 12 (apt packages as root, a virtual environment in .venv) and skips
# the work when nothing changed since the last run. Safe to run again.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
APT_PACKAGES=(
  python3 python3-venv python3-dev gcc        # the venv and packages that compile
  libmtdev1 libgl1-mesa-dri libegl1 libegl-mesa0 libgles2   # Kivy rendering (Mesa, offscreen too)
  fonts-noto-cjk                              # the Simplified-Chinese face the UI extracts
  pcscd vsmartcard-vpcd                       # PC/SC service and the virtual reader the tests and demo use
  libpcsclite-dev swig                        # to build pyscard
  chromium                                    # headless browser tests of central's pages (Playwright drives it)
  curl ca-certificates
  procps                                      # pkill/pgrep: the tests own the machine's pcscd
  tzdata                                      # the hall's local time (daily number reset, bookings)
  espeak-ng                                   # voice clips: the kiosk's voice guidance and the display board
  pinyin-database libzinnia0 tegaki-zinnia-simplified-chinese  # Chinese input: pinyin lexicon, handwriting
  cups printer-driver-cups-pdf libcups2-dev   # A4 certificates: the tests' private cupsd, and pycups
  postgresql                                  # central on PostgreSQL: the tests start private clusters
)

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null; then sudo "$@"
  else echo "need root for: $* (run as root or install sudo)" >&2; return 1; fi
}

install_apt() {
  local missing=()
  for pkg in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    say "installing Debian packages: ${missing[*]}"
    if [ ! -e /etc/postgresql-common/createcluster.conf ]; then
      # the tests start clusters of their own: no system cluster on port 5432
      as_root mkdir -p /etc/postgresql-common
      echo "create_main_cluster = false" | as_root tee /etc/postgresql-common/createcluster.conf >/dev/null
    fi
    as_root apt-get update -qq
    # --force-confold: keep the createcluster.conf written above (dpkg would otherwise ask)
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "${missing[@]}" >/dev/null
  fi
}

install_venv() {
  # The environment is installed from the lock (pinned versions with hashes), so a
  # new release of any dependency changes nothing here until scripts/lock is run.
  local lock="$ROOT/requirements/dev.txt"
  local stamp="$VENV/.installed-$(cat "$lock" "$ROOT/setup.cfg" "$ROOT/pyproject.toml" | sha256sum | cut -c1-16)"
  if [ -f "$stamp" ]; then return; fi
  if [ ! -x "$VENV/bin/python" ]; then
    say "creating the virtual environment in $VENV"
    python3 -m venv "$VENV"
  fi
  say "installing Python packages from requirements/dev.txt into $VENV (first run takes a few minutes)"
  "$VENV/bin/python" -m pip install -q --require-hashes -r "$lock"
  "$VENV/bin/python" -m pip install -q --no-deps --no-build-isolation -e "$ROOT"
  rm -f "$VENV"/.installed-*
  touch "$stamp"
}

bootstrap() {
  install_apt
  install_venv
  export PATH="$VENV/bin:$PATH"
}
