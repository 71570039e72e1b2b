"""Fill the catalogs after `make extract`: English gets msgstr = msgid, Indonesian from a table.

Usage: python scripts/fill_catalogs.py [translations.py]  (a module defining T = {msgid: id})
Prints the Indonesian msgids still untranslated, so none slips through.
"""

import runpy
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent / "rumah_kemasan" / "translations"


def main() -> int:
    table = runpy.run_path(sys.argv[1])["T"] if len(sys.argv) > 1 else {}
    missing = []
    for lang in ("id", "en"):
        path = ROOT / lang / "LC_MESSAGES" / "messages.po"
        with path.open("rb") as fh:
            catalog = read_po(fh, locale=lang)
        for message in catalog:
            if not message.id or message.string:
                continue
            if lang == "en":
                message.string = message.id
            elif message.id in table:
                message.string = table[message.id]
            else:
                missing.append(message.id)
        with path.open("wb") as fh:
            write_po(fh, catalog, width=100, omit_header=False, sort_output=True)
    for msgid in missing:
        print("untranslated:", repr(msgid))
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
