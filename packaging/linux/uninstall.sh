#!/bin/sh
# Removes the app installed by install.sh. The student's library (lectures, books, notes,
# cards, chats) is a separate folder: it is kept, and this says where it is.
set -eu
PREFIX=${PREFIX:-$HOME/.local}
APP_DIR=$PREFIX/opt/lectern
APPS_DIR=${XDG_DATA_HOME:-$PREFIX/share}/applications
ICON=${XDG_DATA_HOME:-$PREFIX/share}/icons/hicolor/scalable/apps/lectern.svg
DATA=${LECTERN_DATA_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/Lectern}

# Only our own link and files: a 'lectern' in ~/.local/bin that is not our link stays.
if [ -L "$PREFIX/bin/lectern" ] && [ "$(readlink "$PREFIX/bin/lectern")" = "$APP_DIR/lectern" ]; then
  rm -f "$PREFIX/bin/lectern"
fi
rm -f "$APPS_DIR/lectern.desktop" "$ICON"
command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q "$APPS_DIR" 2>/dev/null || true
if [ -x "$APP_DIR/lectern" ]; then
  rm -rf "$APP_DIR"
fi
echo "Lectern is removed."
if [ -d "$DATA" ]; then
  echo "Your library is kept in $DATA (lectures, books, notes, cards and chats)."
  echo "Delete that folder yourself if you no longer want it."
fi
