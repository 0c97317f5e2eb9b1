"""The microphone level meter reads in both looks: its empty track and its scale follow the look."""
from desktop.ui import theme
from desktop.ui.level_meter import LevelMeter


def _track_and_scale(meter: LevelMeter) -> tuple[int, int]:
    """Lightness of the empty track (right end of the bar) and of the lightest pixel of the scale's text."""
    img = meter.grab().toImage()
    track = img.pixelColor(img.width() - 30, 10).lightness()
    scale = [img.pixelColor(x, y).lightness() for x in range(0, 40) for y in range(20, 33)]
    return track, (max(scale) if theme.is_dark() else min(scale))


def test_the_level_meter_is_dark_in_the_dark_look_and_light_in_the_light_one(qtbot, qapp, monkeypatch):
    monkeypatch.delenv(theme.THEME_ENV, raising=False)
    meter = LevelMeter()
    qtbot.addWidget(meter)
    meter.resize(360, 34)
    meter.show()
    meter.set_level(0.05, 0.1)          # a quiet voice: most of the track stays empty
    try:
        theme.apply_theme(qapp, theme.DARK)
        track, scale = _track_and_scale(meter)
        window = qapp.palette().window().color().lightness()
        assert track < 80 and abs(track - window) < 40, "the empty track is a dark grey, not a light bar"
        assert scale > 120, "the dB scale is light text on the dark window"
        theme.apply_theme(qapp, theme.LIGHT)
        track, scale = _track_and_scale(meter)
        assert track > 200 and scale < 150
    finally:
        theme.apply_theme(qapp, theme.LIGHT)
