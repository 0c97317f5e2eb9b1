#!/bin/sh
# Installs this Lectern folder for the current user, under ~/.local (no root needed):
#   ~/.local/opt/lectern/            the app (this folder's lectern/ copied in whole)
#   ~/.local/bin/lectern             a link to it, for the command line
#   ~/.local/share/applications/     lectern.desktop, so it is in the desktop's menu
#   ~/.local/share/icons/hicolor/    its icon
# Run it again to update: the old copy is replaced only once the new one is in place.
# The student's library is never in these folders and never touched.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
PREFIX=${PREFIX:-$HOME/.local}
APP_DIR=$PREFIX/opt/lectern
BIN_DIR=$PREFIX/bin
APPS_DIR=${XDG_DATA_HOME:-$PREFIX/share}/applications
ICON_DIR=${XDG_DATA_HOME:-$PREFIX/share}/icons/hicolor/scalable/apps

[ -x "$HERE/lectern/lectern" ] || { echo "install: $HERE/lectern/lectern is missing: unpack the whole archive first" >&2; exit 1; }
mkdir -p "$PREFIX/opt" "$BIN_DIR" "$APPS_DIR" "$ICON_DIR"
# Copy beside the old version, then swap: an interrupted install leaves the old one working.
rm -rf "$APP_DIR.new"
cp -a "$HERE/lectern" "$APP_DIR.new"
if [ -d "$APP_DIR" ]; then
  rm -rf "$APP_DIR.old"
  mv "$APP_DIR" "$APP_DIR.old"
fi
mv "$APP_DIR.new" "$APP_DIR"
rm -rf "$APP_DIR.old"
ln -sfn "$APP_DIR/lectern" "$BIN_DIR/lectern"
cp "$HERE/lectern.svg" "$ICON_DIR/lectern.svg"
sed -e "s|^Exec=.*|Exec=\"$APP_DIR/lectern\"|" -e "s|^Icon=.*|Icon=lectern|" "$HERE/lectern.desktop" > "$APPS_DIR/lectern.desktop.tmp"
mv "$APPS_DIR/lectern.desktop.tmp" "$APPS_DIR/lectern.desktop"
command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q "$APPS_DIR" 2>/dev/null || true
command -v gtk-update-icon-cache >/dev/null 2>&1 && gtk-update-icon-cache -q -t "${ICON_DIR%/scalable/apps}" 2>/dev/null || true
cp "$HERE/uninstall.sh" "$APP_DIR/uninstall.sh"
echo "Lectern is installed in $APP_DIR"
echo "  Start it from your desktop's menu (Education), or run: $BIN_DIR/lectern"
case ":$PATH:" in *":$BIN_DIR:"*) ;; *) echo "  ($BIN_DIR is not on your PATH: add it to run 'lectern' by name)";; esac
echo "  Check it works offline: $BIN_DIR/lectern --self-test"
echo "  Remove it with: $APP_DIR/uninstall.sh"
