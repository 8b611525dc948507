#!/usr/bin/env bash
# Set up jianbao on Debian/Ubuntu: system libraries and fonts through apt-get,
# then a virtual environment in .venv with the package installed.
# Installs only what is missing, so a second run takes about a second.
#
#   bash scripts/setup.sh          # what building bulletins and reports and the workbench need
#   bash scripts/setup.sh --test   # plus what the tests need (LibreOffice, Chromium)
set -euo pipefail
cd "$(dirname "$0")/.."

want_tests=0
[ "${1:-}" = "--test" ] && want_tests=1

# Runtime: Pango for WeasyPrint, HarfBuzz subsetting (without it WeasyPrint falls
# back to fontTools and a bulletin takes seconds instead of under one), CJK fonts.
# poppler-utils: the workbench shows a built PDF's pages as pictures (pdftoppm); the tests read PDFs with it.
packages=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fontconfig
          fonts-noto-cjk fonts-noto-cjk-extra fonts-lxgw-wenkai fonts-arphic-ukai poppler-utils)
# Tests: LibreOffice to check that DOCX opens, Chromium for the browser tests.
[ $want_tests = 1 ] && packages+=(libreoffice-writer-nogui chromium)

python=${PYTHON:-python3}
if ! "$python" -c 'import sys; assert sys.version_info >= (3, 11)' 2>/dev/null; then
  echo "jianbao needs Python 3.11 or newer as '$python' (set PYTHON=...)" >&2
  exit 1
fi
apt_install() {
  echo "setup: installing $*" >&2
  local sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

missing=()
for p in "${packages[@]}"; do
  # libreoffice-writer (with GUI) satisfies the -nogui variant too
  if [ "$p" = libreoffice-writer-nogui ] && command -v soffice >/dev/null; then continue; fi
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"

# A free 仿宋 with full GB2312 coverage: FandolFang (GPL with font exception), taken out
# of Debian's texlive-lang-chinese (49 MB .deb; only the 7 MB face is kept).  Skipped
# when fontconfig already knows it.  An office's own 仿宋_GB2312 still wins (composer/fonts.py).
install_fandol() {
  fc-list ':family=FandolFang' family | grep -q . && return 0
  local dest tmp otf
  if [ "$(id -u)" = 0 ]; then dest=/usr/local/share/fonts/jianbao; else dest="$HOME/.local/share/fonts/jianbao"; fi
  tmp=$(mktemp -d)
  chmod 755 "$tmp"  # apt-get download runs as _apt where it can
  echo "setup: installing FandolFang (仿宋) into $dest" >&2
  if (cd "$tmp" && apt-get download -qq texlive-lang-chinese >/dev/null 2>&1) \
     && dpkg-deb -x "$tmp"/texlive-lang-chinese_*.deb "$tmp/x"; then
    otf=$(find "$tmp/x" -name FandolFang-Regular.otf | head -n1)
    if [ -n "$otf" ]; then
      mkdir -p "$dest"
      cp "$otf" "$dest/"
      copying=$(find "$tmp/x" -path '*fandol/COPYING*' | head -n1)
      [ -z "$copying" ] || cp "$copying" "$dest/FandolFang-$(basename "$copying")"
      fc-cache -f "$dest" >/dev/null 2>&1 || true
    fi
  fi
  rm -rf "$tmp"
  fc-list ':family=FandolFang' family | grep -q . \
    || echo "setup: warning: could not install FandolFang; the PDF body falls back to 宋体 (Noto Serif CJK)" >&2
}
install_fandol

# fontconfig aliases: LibreOffice draws the official faces a DOCX names (仿宋_GB2312 …)
# with these free faces when the official ones are missing.
if [ "$(id -u)" = 0 ]; then conf_dir=/etc/fonts/conf.d; else conf_dir="$HOME/.config/fontconfig/conf.d"; fi
if ! cmp -s scripts/fontconfig-jianbao.conf "$conf_dir/65-jianbao.conf"; then
  mkdir -p "$conf_dir"
  cp scripts/fontconfig-jianbao.conf "$conf_dir/65-jianbao.conf"
  fc-cache >/dev/null 2>&1 || true
fi

# Python environment: reinstall only when pyproject.toml changed.
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv" >&2
  if ! "$python" -m venv .venv >/dev/null 2>&1; then
    # Debian's python3 ships venv/ensurepip in a package of its own
    rm -rf .venv
    apt_install "python$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')-venv"
    "$python" -m venv .venv
  fi
fi
stamp=.venv/.jianbao-installed
extras=""
[ $want_tests = 1 ] && extras="[test]"
sig="$(sha256sum pyproject.toml | cut -d' ' -f1)$extras"
if [ ! -f "$stamp" ] || ! grep -qxF "$sig" "$stamp"; then
  echo "setup: installing jianbao into .venv" >&2
  .venv/bin/python -m pip install -q --upgrade pip >/dev/null
  # setuptools prints a long "Editable installation" warning on every editable install
  PYTHONWARNINGS="ignore:Editable installation" .venv/bin/python -m pip install -q -e ".$extras"
  if [ $want_tests = 1 ]; then echo "$sig" > "$stamp"; echo "${sig%\[test\]}" >> "$stamp"; else echo "$sig" > "$stamp"; fi
fi

# `jianbao` as a plain command: a link in ~/.local/bin when that folder is on PATH (and
# holds no other checkout's jianbao); otherwise say how.  JIANBAO_NO_LINK=1 skips the link.
exe="$PWD/.venv/bin/jianbao"
bindir="$HOME/.local/bin"
case ":$PATH:" in
  *":$bindir:"*) on_path=1 ;;
  *) on_path=0 ;;
esac
if [ "${JIANBAO_NO_LINK:-0}" != 1 ] && [ $on_path = 1 ] \
   && { [ ! -e "$bindir/jianbao" ] || [ "$(readlink "$bindir/jianbao")" = "$exe" ]; }; then
  mkdir -p "$bindir"
  ln -sfn "$exe" "$bindir/jianbao"
  echo "setup: ready: jianbao is on PATH ($bindir/jianbao -> .venv/bin/jianbao)" >&2
elif [ "$(command -v jianbao 2>/dev/null)" = "$exe" ]; then
  echo "setup: ready: jianbao is on PATH" >&2
else
  echo "setup: ready: .venv/bin/jianbao" >&2
  echo "  to type plain 'jianbao' (as README and 'jianbao init' do), run in each shell:" >&2
  echo "    . $PWD/.venv/bin/activate" >&2
  if [ -e "$bindir/jianbao" ] && [ "$(readlink "$bindir/jianbao")" != "$exe" ]; then
    echo "  ($bindir/jianbao belongs to another checkout: $(readlink "$bindir/jianbao"))" >&2
  else
    echo "  or once: mkdir -p ~/.local/bin && ln -s $exe ~/.local/bin/jianbao" >&2
    echo "  (Debian puts ~/.local/bin on PATH at the next login when it exists)" >&2
  fi
fi
