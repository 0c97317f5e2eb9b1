"""Whether the computer runs on its battery, and so whether to transcribe while recording.

Linux tells through ``/sys/class/power_supply``: a mains or USB supply that is
online means plugged in; batteries that discharge with no supply online mean on
battery. A computer with no such folder (a desktop, a virtual machine, another
system) counts as plugged in, so nothing waits for a battery that is not there.
"""
from __future__ import annotations

from pathlib import Path

POWER_SUPPLY = Path("/sys/class/power_supply")
SUPPLY_TYPES = ("Mains", "USB", "USB_C", "USB_PD", "USB_PD_DRP")


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="ascii", errors="replace").strip()
    except OSError:
        return ""


def on_battery(root: Path = POWER_SUPPLY) -> bool:
    """True only when a battery is discharging and no supply is online."""
    try:
        supplies = [p for p in root.iterdir() if p.is_dir()]
    except OSError:
        return False
    batteries = []
    for supply in supplies:
        kind = _read(supply / "type")
        if kind in SUPPLY_TYPES and _read(supply / "online") == "1":
            return False
        if kind == "Battery" and _read(supply / "present") != "0":
            batteries.append(supply)
    return any(_read(b / "status") == "Discharging" for b in batteries)


def wait_until_stop(transcribe_while_recording: bool, only_when_plugged_in: bool,
                    root: Path = POWER_SUPPLY) -> bool:
    """What the settings ask for now: True when the transcript should wait until Stop."""
    if not transcribe_while_recording:
        return True
    return only_when_plugged_in and on_battery(root)
