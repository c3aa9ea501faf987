"""VBA comments are not code: MacroRaptor reads keywords anywhere, so a comment saying "Run" made a button macro
look like one that executes something (round 85's waterfall workbook)."""

from __future__ import annotations

from oletools import mraptor

from rempart.analyzers.payload.office import _without_vba_comments


def _executes(code: str) -> bool:
    raptor = mraptor.MacroRaptor(_without_vba_comments(code))
    raptor.scan()
    return bool(raptor.execute)


def test_keywords_in_comments_are_not_read() -> None:
    code = ("Sub RecalcScenarios()\n"
            "    ' Called from the \"Run scenarios\" button. No automatic execution.\n"
            "    Rem Shell out? Never.\n"
            "    Range(\"B2\").Value = 1  ' Run the waterfall\n"
            "End Sub\n")
    assert not _executes(code)


def test_code_after_a_string_holding_an_apostrophe_is_still_read() -> None:
    code = "Sub AutoOpen()\n    x = \"it's\": Shell \"cmd /c echo test\"\nEnd Sub\n"
    assert _executes(code)
    assert "Shell" in _without_vba_comments(code)
