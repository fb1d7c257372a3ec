"""The wire layer stays free of Textual (DESIGN.md §2)."""

from __future__ import annotations

import subprocess
import sys


def test_importing_the_client_does_not_import_textual():
    code = (
        "import sys; import gemtui.api.client, gemtui.api.errors, gemtui.api.sse; "
        "assert 'gemtui.api.client' in sys.modules; "
        "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.')); "
        "assert not bad, bad"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
