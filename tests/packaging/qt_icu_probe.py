"""Prints, as JSON, what Qt answers through ICU: collation in 13 languages, case mapping for
Turkish, Lithuanian and Greek, legacy text encodings, time zones' offsets and names.
Run by tests/packaging/test_icu_data.py with and without the bundle's smaller ICU data."""
import functools
import json

from PySide6.QtCore import QCollator, QDateTime, QLocale, QStringDecoder, QTimeZone

WORDS = ["zebra", "Äpfel", "apple", "Ångström", "öl", "Zürich", "école", "eagle", "ñandú", "nube", "çava", "cab",
         "İstanbul", "ılık", "ischia", "中国", "日本", "한국", "Ελλάδα", "Россия"]
out: dict = {}
for loc in ("en", "de", "sv", "es", "fr", "tr", "zh", "ja", "ko", "el", "ru", "da", "cs"):
    out["sort_" + loc] = sorted(WORDS, key=functools.cmp_to_key(QCollator(QLocale(loc)).compare))
for loc in ("tr", "az", "lt", "el", "de", "en"):
    out["upper_" + loc] = QLocale(loc).toUpper("istanbul ıi ǆ straße ά")
    out["lower_" + loc] = QLocale(loc).toLower("İSTANBUL IΣ ÀÌ")
for name in ("Shift_JIS", "GB18030", "windows-1252", "ISO-8859-7", "KOI8-R", "Big5", "EUC-KR"):
    decoder = QStringDecoder(name)
    out["encoding_" + name] = [decoder.isValid(), decoder.name()]
out["encodings"] = len(QStringDecoder.availableCodecs())
moment = QDateTime.fromSecsSinceEpoch(1760000000)
for tz in ("Europe/Berlin", "America/New_York", "Asia/Tokyo", "Australia/Sydney", "America/Sao_Paulo"):
    zone = QTimeZone(tz.encode())
    out["tz_" + tz] = [zone.isValid(), zone.offsetFromUtc(moment), zone.abbreviation(moment),
                       zone.displayName(moment, QTimeZone.LongName, QLocale("en")),
                       zone.displayName(moment, QTimeZone.LongName, QLocale("de")),
                       zone.displayName(moment, QTimeZone.ShortName, QLocale("fr"))]
print(json.dumps(out, ensure_ascii=False, indent=0))
