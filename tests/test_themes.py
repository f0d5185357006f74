"""Theme files: the bundled ones load; a broken one is one clear problem line, never an exception."""

from __future__ import annotations

from pathlib import Path

import pytest

from tui.themes import bundled_dir, load_themes


def test_bundled_themes_load_without_problems() -> None:
    themes, problems = load_themes(bundled_dir())
    assert problems == [] and {"waqr-dark", "waqr-light", "waqr-contrast"} <= {t.name for t in themes}


@pytest.mark.parametrize(
    ("body", "said"),
    [
        ('name = "t"\nprimary = "#112233"\ndark = "yes"\n', "dark: Input should be a valid boolean"),
        ('name = "t"\nprimary = 12\n', "primary: Input should be a valid string"),
        ('name = "t"\nprimary = "#112233"\nbackground = "not-a-colour"\n', "background: 'not-a-colour' is not a colour"),
        ('name = "t"\nprimary = "#112233"\nluminosity_spread = "0.2"\n', "luminosity_spread: Input should be a valid number"),
        ('name = "t"\nprimary = "#112233"\nvariables = 3\n', "variables: Input should be a valid dictionary"),
        ('name = "t"\nprimary = "#112233"\nprimray = "#000000"\n', "primray: unknown key"),
        ('primary = "#112233"\n', "name: Field required"),
        ('name = "t\nprimary =', "ignored: "),
    ],
)
def test_a_broken_theme_is_one_problem_line(tmp_path: Path, body: str, said: str) -> None:
    (tmp_path / "mine.toml").write_text(body)
    (tmp_path / "fine.toml").write_text('name = "fine"\nprimary = "#112233"\ndark = false\n')
    themes, problems = load_themes(tmp_path)
    assert [t.name for t in themes] == ["fine"] and themes[0].dark is False
    assert len(problems) == 1 and problems[0].startswith("theme mine.toml ignored: ") and said in problems[0]
    assert "\n" not in problems[0]
